import CMicroHTTPD
import Synchronization

/// A streaming response body fed from any thread.
///
/// libmicrohttpd pulls bytes through `read`; when nothing is pending the connection is
/// suspended (returning 0 without suspending would spin a core) and `send` resumes it.
/// Push side and reader share one lock, and only a suspended connection is resumed.
public final class EventStream: @unchecked Sendable {
    private struct State {
        var pending: [UInt8] = []
        var readOffset = 0
        var connection: ConnectionHandle?
        var suspended = false
        var finished = false
        var closed = false
        var overflowed = false
        var lastWrite = ContinuousClock.now
        var deadline: ContinuousClock.Instant?
        var closeHandlers: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())
    /// A client that reads slower than events arrive is cut off past this; it reconnects.
    public let maxPendingBytes: Int

    /// - Parameter lifetime: the stream ends by itself after this long.
    public init(lifetime: Duration? = nil, maxPendingBytes: Int = 4 * 1024 * 1024) {
        self.maxPendingBytes = maxPendingBytes
        if let lifetime {
            state.withLock { $0.deadline = .now + lifetime }
        }
    }

    // MARK: Push side (any thread)

    public func send(_ event: ServerSentEvent) { send(bytes: event.encoded()) }

    public func sendComment(_ text: String) { send(bytes: ServerSentEvent.comment(text)) }

    public func send(bytes: [UInt8]) {
        state.withLock { state in
            guard !state.finished else { return }  // a closed stream is finished too
            if state.pending.count - state.readOffset + bytes.count > maxPendingBytes {
                state.overflowed = true
                state.finished = true
            } else {
                state.pending.append(contentsOf: bytes)
            }
            state.lastWrite = .now
            Self.wake(&state)
        }
    }

    /// Ends the stream cleanly once what is pending has been written.
    public func finish() {
        state.withLock { state in
            guard !state.finished else { return }
            state.finished = true
            Self.wake(&state)
        }
    }

    /// Ends the stream `delay` from now (or at its earlier deadline).
    public func finish(after delay: Duration) {
        state.withLock { state in
            let when = ContinuousClock.now + delay
            state.deadline = min(state.deadline ?? when, when)
        }
    }

    /// Runs `handler` once the connection is gone (ended, or the client left); at once if it already is.
    public func onClose(_ handler: @escaping @Sendable () -> Void) {
        let alreadyClosed = state.withLock { state in
            if state.closed { return true }
            state.closeHandlers.append(handler)
            return false
        }
        if alreadyClosed { handler() }
    }

    /// Must run with the lock held; resuming is safe from any thread.
    private static func wake(_ state: inout State) {
        guard state.suspended, let connection = state.connection else { return }
        state.suspended = false
        connection.resume()
    }

    // MARK: Server side

    func attach(to connection: ConnectionHandle) {
        state.withLock { $0.connection = connection }
    }

    /// Called on the server thread by libmicrohttpd's content reader.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        state.withLock { state in
            if state.overflowed { return panda_mhd_reader_end_with_error() }
            let available = state.pending.count - state.readOffset
            if available > 0 {
                let count = min(available, capacity)
                state.pending.withUnsafeBytes { raw in
                    UnsafeMutableRawPointer(buffer).copyMemory(
                        from: raw.baseAddress! + state.readOffset, byteCount: count)
                }
                state.readOffset += count
                if state.readOffset == state.pending.count {
                    // A small buffer is kept for the next events; one grown by a replayed
                    // history is let go, or every one of thousands of open streams holds it.
                    state.pending.removeAll(keepingCapacity: state.pending.capacity <= 4 * 1024)
                    state.readOffset = 0
                }
                return count
            }
            if state.finished { return panda_mhd_reader_end_of_stream() }
            guard let connection = state.connection else { return 0 }
            state.suspended = true
            connection.suspend()
            return 0
        }
    }

    /// libmicrohttpd released the response: the connection no longer needs this stream.
    func released() {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            state.closed = true
            state.finished = true
            state.connection = nil
            state.suspended = false
            state.pending = []
            defer { state.closeHandlers = [] }
            return state.closeHandlers
        }
        for handler in handlers { handler() }
    }

    /// Periodic care from the server: keep-alive comments and the deadline.
    func tick(now: ContinuousClock.Instant, keepAliveInterval: Duration) {
        let (expired, idle) = state.withLock { state in
            (state.deadline.map { now >= $0 } ?? false, now - state.lastWrite >= keepAliveInterval)
        }
        if expired {
            finish()
        } else if idle {
            // Also the dead-client detector: a write to a vanished peer fails and closes the connection.
            sendComment("keep-alive")
        }
    }
}
