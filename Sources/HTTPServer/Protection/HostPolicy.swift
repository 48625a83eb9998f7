/// Which `Host` header values the server answers: the defence against DNS rebinding,
/// where a web page points a name of its own at this machine and the browser, which
/// sends that name as `Host`, lets the page talk to the server.
///
/// An entry is a name with or without a port (`example.com`, `example.com:8443`,
/// `127.0.0.1`, `[::1]`). Without a port it matches the name sent without a port or with
/// the port the server is bound to; with a port, only that port. Names compare without
/// case and without a trailing dot. `*` allows any `Host` (no defence).
public struct HostPolicy: Sendable, Equatable {
    public let allowedHosts: [String]
    private let entries: [HostName]
    private let allowsAny: Bool

    public init(allowedHosts: [String]) {
        self.allowedHosts = allowedHosts
        allowsAny = allowedHosts.contains("*")
        entries = allowedHosts.compactMap(HostName.init)
    }

    /// No check at all.
    public static let any = HostPolicy(allowedHosts: ["*"])

    /// Whether a request with this `Host` header (nil when absent) may be answered by a
    /// server bound to `boundPort`. A request without `Host` is refused: every browser sends one.
    public func allows(_ host: String?, boundPort: UInt16) -> Bool {
        if allowsAny { return true }
        guard let host, let sent = HostName(host) else { return false }
        return entries.contains { entry in
            guard entry.name == sent.name else { return false }
            if let port = entry.port { return sent.port == port }
            return sent.port == nil || sent.port == boundPort
        }
    }

    public static func == (left: HostPolicy, right: HostPolicy) -> Bool {
        left.allowedHosts == right.allowedHosts
    }
}

/// A `Host` value split into a normalised name and an optional port; nil when malformed.
struct HostName: Equatable {
    let name: String
    let port: UInt16?

    init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: " \t")
        guard !trimmed.isEmpty, trimmed.utf8.count <= 300 else { return nil }
        var name: Substring
        var portText: Substring?
        if trimmed.hasPrefix("[") {
            // An IPv6 literal: `[::1]` or `[::1]:8080`.
            guard let close = trimmed.firstIndex(of: "]") else { return nil }
            name = trimmed[...close]
            let rest = trimmed[trimmed.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else {
            let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return nil }
            name = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
        }
        if name.hasSuffix("."), name.count > 1 { name = name.dropLast() }
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return nil }
        if let portText {
            guard !portText.isEmpty, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let port = UInt16(portText) else {
                return nil
            }
            self.port = port
        } else {
            port = nil
        }
        self.name = name.lowercased()
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let unwanted = Set(set.unicodeScalars)
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !unwanted.contains($0) }),
              let last = scalars.lastIndex(where: { !unwanted.contains($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
