import Foundation
import PandaTestSupport
import Testing
import Tools

/// The real `panda` binary, started with `config/panda.json`, `--port 0` and settings, for
/// tests of what only the whole process shows (start-up refusals, connection limits).
struct PandaBinary: Sendable {
    let process: TestProcess
    let port: UInt16

    /// The environment the binary gets: this process's, without any `PANDA_*` setting.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PANDA_") }.merging(extra) { $1 }
    }

    /// Each binary keeps its state in a storage directory of its own: `config/panda.json`'s
    /// relative `data` would be shared by the tests running at once, and by earlier runs.
    /// On SIGTERM it cancels what runs at once (`server.drainSeconds=0`), with its clean-up;
    /// a test's own settings come later and win.
    static func arguments(_ settings: [String], address: String?, storage: URL) -> [String] {
        ["serve", "--config", EndToEndEnvironment.checkout.appendingPathComponent("config/panda.json").path, "--port", "0"]
            + (address.map { ["--address", $0] } ?? [])
            + (["storage.directory=\(storage.path)", "server.drainSeconds=0"] + settings).flatMap { ["--set", $0] }
    }

    /// A private scratch directory: `data` (the store) and `tmp` (the binary's `TMPDIR`, where
    /// its deployments' workspaces go).
    struct Scratch {
        let root: URL
        var storage: URL { root.appendingPathComponent("data") }
        var temporary: URL { root.appendingPathComponent("tmp") }

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("panda-binary-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root.appendingPathComponent("tmp"), withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }

        /// Deployment workspaces the binary did not remove.
        var leftWorkspaces: [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []).filter { $0.hasPrefix("panda-dep_") }
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    /// Starts `panda serve`, waits for its `panda listening on` line, runs `body`, stops it,
    /// and checks that it left no deployment workspace behind.
    static func with<Result>(
        settings: [String] = [], address: String? = nil, environment: [String: String] = [:],
        _ body: (PandaBinary) async throws -> Result
    ) async throws -> Result {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let process = try TestProcess.start(
            name: "panda-hardening", executable: EndToEndEnvironment.pandaBinary,
            arguments: arguments(settings, address: address, storage: scratch.storage),
            environment: Self.environment(["TMPDIR": scratch.temporary.path].merging(environment) { $1 }),
            workingDirectory: EndToEndEnvironment.checkout)
        do {
            try await process.waitUntilReady(timeout: .seconds(30)) {
                EndToEndEnvironment.listeningPort(in: process.logTail()) != nil
            }
            let port = try #require(EndToEndEnvironment.listeningPort(in: process.logTail()))
            let result = try await body(PandaBinary(process: process, port: port))
            // Cancelling and cleaning up what still runs takes a moment on a loaded machine.
            #expect(await process.stop(grace: .seconds(30)), "panda did not stop within 30 s of SIGTERM")
            #expect(scratch.leftWorkspaces.isEmpty, "workspaces left behind: \(scratch.leftWorkspaces)")
            try? FileManager.default.removeItem(at: process.logFile)
            return result
        } catch {
            await process.stop()
            try? FileManager.default.removeItem(at: process.logFile)
            throw error
        }
    }

    /// Runs `panda serve` expecting it to refuse to start: its exit status and what it wrote.
    static func refusal(settings: [String] = [], address: String? = nil, environment: [String: String] = [:],
                        configFile: String? = nil) async throws -> (status: Tools.ExitStatus, stderr: String) {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var arguments = arguments(settings, address: address, storage: scratch.storage)
        if let configFile { arguments[2] = configFile }
        let result = try await TestProcess.runner.run(Command(
            EndToEndEnvironment.pandaBinary, arguments: arguments,
            environment: .clean(Self.environment(environment)),
            workingDirectory: EndToEndEnvironment.checkout.path, timeout: .seconds(30)))
        return (result.status, result.stderr)
    }

    /// One request on a fresh connection, written byte for byte (so `Host` is exactly `head`'s).
    func raw(_ head: String, body: String = "", from source: String? = nil) async throws -> RawHTTPClient.Reply {
        let port = self.port
        return try await offloaded {
            let client = try RawHTTPClient(port: port, sourceAddress: source)
            try client.send(head + "\r\n" + body)
            return try client.readReply()
        }
    }
}

extension RawHTTPClient.Reply {
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
}
