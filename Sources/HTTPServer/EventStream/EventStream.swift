import CMicroHTTPD
import Synchronization

/// A streaming response body fed from any thread, or pulled from a source.
///
/// libmicrohttpd pulls bytes through `read`; when nothing is pending the stream asks its
/// ``Source`` (if it has one) for more, and when there is still nothing the connection is
/// suspended (returning 0 without suspending would spin a core) until `send` or `wake`
/// resumes it. Push side and reader share one lock, and only a suspended connection is
/// resumed. A source lets a long history be sent page by page as the client reads it,
/// instead of all at once into the pending buffer.
public final class EventStream: @unchecked Sendable {
    /// What a source hands over when asked: bytes to send (maybe none yet), and whether
    /// it has said everything, in which case the stream ends `finishAfter` later.
    public struct Pulled: Sendable {
        public var bytes: [UInt8]
        public var finishAfter: Duration?

        public init(bytes: [UInt8], finishAfter: Duration? = nil) {
            self.bytes = bytes
            self.finishAfter = finishAfter
        }
    }

    /// Called on the server thread, with the stream's lock held, whenever nothing is pending:
    /// it must be quick and must not call back into the stream. `maxBytes` is a hint.
    public typealias Source = @Sendable (_ maxBytes: Int) -> Pulled

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
        var sourceDone = false
    }

    private let state = Mutex(State())
    private let source: Source?
    /// A client that reads slower than events arrive is cut off past this; it reconnects.
    public let maxPendingBytes: Int

    /// - Parameter lifetime: the stream ends by itself after this long.
    /// - Parameter source: pulled for more bytes whenever the pending ones are written.
    public init(lifetime: Duration? = nil, maxPendingBytes: Int = 4 * 1024 * 1024, source: Source? = nil) {
        self.maxPendingBytes = maxPendingBytes
        self.source = source
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

    /// Tells a stream with a source that there may be more to pull.
    public func wake() {
        state.withLock { Self.wake(&$0) }
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

    /// About what one pull asks for: a page of history per wake-up of the connection.
    static let pullBytes = 64 * 1024

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
            if state.pending.count == state.readOffset, !state.finished, !state.sourceDone, let source {
                let pulled = source(Self.pullBytes)
                state.pending.append(contentsOf: pulled.bytes)
                if !pulled.bytes.isEmpty { state.lastWrite = .now }
                if let delay = pulled.finishAfter {
                    state.sourceDone = true
                    let when = ContinuousClock.now + delay
                    state.deadline = min(state.deadline ?? when, when)
                }
            }
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
            // A source that has said everything ends the stream at its deadline (at once for a zero delay).
            if state.sourceDone, let deadline = state.deadline, ContinuousClock.now >= deadline { state.finished = true }
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
