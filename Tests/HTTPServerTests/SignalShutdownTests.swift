import Foundation
import Testing
import PandaTestSupport

/// The probe server is a separate process built from `bench/http-probe-server`;
/// it shuts down on SIGTERM the same way `panda serve` does.
@Suite struct SignalShutdownTests {
    static let probeServer = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/http-probe-server")

    @Test func sigtermWithFiveHundredOpenStreamsExitsZeroPromptly() async throws {
        let process = Process()
        process.executableURL = Self.probeServer
        process.arguments = ["--port", "0"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let reader = output.fileHandleForReading
        let line = try #require(try await offloaded { Self.readLine(from: reader) })
        let port = try #require(line.split(separator: ":").last.flatMap { UInt16($0) })
        let clients = try await offloaded {
            let clients = try (0..<500).map { _ in try RawHTTPClient(port: port) }
            for client in clients { try client.sendRequest("GET", "/events") }
            for client in clients { _ = try client.readHead() }
            return clients
        }

        let started = ContinuousClock.now
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning, ContinuousClock.now - started < .seconds(5) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!process.isRunning)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        _ = clients
    }

    private static func readLine(from handle: FileHandle) -> String? {
        var bytes: [UInt8] = []
        while let byte = try? handle.read(upToCount: 1), let first = byte.first {
            if first == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(first)
        }
        return nil
    }
}
