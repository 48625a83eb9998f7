import Foundation

/// What `DeploymentService.list` is asked for: optional filters, a page size, and where
/// the previous page ended.
public struct DeploymentListQuery: Sendable, Equatable {
    public static let defaultLimit = 20
    public static let limits = 1...100

    /// Matched without regard to case, like GitHub names.
    public var owner: String?
    public var repo: String?
    public var status: DeploymentStatus?
    public var limit: Int
    public var after: DeploymentCursor?

    public init(owner: String? = nil, repo: String? = nil, status: DeploymentStatus? = nil,
                limit: Int = DeploymentListQuery.defaultLimit, after: DeploymentCursor? = nil) {
        self.owner = owner
        self.repo = repo
        self.status = status
        self.limit = limit
        self.after = after
    }

    func matches(_ summary: DeploymentSummary) -> Bool {
        if let owner, owner.lowercased() != summary.owner.lowercased() { return false }
        if let repo, repo.lowercased() != summary.repo.lowercased() { return false }
        if let status, status != summary.status { return false }
        if let after, !(summary.cursor < after) { return false }
        return true
    }
}

/// One deployment as a list shows it.
public struct DeploymentSummary: Sendable, Equatable {
    public let id: String
    public let kind: DeploymentKind
    public let status: DeploymentStatus
    public let owner: String
    public let repo: String
    public let branch: String
    public let acceptedAt: Date
    public let startedAt: Date?
    public let completedAt: Date?
    public let currentStage: Int?
    public let errorCode: ErrorCode?

    public init(_ deployment: Deployment) {
        let snapshot = deployment.snapshot()
        id = snapshot.id
        kind = deployment.kind
        status = snapshot.status
        owner = snapshot.owner
        repo = snapshot.repo
        branch = snapshot.branch
        acceptedAt = snapshot.acceptedAt
        startedAt = snapshot.startedAt
        completedAt = snapshot.completedAt
        currentStage = snapshot.currentStage
        errorCode = snapshot.failure?.errorCode
    }

    /// Its place in the newest-first order.
    var cursor: DeploymentCursor { DeploymentCursor(acceptedAt: acceptedAt, id: id) }
}

/// One page of the list, newest first; `nextCursor` is nil on the last page.
public struct DeploymentPage: Sendable, Equatable {
    public let deployments: [DeploymentSummary]
    public let nextCursor: DeploymentCursor?

    /// The page of `query` out of `all` (in any order).
    static func of(_ all: [DeploymentSummary], _ query: DeploymentListQuery) -> DeploymentPage {
        let newestFirst = all.filter(query.matches).sorted { $0.cursor > $1.cursor }
        let page = Array(newestFirst.prefix(query.limit))
        let more = newestFirst.count > page.count
        return DeploymentPage(deployments: page, nextCursor: more ? page.last?.cursor : nil)
    }
}

/// A position in the newest-first order (acceptance time, then id), handed to clients as an
/// opaque token. Keyed on values every store has, so a database can page the same way.
public struct DeploymentCursor: Sendable, Comparable {
    /// Microseconds since 1970: what the token carries, so comparisons agree with it exactly.
    public let acceptedMicroseconds: Int64
    public let id: String

    public init(acceptedAt: Date, id: String) {
        acceptedMicroseconds = Int64((acceptedAt.timeIntervalSince1970 * 1_000_000).rounded(.down))
        self.id = id
    }

    /// Reads a token made by `token`; nil for anything else.
    public init?(token: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard token.count <= 128, let data = Data(base64Encoded: base64),
              let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let micros = Int64(parts[0]), micros >= 0, !parts[1].isEmpty else { return nil }
        acceptedMicroseconds = micros
        id = String(parts[1])
    }

    /// Base64url of `micros/id`, without padding.
    public var token: String {
        Data("\(acceptedMicroseconds)/\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func < (left: DeploymentCursor, right: DeploymentCursor) -> Bool {
        (left.acceptedMicroseconds, left.id) < (right.acceptedMicroseconds, right.id)
    }
}
