import Foundation
import Tools

/// A validated GitHub repository and the token that reads it.
public struct GitHubConnection: Sendable {
    public let id: String
    public let owner: String
    public let repo: String
    public let branch: String
    public let token: Secret
    /// What GitHub returned: canonical `owner/repo`, default branch, the branch's head commit.
    public let fullName: String
    public let defaultBranch: String
    public let headCommitSHA: String
    public let createdAt: Date

    public init(id: String, owner: String, repo: String, branch: String, token: Secret,
                fullName: String, defaultBranch: String, headCommitSHA: String, createdAt: Date = Date()) {
        self.id = id
        self.owner = owner
        self.repo = repo
        self.branch = branch
        self.token = token
        self.fullName = fullName
        self.defaultBranch = defaultBranch
        self.headCommitSHA = headCommitSHA
        self.createdAt = createdAt
    }
}

/// Validated AWS credentials for one account and region.
public struct AWSConnection: Sendable {
    /// The same value the aws CLI builder takes (``AWSCLI``).
    public typealias Credentials = AWSCredentials

    public let id: String
    public let region: String
    public let credentials: Credentials
    public let accountId: String
    public let callerARN: String
    public let createdAt: Date

    public init(id: String, region: String, credentials: Credentials, accountId: String, callerARN: String, createdAt: Date = Date()) {
        self.id = id
        self.region = region
        self.credentials = credentials
        self.accountId = accountId
        self.callerARN = callerARN
        self.createdAt = createdAt
    }
}
