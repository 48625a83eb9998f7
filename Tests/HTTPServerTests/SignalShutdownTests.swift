import Foundation
import Testing
import PandaTestSupport

/// The probe server is a separate process built from `bench/http-probe-server`;
/// it shuts down on SIGTERM the same way `panda serve` does.
@Suite struct SignalShutdownTests {
    static let probeServer = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/http-probe-server").path

    @Test func sigtermWithFiveHundredOpenStreamsExitsZeroPromptly() async throws {
        let scratch = try TestTemporaryDirectory(prefix: "panda-sigterm")
        defer { scratch.remove() }
        let pidFile = scratch.appending("server.pid").path
        let statusFile = scratch.appending("server.status").path
        // A small wrapper records the server's PID and, once it ends, its exit status.
        let process = try TestProcess.start(
            name: "probe-server", executable: "/bin/sh",
            arguments: ["-c", #""$0" --port 0 & echo $! >"$1"; wait $!; echo $? >"$2.tmp"; mv "$2.tmp" "$2""#,
                        Self.probeServer, pidFile, statusFile])
        defer { Task { _ = await process.stop() } }

        try await process.waitUntilReady(timeout: .seconds(10)) { process.logTail().contains("listening on") }
        let port = try #require(process.logTail().split(separator: "\n").first { $0.hasPrefix("listening on") }?
            .split(separator: ":").last.flatMap { UInt16($0) })
        let serverPID = try #require(Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))

        let clients = try await offloaded {
            let clients = try (0..<500).map { _ in try RawHTTPClient(port: port) }
            for client in clients { try client.sendRequest("GET", "/events") }
            for client in clients { _ = try client.readHead() }
            return clients
        }

        let started = ContinuousClock.now
        kill(serverPID, SIGTERM)
        var status: String?
        while status == nil, ContinuousClock.now - started < .seconds(5) {
            try await Task.sleep(for: .milliseconds(20))
            status = (try? String(contentsOfFile: statusFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(status == "0", "exit status \(status ?? "none") after \(ContinuousClock.now - started)")
        _ = clients
    }
}
