import Foundation

/// A connection as it may be shown: identity and target, never a secret.
public struct ConnectionSummary: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case github
        case aws
    }

    public enum Details: Sendable, Equatable {
        case github(owner: String, repo: String, branch: String)
        case aws(accountId: String, arn: String, region: String)
    }

    public let id: String
    public let details: Details
    public let createdAt: Date

    public var kind: Kind {
        switch details {
        case .github: .github
        case .aws: .aws
        }
    }

    public init(id: String, details: Details, createdAt: Date) {
        self.id = id
        self.details = details
        self.createdAt = createdAt
    }

    init(_ entry: ConnectionRegistry.Entry) {
        switch entry {
        case .github(let connection):
            self.init(id: connection.id,
                      details: .github(owner: connection.owner, repo: connection.repo, branch: connection.branch),
                      createdAt: connection.createdAt)
        case .aws(let connection):
            self.init(id: connection.id,
                      details: .aws(accountId: connection.accountId, arn: connection.callerARN, region: connection.region),
                      createdAt: connection.createdAt)
        }
    }
}
