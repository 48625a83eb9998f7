import Foundation
import Testing
import Tools
@testable import Panda

/// A stage that runs one real process; a non-zero exit fails it with the stderr tail.
struct ProcessStage: Stage {
    let number: Int
    let name: String
    let command: Command
    var timeout: Duration?
    var failureCode: ErrorCode { .dockerBuildFailed }

    init(_ number: Int, _ executable: String, _ arguments: [String], timeout: Duration? = nil) {
        self.number = number
        name = "stage \(number)"
        command = Command(executable, arguments: arguments, timeout: .seconds(600))
        self.timeout = timeout
    }

    func run(in context: DeploymentContext) async throws {
        context.publish("[Stage \(number)] running \(command.executable)", details: ["workspace": .string(context.workspace.path)])
        let result = try await context.run(command)
        guard result.succeeded else { throw StageFailure("\(command.executable) exited with \(result.status)") }
        context.publish("[Stage \(number)] done")
    }
}

/// The engine with real connections in its registry and a test stage list.
struct EngineHarness {
    let service: DeploymentService
    let registry = ConnectionRegistry()
    let githubID = "gh_test000001"
    let awsID = "aws_test00001"

    init(configure: (inout PandaConfiguration) -> Void = { _ in }, stages: @escaping @Sendable () -> [any Stage]) async {
        var configuration = PandaConfiguration()
        configure(&configuration)
        service = DeploymentService(configuration: configuration, connections: registry, runner: ProcessRunner(),
                                    pipeline: { _ in stages() })
        await registry.add(GitHubConnection(id: githubID, owner: "octo", repo: "app", branch: "main", token: Secret("ghp_x"),
                                            fullName: "octo/app", defaultBranch: "main", headCommitSHA: "abc"))
        await registry.add(AWSConnection(id: awsID, region: "us-east-1",
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

/// Live processes whose command line contains `marker` (reads /proc).
func processes(containing marker: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let commandLine = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        guard commandLine.contains(marker) else { return false }
        // Zombies are gone in all but name.
        let status = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !status.contains(") Z ")
    }
}

func messages(_ deployment: Deployment) -> [String] {
    deployment.log.events.map { event in
        let json = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any]
        return json?["message"] as? String ?? ""
    }
}
