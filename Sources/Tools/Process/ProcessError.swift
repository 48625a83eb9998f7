/// Why running a ``Command`` did not produce a normal result.
/// Messages never contain secrets: output in them is already redacted.
public enum ProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The executable does not exist (or is not executable) in the child's `PATH` or at the given path.
    case executableNotFound(String)
    /// The process group was terminated after the command's timeout; the output so far is kept.
    case timedOut(after: Duration, partial: ProcessResult)
    /// The calling task was cancelled; the process group was terminated.
    case cancelled
    /// A non-zero exit, raised by ``ProcessResult/checked()`` where the caller wants it.
    case failed(executable: String, status: ExitStatus, stderrTail: String)
    /// The process could not be started or supervised (bad working directory, I/O failure, …).
    case couldNotRun(executable: String, reason: String)

    public var description: String {
        switch self {
        case .executableNotFound(let name):
            name.contains("/")
                ? "\(name): executable not found"
                : "\(name): executable not found in PATH"
        case .timedOut(let after, let partial):
            "\(partial.executable): timed out after \(after.formattedSeconds)"
        case .cancelled:
            "process cancelled"
        case .failed(let executable, let status, let stderrTail):
            stderrTail.isEmpty
                ? "\(executable) failed with \(status)"
                : "\(executable) failed with \(status): \(stderrTail)"
        case .couldNotRun(let executable, let reason):
            "\(executable): could not run: \(reason)"
        }
    }
}

extension Duration {
    /// "1s", "0.5s": for messages.
    var formattedSeconds: String {
        let (seconds, attoseconds) = components
        return attoseconds == 0 ? "\(seconds)s" : "\(Double(seconds) + Double(attoseconds) / 1e18)s"
    }
}
