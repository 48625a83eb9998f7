import Synchronization

/// Shared state of one run: both streams' line assemblers and tails, the
/// child's pid and whether the timeout fired. Read after the run even when it
/// ended by timeout or cancellation, so partial output is never lost.
final class OutputCollector: Sendable {
    private struct StreamState {
        var assembler: LineAssembler
        var tail: TailBuffer
    }

    private struct State {
        var stdout: StreamState
        var stderr: StreamState
        var processID: Int32?
        var timedOut = false

        subscript(stream: OutputLine.Stream) -> StreamState {
            get { stream == .stdout ? stdout : stderr }
            set {
                if stream == .stdout { stdout = newValue } else { stderr = newValue }
            }
        }
    }

    private let state: Mutex<State>

    init(redactor: Redactor, limit: Int) {
        let stream = StreamState(assembler: LineAssembler(redactor: redactor), tail: TailBuffer(limit: limit))
        state = Mutex(State(stdout: stream, stderr: stream))
    }

    /// Feeds a chunk of raw output; returns the lines it completed.
    func consume(_ chunk: [UInt8], from stream: OutputLine.Stream) -> [OutputLine] {
        state.withLock { state in
            let lines = state[stream].assembler.feed(chunk)
            return Self.record(lines, of: stream, in: &state)
        }
    }

    /// Ends a stream; returns its unterminated last line, if any.
    func finish(_ stream: OutputLine.Stream) -> [OutputLine] {
        state.withLock { state in
            let lines = state[stream].assembler.finish()
            return Self.record(lines, of: stream, in: &state)
        }
    }

    private static func record(_ lines: [[UInt8]], of stream: OutputLine.Stream, in state: inout State) -> [OutputLine] {
        lines.map { line in
            state[stream].tail.append(line)
            return OutputLine(stream: stream, text: Self.text(of: line))
        }
    }

    private static func text(of line: [UInt8]) -> String {
        var end = line.endIndex
        if end > 0 && line[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        if end > 0 && line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: line[..<end], as: UTF8.self)
    }

    var processID: Int32? {
        get { state.withLock { $0.processID } }
        set { state.withLock { $0.processID = newValue } }
    }

    var timedOut: Bool {
        state.withLock { $0.timedOut }
    }

    func markTimedOut() {
        state.withLock { $0.timedOut = true }
    }

    func result(executable: String, status: ExitStatus, duration: Duration) -> ProcessResult {
        state.withLock { state in
            ProcessResult(
                executable: executable,
                processID: state.processID ?? 0,
                status: status,
                stdout: state.stdout.tail.text,
                stderr: state.stderr.tail.text,
                stdoutTruncated: state.stdout.tail.truncated,
                stderrTruncated: state.stderr.tail.truncated,
                duration: duration
            )
        }
    }
}
