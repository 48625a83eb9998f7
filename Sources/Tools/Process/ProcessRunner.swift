import Logging
import Subprocess

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs any ``Command`` as a child process: the only place in Panda that spawns one.
///
/// The child leads its own session and process group (so it has no controlling
/// terminal and cannot prompt). On timeout or task cancellation the whole group
/// gets SIGTERM, then SIGKILL after ``terminationGrace``. After every run any
/// survivor of the group (a grandchild that outlived its parent) is SIGKILLed.
/// Output, streamed lines, logs and errors are redacted.
///
/// Children never outlive Panda: each one starts through util-linux `setpriv
/// --pdeathsig KILL`, which makes the kernel SIGKILL it when Panda dies (even by
/// `kill -9`), from a thread that lives as long as Panda (``SpawnThread``).
///
/// With a `niceness`, children start through coreutils `nice`: the tools a deployment runs
/// (each aws call is ~0.6 s of Python start-up) then yield the CPU to Panda's own threads,
/// so API answers and event streams stay prompt while deployments work.
public final class ProcessRunner: Sendable {
    public let terminationGrace: Duration
    private let logger: Logger
    /// `setpriv`, when the machine has it; without it children are started directly.
    private let parentDeathGuard: String?
    /// Marks every child's environment (``LeftoverProcesses``), so that what outlives a
    /// killed Panda is found by the next one.
    private let owner: String?
    /// How much lower the children's CPU priority is (0: the same as Panda's).
    public let niceness: Int
    /// coreutils `nice`, when a niceness is asked for and the machine has it.
    private let nice: String?

    /// Where util-linux's `setpriv` is looked for.
    static let setprivPaths = ["/usr/bin/setpriv", "/bin/setpriv"]
    static let nicePaths = ["/usr/bin/nice", "/bin/nice"]

    public init(
        logger: Logger = Logger(label: "panda.tools.process"),
        terminationGrace: Duration = .seconds(2),
        owner: String? = nil,
        niceness: Int = 0
    ) {
        self.logger = logger
        self.terminationGrace = terminationGrace
        self.owner = owner
        self.niceness = niceness
        nice = niceness > 0 ? Self.nicePaths.first { FileManager.default.isExecutableFile(atPath: $0) } : nil
        if niceness > 0, nice == nil {
            logger.warning("nice (coreutils) not found: child processes run at Panda's own CPU priority")
        }
        parentDeathGuard = Self.setprivPaths.first { FileManager.default.isExecutableFile(atPath: $0) }
        if parentDeathGuard == nil {
            logger.warning("setpriv (util-linux) not found: child processes may outlive Panda if it is killed")
        }
        // Writing stdin to a child that already exited must fail with EPIPE,
        // not kill this process. Children get default dispositions back at spawn.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Runs the command to completion. A non-zero exit is a normal result; call
    /// ``ProcessResult/checked()`` to turn it into an error.
    /// - Parameter logger: logs about this run go there (e.g. one carrying a deployment's id).
    public func run(_ command: Command, logger: Logger? = nil) async throws(ProcessError) -> ProcessResult {
        try await execute(command, logger: logger, onLine: { _ in })
    }

    /// Runs the command, delivering each redacted stdout and stderr line as it
    /// arrives (in order within each stream, one call at a time). The result
    /// still holds the tail of both streams.
    public func run(
        _ command: Command,
        logger: Logger? = nil,
        onLine: (OutputLine) async -> Void
    ) async throws(ProcessError) -> ProcessResult {
        try await execute(command, logger: logger, onLine: onLine)
    }

    private var teardownSequence: [TeardownStep] {
        [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: terminationGrace)]
    }

    private func execute(
        _ command: Command,
        logger: Logger?,
        onLine: (OutputLine) async -> Void
    ) async throws(ProcessError) -> ProcessResult {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let result = try await supervised(command, logger: logger ?? self.logger, onLine: onLine)
            ProcessMetrics.record(executable: command.executable, outcome: .success(result.status), duration: result.duration)
            return result
        } catch {
            ProcessMetrics.record(executable: command.executable, outcome: .failure(error), duration: start.duration(to: clock.now))
            throw error
        }
    }

    private func supervised(
        _ command: Command,
        logger: Logger,
        onLine: (OutputLine) async -> Void
    ) async throws(ProcessError) -> ProcessResult {
        let redactor = Redactor(command.secrets)
        var logger = logger
        logger[metadataKey: "executable"] = "\(command.executable)"
        // Debug: a deployment runs dozens of commands; the stage events already tell the story.
        logger.debug(
            "running process",
            metadata: ["arguments": .array(command.arguments.map { .string(redactor.redact($0)) })]
        )
        if Task.isCancelled {
            throw .cancelled
        }

        let collector = OutputCollector(redactor: redactor, limit: command.outputLimit)
        let clock = ContinuousClock()
        let start = clock.now
        let outcome: Result<ExitStatus, any Error>
        do {
            let configuration = try configuration(for: command)
            let finished = try await withTaskExecutorPreference(SpawnThread.shared) {
                try await Subprocess.run(
                    configuration,
                    input: .inputWriter,
                    output: .sequence,
                    error: .sequence
                ) { execution in
                    try await withTaskExecutorPreference(globalConcurrentExecutor) {
                        try await self.supervise(execution, command: command, collector: collector, onLine: onLine)
                    }
                }
            }
            outcome = .success(ExitStatus(finished.terminationStatus))
        } catch {
            outcome = .failure(error)
        }
        let duration = start.duration(to: clock.now)

        if let groupID = collector.processID {
            // Subprocess's teardown stops once the group leader has exited, so a
            // forked grandchild can still be alive here. The leader was reaped
            // only microseconds ago, far too soon for its id to be reused.
            kill(-groupID, SIGKILL)
        }

        if Task.isCancelled {
            logger.notice("process cancelled")
            throw .cancelled
        }
        if collector.timedOut {
            let status = (try? outcome.get()) ?? .signaled(SIGKILL)
            logger.warning("process timed out", metadata: ["timeout": "\(command.timeout.formattedSeconds)"])
            throw .timedOut(
                after: command.timeout,
                partial: collector.result(executable: command.executable, status: status, duration: duration)
            )
        }
        switch outcome {
        case .success(let status):
            logger.debug(
                "process finished",
                metadata: ["status": "\(status)", "duration": "\(duration.formattedSeconds)"]
            )
            return collector.result(executable: command.executable, status: status, duration: duration)
        case .failure(let error as SubprocessError) where error.code == .executableNotFound:
            throw .executableNotFound(command.executable)
        case .failure(let error as ExecutableNotFound):
            throw .executableNotFound(error.name)
        case .failure(let error):
            throw .couldNotRun(executable: command.executable, reason: redactor.redact("\(error)"))
        }
    }

    /// Runs inside Subprocess's body: pumps both output streams, writes stdin,
    /// enforces the timeout and hands lines to `onLine` one at a time.
    nonisolated(nonsending) private func supervise(
        _ execution: Execution<CustomWriteInput, SequenceOutput, SequenceOutput>,
        command: Command,
        collector: OutputCollector,
        onLine: (OutputLine) async -> Void
    ) async throws {
        collector.processID = execution.processIdentifier.value
        let (lines, sink) = AsyncStream.makeStream(of: OutputLine.self)
        let teardown = teardownSequence
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Both pipes end at EOF, or when Subprocess sees the child exit
            // (so a grandchild holding a pipe open cannot stall us).
            group.addTask {
                defer { sink.finish() }
                async let stdout: Void = Self.pump(execution.standardOutput, .stdout, collector, sink)
                async let stderr: Void = Self.pump(execution.standardError, .stderr, collector, sink)
                try await stdout
                try await stderr
            }
            group.addTask {
                let writer = execution.standardInputWriter
                if let input = command.stdin?.bytes, !input.isEmpty {
                    // A child that exits without reading its input is not an error.
                    _ = try? await writer.write(input)
                }
                try? await writer.finish()
            }
            group.addTask {
                guard (try? await Task.sleep(for: command.timeout)) != nil else { return }
                collector.markTimedOut()
                await execution.teardown(using: teardown)
            }
            for await line in lines {
                await onLine(line)
            }
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    private static func pump(
        _ output: SubprocessOutputSequence,
        _ stream: OutputLine.Stream,
        _ collector: OutputCollector,
        _ sink: AsyncStream<OutputLine>.Continuation
    ) async throws {
        for try await buffer in output {
            let chunk = buffer.withUnsafeBytes { Array($0) }
            for line in collector.consume(chunk, from: stream) {
                sink.yield(line)
            }
        }
        for line in collector.finish(stream) {
            sink.yield(line)
        }
    }

    private struct ExecutableNotFound: Error { let name: String }

    private func configuration(for command: Command) throws -> Configuration {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = teardownSequence
        var variables = command.environment.resolved(inheriting: ProcessInfo.processInfo.environment)
        if let owner { variables[LeftoverProcesses.variable] = owner }
        var environment: [Subprocess.Environment.Key: String] = [:]
        for (name, value) in variables {
            if let key = Subprocess.Environment.Key(rawValue: name) {
                environment[key] = value
            }
        }
        let executable: Executable
        let arguments: [String]
        if parentDeathGuard != nil || nice != nil {
            // setpriv and nice exec the tool by path, so find it here (as `.name` would) and say so when it is missing.
            guard let path = Self.locate(command.executable, searchPath: variables["PATH"]) else {
                throw ExecutableNotFound(name: command.executable)
            }
            var chain: [String] = []
            if let parentDeathGuard { chain += [parentDeathGuard, "--pdeathsig", "KILL", "--"] }
            if let nice { chain += [nice, "-n", String(niceness), "--"] }
            executable = .path(.init(chain[0]))
            arguments = Array(chain.dropFirst()) + [path] + command.arguments
        } else {
            executable = command.executable.contains("/") ? .path(.init(command.executable)) : .name(command.executable)
            arguments = command.arguments
        }
        return Configuration(
            executable: executable,
            arguments: Arguments(arguments),
            environment: .custom(environment),
            workingDirectory: command.workingDirectory.map { .init($0) },
            platformOptions: options
        )
    }
}

extension ProcessRunner {
    /// A path as is, or a name looked up in `searchPath` (the child's `PATH`, else Panda's).
    static func locate(_ executable: String, searchPath: String?) -> String? {
        if executable.contains("/") {
            return FileManager.default.isExecutableFile(atPath: executable) ? executable : nil
        }
        let directories = (searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in directories where !directory.isEmpty {
            let candidate = "\(directory)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

extension ExitStatus {
    init(_ status: TerminationStatus) {
        switch status {
        case .exited(let code): self = .exited(code)
        case .signaled(let signal): self = .signaled(signal)
        }
    }
}
