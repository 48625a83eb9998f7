/// How a child process ended.
public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var isSuccess: Bool {
        self == .exited(0)
    }

    public var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let signal): "signal \(signal)"
        }
    }
}

/// The outcome of a finished child process. Output is already redacted and
/// holds at most the last ``Command/outputLimit`` bytes of each stream.
public struct ProcessResult: Sendable, Equatable {
    /// The executable as the command named it, for messages.
    public var executable: String
    public var processID: Int32
    public var status: ExitStatus
    public var stdout: String
    public var stderr: String
    /// True when earlier output was dropped to respect the limit.
    public var stdoutTruncated: Bool
    public var stderrTruncated: Bool
    /// Wall time from spawn to exit.
    public var duration: Duration

    public init(
        executable: String,
        processID: Int32,
        status: ExitStatus,
        stdout: String,
        stderr: String,
        stdoutTruncated: Bool = false,
        stderrTruncated: Bool = false,
        duration: Duration
    ) {
        self.executable = executable
        self.processID = processID
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.stdoutTruncated = stdoutTruncated
        self.stderrTruncated = stderrTruncated
        self.duration = duration
    }

    public var succeeded: Bool {
        status.isSuccess
    }

    /// The result itself when the process exited with 0, else ``ProcessError/failed(executable:status:stderrTail:)``.
    public func checked() throws(ProcessError) -> ProcessResult {
        guard succeeded else {
            throw .failed(executable: executable, status: status, stderrTail: stderrTail())
        }
        return self
    }

    /// The last lines of stderr (at most `maxLines` lines and `maxBytes` bytes), for error messages.
    public func stderrTail(maxLines: Int = 20, maxBytes: Int = 4096) -> String {
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: true).suffix(maxLines)
        var tail = lines.joined(separator: "\n")
        if tail.utf8.count > maxBytes {
            tail = String(decoding: tail.utf8.suffix(maxBytes), as: UTF8.self)
        }
        return tail
    }
}

/// One line of a child's output, as delivered by ``ProcessRunner/run(_:onLine:)``:
/// redacted, without its line terminator.
public struct OutputLine: Sendable, Hashable {
    public enum Stream: Sendable, Hashable {
        case stdout
        case stderr
    }

    public var stream: Stream
    public var text: String

    public init(stream: Stream, text: String) {
        self.stream = stream
        self.text = text
    }
}
