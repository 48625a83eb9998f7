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
    static func arguments(_ settings: [String], address: String?, storage: URL) -> [String] {
        ["serve", "--config", EndToEndEnvironment.checkout.appendingPathComponent("config/panda.json").path, "--port", "0"]
            + (address.map { ["--address", $0] } ?? [])
            + (["storage.directory=\(storage.path)"] + settings).flatMap { ["--set", $0] }
    }

    static func scratchStorage() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("panda-binary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return directory.appendingPathComponent("data")
    }

    /// Starts `panda serve`, waits for its `panda listening on` line, runs `body`, stops it.
    static func with<Result>(
        settings: [String] = [], address: String? = nil, environment: [String: String] = [:],
        _ body: (PandaBinary) async throws -> Result
    ) async throws -> Result {
        let storage = try scratchStorage()
        defer { try? FileManager.default.removeItem(at: storage.deletingLastPathComponent()) }
        let process = try TestProcess.start(
            name: "panda-hardening", executable: EndToEndEnvironment.pandaBinary,
            arguments: arguments(settings, address: address, storage: storage), environment: Self.environment(environment),
            workingDirectory: EndToEndEnvironment.checkout)
        do {
            try await process.waitUntilReady(timeout: .seconds(30)) {
                EndToEndEnvironment.listeningPort(in: process.logTail()) != nil
            }
            let port = try #require(EndToEndEnvironment.listeningPort(in: process.logTail()))
            let result = try await body(PandaBinary(process: process, port: port))
            await process.stop()
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
        let storage = try scratchStorage()
        defer { try? FileManager.default.removeItem(at: storage.deletingLastPathComponent()) }
        var arguments = arguments(settings, address: address, storage: storage)
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
