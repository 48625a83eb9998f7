/// Names of one application's AWS resources (DESIGN.md "Naming in AWS"): valid for every
/// GitHub `owner/repo` and never shared by two distinct repositories.
///
/// The identity is the exact lowercased `owner/repo` (GitHub names are case-insensitive).
/// The readable part keeps letters and digits and turns every run of other characters
/// into one `-`, so it loses information (`acme/web-app` and `acme-web/app`, `my.app` and
/// `my_app` read alike). Only when both names are plain letters and digits does
/// `{owner}-{repo}` stay unambiguous (exactly one hyphen); otherwise an 8-hex-digit hash of
/// the identity follows (at least two hyphens, so never equal to a plain one). Load
/// balancer and target group names (32 characters at most) always end with the hash,
/// since cutting them to fit loses information too.
public struct AWSNames: Sendable, Equatable, Hashable {
    /// The exact lowercased `owner/repo`: what the per-application lock and the
    /// `panda:app` tag key on.
    public let identity: String
    /// `{owner}-{repo}` or `{owner}-{repo}-{hash}`: ECR repository, and the stem of the
    /// ECS, security group and log group names. Lowercase letters, digits, single hyphens.
    public let application: String
    /// Eight hex digits of a stable hash of ``identity``.
    public let hash: String
    private let readable: String

    public init(owner: String, repo: String) {
        identity = String(decoding: "\(owner)/\(repo)".utf8.map { (0x41...0x5A).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
        hash = Self.stableHash(identity)
        readable = "\(Self.slug(owner))-\(Self.slug(repo))"
        application = Self.isPlain(owner) && Self.isPlain(repo) ? readable : "\(readable)-\(hash)"
    }

    public var loadBalancer: String { short("panda", suffix: "") }
    public func targetGroup(_ slot: Slot) -> String { short("panda", suffix: "-\(slot.rawValue)") }
    public func service(_ slot: Slot) -> String { "panda-\(application)-\(slot.rawValue)" }
    public var taskFamily: String { "panda-\(application)" }
    public var loadBalancerSecurityGroup: String { "panda-\(application)-alb" }
    public var taskSecurityGroup: String { "panda-\(application)-tasks" }
    public var logGroup: String { "/ecs/panda/\(application)" }
    public var containerName: String { "app" }

    /// `{prefix}-{readable, cut to fit}-{hash}{suffix}` within 32 characters.
    private func short(_ prefix: String, suffix: String) -> String {
        let room = 32 - prefix.count - 1 - 1 - hash.count - suffix.count
        var stem = readable.prefix(room)
        while stem.last == "-" { stem = stem.dropLast() }
        return "\(prefix)-\(stem)-\(hash)\(suffix)"
    }

    /// Lowercase letters and digits kept, every run of anything else one `-`, none at
    /// either end; `x` when nothing is left (a repository named `_` or `...`).
    static func slug(_ text: String) -> String {
        var slug: [UInt8] = []
        for byte in text.utf8 {
            if let kept = lowercasedAlphanumeric(byte) {
                slug.append(kept)
            } else if let last = slug.last, last != UInt8(ascii: "-") {
                slug.append(UInt8(ascii: "-"))
            }
        }
        if slug.last == UInt8(ascii: "-") { slug.removeLast() }
        return slug.isEmpty ? "x" : String(decoding: slug, as: UTF8.self)
    }

    private static func isPlain(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { lowercasedAlphanumeric($0) != nil }
    }

    /// An ASCII letter (lowercased) or digit; `nil` for anything else.
    private static func lowercasedAlphanumeric(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): byte
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
        default: nil
        }
    }

    /// 64-bit FNV-1a folded to 32 bits, as eight hex digits: stable across runs and machines.
    static func stableHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let folded = UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
        let hex = String(folded, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}

/// One of an application's two physical slots; roles (blue, green) alternate between them.
public enum Slot: String, Sendable, CaseIterable {
    case a, b

    public var other: Slot { self == .a ? .b : .a }
}
