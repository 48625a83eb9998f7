/// Names of one application's AWS resources, within AWS's limits (32 characters for
/// load balancers and target groups), shortened with a stable hash when needed.
public struct AWSNames: Sendable, Equatable {
    public let application: String

    public init(owner: String, repo: String) {
        application = ImageNaming.repository(owner: owner, repo: repo)
    }

    public var loadBalancer: String { Self.fitted("panda-\(application)", limit: 32) }
    public func targetGroup(_ slot: Slot) -> String { Self.fitted("panda-\(application)-\(slot.rawValue)", limit: 32) }
    public func service(_ slot: Slot) -> String { Self.fitted("panda-\(application)-\(slot.rawValue)", limit: 255) }
    public var taskFamily: String { Self.fitted("panda-\(application)", limit: 255) }
    public var loadBalancerSecurityGroup: String { Self.fitted("panda-\(application)-alb", limit: 255) }
    public var taskSecurityGroup: String { Self.fitted("panda-\(application)-tasks", limit: 255) }
    public var logGroup: String { "/ecs/panda/\(application)" }
    public var containerName: String { "app" }

    /// Load balancer and target group names allow only letters, digits and hyphens.
    static func fitted(_ name: String, limit: Int) -> String {
        let cleaned = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
        guard cleaned.count > limit else { return cleaned }
        let hash = String(fnv1a(cleaned), radix: 16).suffix(6)
        let stem = String(cleaned.prefix(limit - 7)).trimmingCharacters(in: ["-"])
        return "\(stem)-\(hash)"
    }

    private static func fnv1a(_ text: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return hash | 0x0010_0000  // always six hex digits
    }
}

/// One of an application's two physical slots; roles (blue, green) alternate between them.
public enum Slot: String, Sendable, CaseIterable {
    case a, b

    public var other: Slot { self == .a ? .b : .a }
}
