import Testing
@testable import Panda

/// Every name Panda derives from a repository, checked against AWS's rules for its kind
/// and for distinctness across repositories, over generated GitHub-valid names.
@Suite struct AWSNamesPropertyTests {
    /// The names of one repository, by kind, each with the rule AWS (or docker) applies to it.
    static func derivedNames(owner: String, repo: String) -> [(kind: String, name: String, valid: (String) -> Bool)] {
        derivedNames(AWSNames(owner: owner, repo: repo))
    }

    static func derivedNames(_ names: AWSNames) -> [(kind: String, name: String, valid: (String) -> Bool)] {
        let repository = names.application
        let tag = ImageNaming.tag(repository: repository, branch: "main", epochSeconds: 1_700_000_000)
        return [
            ("ecr repository", repository, AWSNameRules.ecrRepository),
            ("image", "\(repository):\(tag)", AWSNameRules.dockerImage),
            ("ecs service a", names.service(.a), AWSNameRules.ecsName),
            ("ecs service b", names.service(.b), AWSNameRules.ecsName),
            ("task family", names.taskFamily, AWSNameRules.ecsName),
            ("load balancer", names.loadBalancer, AWSNameRules.loadBalancer),
            ("target group a", names.targetGroup(.a), AWSNameRules.targetGroup),
            ("target group b", names.targetGroup(.b), AWSNameRules.targetGroup),
            ("lb security group", names.loadBalancerSecurityGroup, AWSNameRules.securityGroup),
            ("task security group", names.taskSecurityGroup, AWSNameRules.securityGroup),
            ("log group", names.logGroup, AWSNameRules.logGroup),
        ]
    }

    @Test func generatedRepositoriesGetValidAndDistinctNames() {
        var generator = GitHubNameGenerator(seed: 0x5EED_11)
        var identities = Set<String>()
        var repositories: [(owner: String, repo: String)] = []
        // Near-collisions on purpose: each generated name also comes with the variants
        // that read alike once separators are normalised.
        while identities.count < 120_000 {
            let (owner, repo) = generator.next()
            for candidate in [(owner, repo)] + GitHubNameGenerator.lookalikes(owner: owner, repo: repo)
            where identities.insert("\(candidate.0)/\(candidate.1)".lowercased()).inserted {
                repositories.append(candidate)
            }
        }

        let kinds = Self.derivedNames(owner: "o", repo: "r").count
        var seen = (0..<kinds).map { _ in Dictionary<String, String>(minimumCapacity: repositories.count) }  // name → identity, per kind
        var invalid: [String] = []
        var shared: [String] = []
        for (owner, repo) in repositories {
            let names = AWSNames(owner: owner, repo: repo)
            for (index, (kind, name, valid)) in Self.derivedNames(names).enumerated() {
                if !valid(name), invalid.count < 10 { invalid.append("\(kind) \(name) of \(owner)/\(repo)") }
                if let other = seen[index].updateValue(names.identity, forKey: name), other != names.identity, shared.count < 10 {
                    shared.append("\(kind) \(name): \(other) and \(names.identity)")
                }
            }
        }
        #expect(repositories.count >= 100_000)
        #expect(invalid.isEmpty, "\(invalid)")
        #expect(shared.isEmpty, "\(shared)")
    }

    @Test func repositoriesThatReadAlikeGetDifferentNames() {
        let pairs = [("e2e-org", "dot.app", "e2e-org", "dot_app"), ("acme", "web-app", "acme-web", "app"),
                     ("me", "my.app", "me", "my-app"), ("a", "b--c", "a", "b-c"), ("o", "_", "o", "-")]
        for (ownerA, repoA, ownerB, repoB) in pairs {
            let first = Self.derivedNames(owner: ownerA, repo: repoA), second = Self.derivedNames(owner: ownerB, repo: repoB)
            for (one, other) in zip(first, second) {
                #expect(one.name != other.name, "\(one.kind): \(ownerA)/\(repoA) and \(ownerB)/\(repoB)")
            }
        }
        // Case does not make a different repository on GitHub, nor here.
        #expect(AWSNames(owner: "Octo", repo: "Shop") == AWSNames(owner: "octo", repo: "shop"))
    }

    @Test func plainNamesStayReadableAndOthersCarryTheHash() {
        let plain = AWSNames(owner: "octo", repo: "shop")
        #expect(plain.application == "octo-shop")
        #expect(plain.service(.b) == "panda-octo-shop-b")
        #expect(plain.loadBalancer == "panda-octo-shop-\(plain.hash)")
        #expect(plain.targetGroup(.a) == "panda-octo-shop-\(plain.hash)-a")
        let dotted = AWSNames(owner: "e2e-org", repo: ".github")
        #expect(dotted.application == "e2e-org-github-\(dotted.hash)")
        #expect(ImageNaming.tag(owner: "Octo", repo: "shop", branch: "feature/X", epochSeconds: 1_700_000_000) == "octo-shop-feature-x-1700000000")
        // The hash is stable: the same on every machine and run.
        #expect(AWSNames.stableHash("octo/shop") == AWSNames.stableHash("octo/shop"))
        #expect(AWSNames.stableHash("").count == 8)
        let longest = AWSNames(owner: String(repeating: "o", count: 39), repo: String(repeating: "r", count: 100))
        #expect(longest.loadBalancer.count == 32 && longest.targetGroup(.b).count == 32)
    }
}

/// AWS's (and docker's) rules for each kind of name, written out as character checks.
enum AWSNameRules {
    static func isLowerAlnum(_ c: UInt8) -> Bool { (0x61...0x7A).contains(c) || (0x30...0x39).contains(c) }
    static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (0x41...0x5A).contains(c) }
    static func isAny(_ c: UInt8, of set: String) -> Bool { set.utf8.contains(c) }

    /// `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`, 2–256 characters.
    static func ecrRepository(_ name: String) -> Bool {
        guard (2...256).contains(name.utf8.count) else { return false }
        return name.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).allSatisfy { component in
            guard let first = component.first, let last = component.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
            var previousSeparator = false
            for c in component {
                if isLowerAlnum(c) { previousSeparator = false; continue }
                guard isAny(c, of: "._-"), !previousSeparator else { return false }
                previousSeparator = true
            }
            return true
        }
    }

    /// `repository:tag`, the tag `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    static func dockerImage(_ reference: String) -> Bool {
        let bytes = Array(reference.utf8)
        guard let colon = bytes.lastIndex(of: UInt8(ascii: ":")) else { return false }
        let tag = bytes[(colon + 1)...]
        guard let first = tag.first, isAlnum(first) || first == UInt8(ascii: "_"), tag.count <= 128,
              tag.allSatisfy({ isAlnum($0) || isAny($0, of: "_.-") }) else { return false }
        return ecrRepository(String(decoding: bytes[..<colon], as: UTF8.self))
    }

    /// ECS services and task definition families: `[A-Za-z0-9_-]{1,255}`.
    static func ecsName(_ name: String) -> Bool {
        (1...255).contains(name.utf8.count) && name.utf8.allSatisfy { isAlnum($0) || isAny($0, of: "_-") }
    }

    /// 1–32 letters, digits and hyphens, not starting or ending with a hyphen.
    static func targetGroup(_ name: String) -> Bool {
        (1...32).contains(name.utf8.count) && name.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
            && name.utf8.first != UInt8(ascii: "-") && name.utf8.last != UInt8(ascii: "-")
    }

    /// Like a target group, and not starting with `internal-`.
    static func loadBalancer(_ name: String) -> Bool {
        targetGroup(name) && !name.utf8.starts(with: "internal-".utf8)
    }

    /// VPC security groups: 1–255 of `a-zA-Z0-9 ._-:/()#,@[]+=&;{}!$*`, not starting with `sg-`.
    static func securityGroup(_ name: String) -> Bool {
        (1...255).contains(name.utf8.count) && !name.utf8.starts(with: "sg-".utf8)
            && name.utf8.allSatisfy { isAlnum($0) || isAny($0, of: " ._-:/()#,@[]+=&;{}!$*") }
    }

    /// CloudWatch Logs: `[.\-_/#A-Za-z0-9]{1,512}`.
    static func logGroup(_ name: String) -> Bool {
        (1...512).contains(name.utf8.count) && name.utf8.allSatisfy { isAlnum($0) || isAny($0, of: "._-/#") }
    }
}

/// Owners and repositories GitHub accepts: owners 1–39 letters, digits and single inner
/// hyphens; repositories 1–100 of letters, digits, `.`, `_`, `-` (not `.` or `..`),
/// weighted towards short names full of separators, where collisions hide.
struct GitHubNameGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// SplitMix64: deterministic, so a failure is reproducible.
    private mutating func random(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }

    private mutating func length(max: Int) -> Int {
        switch random(10) {
        case 0..<6: 1 + random(min(4, max))
        case 6..<9: 1 + random(min(16, max))
        default: max - random(3)
        }
    }

    private static let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
    private static let separators = Array("._-".utf8)
    private static let hyphen = UInt8(ascii: "-")

    /// Mostly `a`, `b`, `c` (so that names meet), sometimes any letter or digit.
    private mutating func letter() -> UInt8 {
        Self.letters[random(random(3) == 0 ? Self.letters.count : 3)]
    }

    mutating func next() -> (owner: String, repo: String) {
        var owner: [UInt8] = []
        let ownerLength = length(max: 39)
        while owner.count < ownerLength {
            if let last = owner.last, last != Self.hyphen, owner.count < ownerLength - 1, random(4) == 0 {
                owner.append(Self.hyphen)
            } else {
                owner.append(letter())
            }
        }
        var repo: [UInt8] = []
        let repoLength = length(max: 100)
        while repo.count < repoLength {
            repo.append(random(2) == 0 ? Self.separators[random(3)] : letter())
        }
        var repoName = String(decoding: repo, as: UTF8.self)
        if repoName == "." || repoName == ".." { repoName = "r" + repoName }
        return (String(decoding: owner, as: UTF8.self), repoName)
    }

    /// Other valid repositories whose names differ only in separators or in where the
    /// owner ends and the repository begins.
    static func lookalikes(owner: String, repo: String) -> [(String, String)] {
        var variants: [(String, String)] = []
        for (from, to) in [(".", "_"), ("_", "-"), ("-", "."), ("-", "--")] where repo.contains(from) {
            let changed = repo.replacingOccurrences(of: from, with: to)
            if changed.count <= 100 { variants.append((owner, changed)) }
        }
        if let hyphen = owner.lastIndex(of: "-") {
            let moved = String(owner[owner.index(after: hyphen)...]) + "-" + repo
            if moved.count <= 100 { variants.append((String(owner[..<hyphen]), moved)) }
        }
        if let hyphen = repo.firstIndex(of: "-"), hyphen != repo.startIndex {
            let head = String(repo[..<hyphen])
            let tail = String(repo[repo.index(after: hyphen)...])
            if !tail.isEmpty, tail != ".", tail != "..", head.allSatisfy({ $0.isLetter || $0.isNumber }), owner.count + 1 + head.count <= 39 {
                variants.append((owner + "-" + head, tail))
            }
        }
        return variants
    }
}
