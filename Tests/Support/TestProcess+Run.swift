import Foundation
import Logging
import Tools

/// Short-lived commands for fixtures and tests.
extension TestProcess {
    /// A ``ProcessRunner`` that logs only errors (fixtures run many commands).
    public static let runner: ProcessRunner = {
        var logger = Logger(label: "panda.test-support")
        logger.logLevel = .error
        return ProcessRunner(logger: logger)
    }()

    /// Runs `command` with ``runner``; throws unless it exits with 0.
    @discardableResult
    public static func run(_ command: Command) async throws -> ProcessResult {
        try await runner.run(command).checked()
    }

    /// The output of a run whose stdout may be binary (``ProcessRunner`` keeps text only).
    public struct BinaryResult: Sendable {
        public var status: ExitStatus
        public var stdout: [UInt8]
        public var stderr: String
    }

    /// Runs a short command with ``runner``, stdin from `input`, stdout kept as bytes:
    /// a shell sends the program's stdout to a file, read back afterwards.
    public static func runBinary(
        executable: String,
        arguments: [String] = [],
        environment: [String: String],
        input: [UInt8] = [],
        workingDirectory: URL? = nil,
        timeout: Duration = .seconds(120)
    ) async throws -> BinaryResult {
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("panda-run-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let command = Command(
            "/bin/sh",
            arguments: ["-c", #"out="$1"; shift; exec "$@" >"$out""#, "panda-run", outputFile.path, executable] + arguments,
            environment: .clean(environment),
            workingDirectory: workingDirectory?.path,
            stdin: .bytes(input),
            timeout: timeout
        )
        let result = try await runner.run(command)
        let stdout = FileManager.default.contents(atPath: outputFile.path) ?? Data()
        return BinaryResult(status: result.status, stdout: Array(stdout), stderr: result.stderr)
    }
}

/// A private temporary directory, removed by ``remove()``.
public struct TestTemporaryDirectory: Sendable {
    public let url: URL

    public init(prefix: String = "panda-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(12))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }

    public func appending(_ component: String) -> URL {
        url.appendingPathComponent(component)
    }

    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
