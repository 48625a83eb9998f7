import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PandaTestSupport
import Testing
import Tools

/// The real `panda` binary's start-up and `panda settings`.
@Suite struct BinaryStartupTests {
    /// This process's environment without its own `PANDA_*` variables.
    static var cleanEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PANDA_") }
    }

    @Test func startsWithKubernetesServiceVariablesAndWarnsAboutThem() async throws {
        var environment = Self.cleanEnvironment
        // What Kubernetes injects into every pod for a service named `panda`.
        environment["PANDA_SERVICE_HOST"] = "10.0.0.1"
        environment["PANDA_SERVICE_PORT"] = "8080"
        environment["PANDA_PORT"] = "tcp://10.0.0.1:8080"
        environment["PANDA_PORT_8080_TCP"] = "tcp://10.0.0.1:8080"
        environment["PANDA_SERVER_SHUTDOWN_GRACE_SECONDS"] = "1"  // a real setting still applies
        let workspace = try TestTemporaryDirectory(prefix: "panda-startup")
        defer { workspace.remove() }
        let checkout = EndToEndEnvironment.checkout
        let panda = try TestProcess.start(
            name: "panda-startup", executable: EndToEndEnvironment.pandaBinary,
            arguments: ["serve", "--config", checkout.appendingPathComponent("config/panda.json").path, "--port", "0",
                        "--set", "docs.openAPIFile=\(checkout.appendingPathComponent("api/openapi.json").path)"],
            environment: environment, workingDirectory: workspace.url)
        defer { try? FileManager.default.removeItem(at: panda.logFile) }
        do {
            try await panda.waitUntilReady(timeout: .seconds(30)) { EndToEndEnvironment.listeningPort(in: panda.logTail()) != nil }
            let port = try #require(EndToEndEnvironment.listeningPort(in: panda.logTail()))
            let (_, response) = try await URLSession(configuration: .ephemeral)
                .data(from: URL(string: "http://127.0.0.1:\(port)/health")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            let log = panda.logTail(maxBytes: 64 * 1024)
            for name in ["PANDA_SERVICE_HOST", "PANDA_SERVICE_PORT", "PANDA_PORT", "PANDA_PORT_8080_TCP"] {
                #expect(log.contains("warning") && log.contains("ignoring environment variable \(name):"), "\(name)\n\(log)")
            }
            #expect(!log.contains("PANDA_SERVER_SHUTDOWN_GRACE_SECONDS"), "a known setting is not warned about")
            #expect(!log.contains("10.0.0.1"), "values are not logged")
        } catch {
            await panda.stop()
            throw error
        }
        #expect(await panda.stop(grace: .seconds(10)))
    }

    @Test func settingsListsEveryEnvironmentNameWithWholeAcronyms() async throws {
        let result = try await TestProcess.run(Command(
            EndToEndEnvironment.pandaBinary, arguments: ["settings"], environment: .clean(Self.cleanEnvironment), timeout: .seconds(60)))
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        let names = Dictionary(uniqueKeysWithValues: lines.filter { $0.count == 2 }.map { ($0[0], $0[1]) })
        #expect(names["github.apiBaseURL"] == "PANDA_GITHUB_API_BASE_URL")
        #expect(names["aws.allowedCIDRs"] == "PANDA_AWS_ALLOWED_CIDRS")
        #expect(names["aws.taskCPU"] == "PANDA_AWS_TASK_CPU")
        #expect(names["aws.executionRoleARN"] == "PANDA_AWS_EXECUTION_ROLE_ARN")
        #expect(names["commands.awsTimeoutSeconds"] == "PANDA_COMMANDS_AWS_TIMEOUT_SECONDS")
        #expect(names.count >= 50)
        #expect(!result.stdout.contains("_U_R_L"))
    }
}
