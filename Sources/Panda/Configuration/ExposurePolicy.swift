#if canImport(Glibc)
import Glibc
#endif

/// Start-up rules about who can reach Panda. Panda holds GitHub tokens and AWS keys and
/// deploys with them, so an address others can reach must not be served without API
/// keys unless the operator says so in as many words.
public enum ExposurePolicy {
    public static func check(_ configuration: PandaConfiguration) throws(ConfigurationError) {
        let server = configuration.server
        let auth = configuration.auth
        if !isLoopback(server.address), auth.apiKeys.isEmpty, !auth.allowAnonymous {
            throw ConfigurationError(
                "server.address \(server.address) is reachable from other machines, but auth.apiKeys is empty: "
                    + "anyone who reaches it could deploy with the stored credentials. Set auth.apiKeys "
                    + "(PANDA_AUTH_API_KEYS=key1,key2), or auth.allowAnonymous=true to serve it without keys anyway.")
        }
        if server.idleTimeoutSeconds > 0, server.headerTimeoutSeconds >= server.idleTimeoutSeconds {
            throw ConfigurationError(
                "server.headerTimeoutSeconds (\(server.headerTimeoutSeconds)) must be shorter than "
                    + "server.idleTimeoutSeconds (\(server.idleTimeoutSeconds))")
        }
    }

    /// Whether `address` (an IPv4 or IPv6 literal) only accepts connections from this machine:
    /// 127.0.0.0/8, `::1`, or `::ffff:127.x.x.x`. Anything else, including `0.0.0.0`, `::`
    /// and text that is not an address, counts as reachable.
    public static func isLoopback(_ address: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, address, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
        let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        return mapped && bytes[12] == 127
    }
}
