import Foundation
import Panda
import Tools

/// A stage that runs one real process; a non-zero exit fails it.
public struct ProcessStage: Stage {
    public let number: Int
    public let name: String
    public let command: Command
    public var timeout: Duration?
    public var failureCode: ErrorCode { .dockerBuildFailed }

    public init(_ number: Int, _ executable: String, _ arguments: [String], timeout: Duration? = nil) {
        self.number = number
        name = "stage \(number)"
        command = Command(executable, arguments: arguments, timeout: .seconds(600))
        self.timeout = timeout
    }

    public func run(in context: DeploymentContext) async throws {
        context.publish("[Stage \(number)] running \(command.executable)", details: ["workspace": .string(context.workspace.path)])
        let result = try await context.run(command)
        guard result.succeeded else { throw StageFailure("\(command.executable) exited with \(result.status)") }
        context.publish("[Stage \(number)] done")
    }
}

/// Services with a test stage list and one GitHub and one AWS connection already registered.
public struct EngineServices: Sendable {
    public let services: PandaServices
    public let githubID = "gh_test000001"
    public let awsID = "aws_test00001"

    public init(configuration: PandaConfiguration, storage: Storage = .inMemory(),
                stages: @escaping @Sendable () -> [any Stage]) async {
        let runner = ProcessRunner()
        let readiness = Readiness()
        let connections = ConnectionService(configuration: configuration, runner: runner,
                                            registry: ConnectionRegistry(storage: storage.reportingWrites(to: readiness)))
        let deployments = DeploymentService(configuration: configuration, connections: connections.registry, runner: runner,
                                            pipeline: { _ in stages() })
        services = PandaServices(connections: connections, deployments: deployments, readiness: readiness)
        // The registry's store is in memory: adding cannot fail.
        try! await connections.registry.add(GitHubConnection(
            id: githubID, owner: "octo", repo: "app", branch: "main", token: Secret("ghp_test"),
            fullName: "octo/app", defaultBranch: "main", headCommitSHA: "0000000000000000000000000000000000000000"))
        try! await connections.registry.add(AWSConnection(
            id: awsID, region: "us-east-1",
            credentials: .init(accessKeyId: Secret("AKIATEST"), secretAccessKey: Secret("secret"), sessionToken: nil),
            accountId: "123456789012", callerARN: "arn:aws:iam::123456789012:user/test"))
    }

    public var deployBody: String {
        #"{"githubConnectionId":"\#(githubID)","awsConnectionId":"\#(awsID)","owner":"octo","repo":"app","branch":"main"}"#
    }
}

/// Live processes whose command line contains `marker` (reads /proc; zombies don't count).
public func processes(containing marker: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let commandLine = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        guard commandLine.contains(marker) else { return false }
        let status = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !status.contains(") Z ")
    }
}
