import Foundation
import Testing
import Tools
import PandaTestSupport
@testable import Panda

/// Real components for stages 1–2: a git server demanding the token, Docker Engine,
/// a registry with htpasswd standing in for ECR's endpoint, and moto for the ECR API.
final class BuildAndPushEnvironment: Sendable {
    let git: GitFixture
    let registry: RegistryFixture
    let moto: MotoServer

    private init(git: GitFixture, registry: RegistryFixture, moto: MotoServer) {
        self.git = git
        self.registry = registry
        self.moto = moto
    }

    static func start() async throws -> BuildAndPushEnvironment {
        try await DockerEngine.shared.ensureRunning()
        async let git = GitFixture.start(token: Secret("ghp_stage\(UUID().uuidString.prefix(8).lowercased())"))
        async let registry = RegistryFixture.start()
        async let moto = MotoServer.start()
        return try await BuildAndPushEnvironment(git: git, registry: registry, moto: moto)
    }

    var gitToken: Secret { git.token }

    func stop() async {
        await git.stop()
        await registry.stop()
        await moto.stop()
    }

    func configuration() -> PandaConfiguration {
        var configuration = PandaConfiguration()
        configuration.github.gitBaseURL = git.baseURL
        configuration.aws.endpointURL = moto.endpointURL
        configuration.aws.registryHostOverride = registry.host
        configuration.deployments.stageTimeoutSeconds = 120
        return configuration
    }

    /// A deployment service running `pipeline` (stages 1–2 by default) with connections for `owner/repo`.
    func service(owner: String, repo: String, token: Secret? = nil, awsCredentials: AWSCredentials = MotoServer.setupCredentials,
                 pipeline: @escaping Pipeline = { _ in [DockerBuildStage(), ECRPushStage()] },
                 configure: (inout PandaConfiguration) -> Void = { _ in }) async -> (DeploymentService, String, String) {
        var configuration = configuration()
        configure(&configuration)
        let registry = ConnectionRegistry()
        let service = DeploymentService(configuration: configuration, connections: registry, runner: ProcessRunner(),
                                        pipeline: pipeline)
        let githubID = Identifier.make(prefix: "gh_")
        let awsID = Identifier.make(prefix: "aws_")
        // The registry's store is in memory: adding cannot fail.
        try! await registry.add(GitHubConnection(id: githubID, owner: owner, repo: repo, branch: "main", token: token ?? gitToken,
                                            fullName: "\(owner)/\(repo)", defaultBranch: "main", headCommitSHA: ""))
        let credentials = awsCredentials
        try! await registry.add(AWSConnection(
            id: awsID, region: "us-east-1",
            credentials: .init(accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: nil),
            accountId: "123456789012", callerARN: "arn:aws:iam::123456789012:user/test"))
        return (service, githubID, awsID)
    }

    /// Deploys and waits for the end.
    func deploy(owner: String, repo: String, branch: String = "main", token: Secret? = nil,
                configure: (inout PandaConfiguration) -> Void = { _ in }) async throws -> Deployment {
        let (service, githubID, awsID) = await service(owner: owner, repo: repo, token: token, configure: configure)
        let deployment = try await service.start(githubConnectionID: githubID, awsConnectionID: awsID, owner: owner, repo: repo, branch: branch)
        let deadline = ContinuousClock.now + .seconds(180)
        while !deployment.status.isTerminal, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        return deployment
    }
}

/// Stage events as (message, details) pairs.
func stageEvents(_ deployment: Deployment) -> [(message: String, details: [String: Any])] {
    deployment.log.events.compactMap { event in
        guard let object = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any] else { return nil }
        return (object["message"] as? String ?? "", object["details"] as? [String: Any] ?? [:])
    }
}

/// Workspaces of a deployment still on disk.
func leftoverWorkspaces(of deployment: Deployment) -> [String] {
    let temporary = NSTemporaryDirectory()
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
    return entries.filter { $0.hasPrefix("panda-\(deployment.id)-") }
}

extension BuildAndPushEnvironment {
    /// Starts the components, runs `body`, and stops them whether `body` succeeded or not.
    static func with(_ body: (BuildAndPushEnvironment) async throws -> Void) async throws {
        try await withStarted(start, stop: { await $0.stop() }, body)
    }
}

/// Starts something, runs `body` with it, and stops it whether `body` succeeded or not.
func withStarted<Environment>(_ start: () async throws -> Environment, stop: (Environment) async -> Void,
                              _ body: (Environment) async throws -> Void) async throws {
    let environment = try await start()
    do {
        try await body(environment)
    } catch {
        await stop(environment)
        throw error
    }
    await stop(environment)
}
