import Foundation
import Testing

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

        let line = try #require(readLine(from: output.fileHandleForReading))
        let port = try #require(line.split(separator: ":").last.flatMap { UInt16($0) })
        let clients = try (0..<500).map { _ in try RawHTTPClient(port: port) }
        for client in clients { try client.sendRequest("GET", "/events") }
        for client in clients { _ = try client.readHead() }

        let started = ContinuousClock.now
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning, ContinuousClock.now - started < .seconds(5) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!process.isRunning)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    private func readLine(from handle: FileHandle) -> String? {
        var bytes: [UInt8] = []
        while let byte = try? handle.read(upToCount: 1), let first = byte.first {
            if first == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(first)
        }
        return nil
    }
}
