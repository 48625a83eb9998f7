import Tools

extension Provisioner {
    /// Opens `port` of the group to exactly `cidrs`: missing ranges are authorized, ranges
    /// no longer configured are revoked.
    func exposePort(_ port: Int, to cidrs: [String], groupID: String, permissions: [JSONValue]) async throws {
        let current = Set(permissions.filter { $0["FromPort"]?.intValue == port && $0["ToPort"]?.intValue == port }
            .flatMap { $0["IpRanges"]?.arrayValue ?? [] }.compactMap { $0["CidrIp"]?.stringValue })
        let missing = cidrs.filter { !current.contains($0) }
        let extra = current.subtracting(cidrs).sorted()
        if !missing.isEmpty {
            try await context.aws(tolerating: ["InvalidPermission.Duplicate"]) {
                $0.ec2.authorizeSecurityGroupIngress(groupID: groupID, rules: [EC2IngressRule(port: port, from: .cidrs(missing))])
            }
        }
        if !extra.isEmpty {
            try await context.aws(tolerating: ["InvalidPermission.NotFound"]) {
                $0.ec2.revokeSecurityGroupIngress(groupID: groupID, rules: [EC2IngressRule(port: port, from: .cidrs(extra))])
            }
        }
    }
}
