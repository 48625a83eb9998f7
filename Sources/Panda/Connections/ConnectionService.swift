import Foundation
import Logging
import Tools

/// Validates GitHub repositories and AWS accounts for real and keeps them, with their
/// secrets, in memory. Input shape is checked before any network call or child process;
/// secrets are never logged, returned or put on a command line.
public final class ConnectionService: BranchVerifier {
    public let registry: ConnectionRegistry
    private let configuration: PandaConfiguration
    private let logger: Logger
    private let github: GitHubAPIClient
    private let aws: AWSIdentityValidator
    private let validations: ValidationSlots

    /// - Parameter awsExecutable: the aws CLI, looked up in `PATH` unless it is a path.
    public init(
        configuration: PandaConfiguration,
        runner: ProcessRunner,
        logger: Logger = Logger(label: "panda.connections"),
        registry: ConnectionRegistry = ConnectionRegistry(),
        awsExecutable: String = "aws"
    ) {
        self.configuration = configuration
        self.logger = logger
        self.registry = registry
        github = GitHubAPIClient(baseURL: configuration.github.apiBaseURL, timeoutSeconds: configuration.github.timeoutSeconds)
        aws = AWSIdentityValidator(
            runner: runner, endpointURL: configuration.aws.endpointURL, executable: awsExecutable,
            timeout: .seconds(configuration.aws.validationTimeoutSeconds))
        validations = ValidationSlots(capacity: configuration.connections.maxConcurrentValidations)
    }

    /// Checks that the token is valid, sees the repository and that the branch exists; registers the connection.
    public func connectGitHub(owner: String, repo: String, branch: String, token: String) async throws -> GitHubConnection {
        try ConnectionInputRules.checkOwner(owner)
        try ConnectionInputRules.checkRepo(repo)
        try ConnectionInputRules.checkBranch(branch)
        try ConnectionInputRules.checkSecret(token, field: "token")
        try await ensureRoom()
        let secret = Secret(token)
        let info: GitHubRepositoryInfo
        do {
            info = try await validations.run { try await github.inspect(owner: owner, repo: repo, branch: branch, token: secret) }
        } catch let error as DeploymentError {
            logger.notice("GitHub connection refused", metadata: ["owner": "\(owner)", "repo": "\(repo)", "reason": "\(error.message)"])
            throw error
        }
        let connection = GitHubConnection(
            id: Identifier.make(prefix: "gh_"), owner: owner, repo: repo, branch: branch, token: secret,
            fullName: info.fullName, defaultBranch: info.defaultBranch, headCommitSHA: info.headCommitSHA)
        try await keep(.github(connection), id: connection.id)
        logger.info("GitHub connection registered", metadata: [
            "connectionId": "\(connection.id)", "repository": "\(info.fullName)", "branch": "\(branch)",
            "commit": "\(info.headCommitSHA)",
        ])
        return connection
    }

    /// Validates the credentials with STS GetCallerIdentity; registers the connection.
    /// An empty `sessionToken` means none.
    public func connectAWS(region: String, accessKeyId: String, secretAccessKey: String, sessionToken: String?) async throws -> AWSConnection {
        try ConnectionInputRules.checkRegion(region)
        try ConnectionInputRules.checkSecret(accessKeyId, field: "accessKeyId")
        try ConnectionInputRules.checkSecret(secretAccessKey, field: "secretAccessKey")
        let token = sessionToken.flatMap { $0.isEmpty ? nil : $0 }
        if let token { try ConnectionInputRules.checkSecret(token, field: "sessionToken") }
        let credentials = AWSCredentials(
            accessKeyId: Secret(accessKeyId), secretAccessKey: Secret(secretAccessKey), sessionToken: token.map(Secret.init))
        try await ensureRoom()
        let identity: AWSCallerIdentity
        do {
            identity = try await validations.run { try await aws.identity(of: credentials, region: region) }
        } catch let error as DeploymentError {
            logger.notice("AWS connection refused", metadata: ["region": "\(region)", "reason": "\(error.message)"])
            throw error
        } catch let error as EnvironmentError {
            logger.error("AWS connection impossible", metadata: ["reason": "\(error.message)"])
            throw error
        }
        let connection = AWSConnection(
            id: Identifier.make(prefix: "aws_"), region: region, credentials: credentials,
            accountId: identity.accountId, callerARN: identity.arn)
        try await keep(.aws(connection), id: connection.id)
        logger.info("AWS connection registered", metadata: [
            "connectionId": "\(connection.id)", "accountId": "\(identity.accountId)", "arn": "\(identity.arn)", "region": "\(region)",
        ])
        return connection
    }

    /// Asks GitHub whether `branch` exists in the connection's repository, with the
    /// connection's token and under the same cap as connect's validations.
    public func verifyBranch(_ branch: String, of connection: GitHubConnection) async throws {
        try ConnectionInputRules.checkBranch(branch)
        _ = try await validations.run {
            try await github.branchHead(owner: connection.owner, repo: connection.repo, branch: branch, token: connection.token)
        }
    }

    /// Refuses before any validation work when no more connections may be kept.
    private func ensureRoom() async throws(DeploymentError) {
        if await registry.count >= configuration.connections.max { throw connectionLimitReached }
    }

    private func keep(_ entry: ConnectionRegistry.Entry, id: String) async throws(DeploymentError) {
        guard await registry.add(entry, id: id, limit: configuration.connections.max) else { throw connectionLimitReached }
    }

    private var connectionLimitReached: DeploymentError {
        DeploymentError("Connection limit reached: at most \(configuration.connections.max) connections are kept; "
                        + "delete one (DELETE /api/v1/connections/{connectionId}) first")
    }

    /// Every connection, oldest first, without secrets.
    public func list() async -> [ConnectionSummary] {
        await registry.all().map(ConnectionSummary.init).sorted {
            ($0.createdAt, $0.id) < ($1.createdAt, $1.id)
        }
    }

    /// Forgets a connection and its secret. Unknown ids are a `Connection not found` error.
    public func delete(_ id: String) async throws(DeploymentError) {
        guard await registry.remove(id) else {
            throw DeploymentError("Connection not found: \(id)")
        }
        logger.info("connection deleted", metadata: ["connectionId": "\(id)"])
    }
}
