import Foundation
import Testing
import Tools
import PandaTestSupport
@testable import Panda

/// The engine with real connections in its registry and a test stage list.
struct EngineHarness {
    let service: DeploymentService
    let registry: ConnectionRegistry
    let githubID = "gh_test000001"
    let awsID = "aws_test00001"

    init(storage: Storage = .inMemory(), configure: (inout PandaConfiguration) -> Void = { _ in },
         stages: @escaping @Sendable () -> [any Stage]) async {
        registry = ConnectionRegistry(storage: storage)
        var configuration = PandaConfiguration()
        configure(&configuration)
        service = DeploymentService(configuration: configuration, connections: registry, runner: ProcessRunner(),
                                    pipeline: { _ in stages() })
        // Adding to a fresh store cannot fail.
        try! await registry.add(GitHubConnection(id: githubID, owner: "octo", repo: "app", branch: "main", token: Secret("ghp_x"),
                                            fullName: "octo/app", defaultBranch: "main", headCommitSHA: "abc"))
        try! await registry.add(AWSConnection(id: awsID, region: "us-east-1",
                                         credentials: .init(accessKeyId: Secret("AKIA"), secretAccessKey: Secret("s"), sessionToken: nil),
                                         accountId: "123456789012", callerARN: "arn:aws:iam::123456789012:user/t"))
    }

    func start(branch: String = "main") async throws -> Deployment {
        try await service.start(githubConnectionID: githubID, awsConnectionID: awsID, owner: "octo", repo: "app", branch: branch)
    }

    /// Waits for the deployment's terminal state.
    func finished(_ deployment: Deployment, within limit: Duration = .seconds(30)) async -> DeploymentSnapshot {
        let deadline = ContinuousClock.now + limit
        while !deployment.status.isTerminal, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(25))
        }
        return deployment.snapshot()
    }
}

func messages(_ deployment: Deployment) -> [String] {
    deployment.log.events.map { event in
        let json = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any]
        return json?["message"] as? String ?? ""
    }
}
