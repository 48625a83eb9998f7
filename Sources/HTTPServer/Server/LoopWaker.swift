import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Wakes the server thread out of its wait. libmicrohttpd in external mode does not wake
/// the caller's loop when a connection is resumed (and its timeout ignores pending
/// resumes), so every resume is followed by a wake. Wakes coalesce into one pipe byte.
final class LoopWaker: Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32
    private let pending = Atomic<Bool>(false)
    /// Whether the descriptors are closed. Work that outlives the shutdown grace period still
    /// resumes its connection and wakes; after `close` that must write nowhere, since the
    /// descriptor number may by then belong to another file.
    private let closed = Mutex(false)

    init() {
        var ends: [Int32] = [-1, -1]
        _ = pipe(&ends)
        for end in ends { _ = fcntl(end, F_SETFL, O_NONBLOCK) }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    var descriptor: Int32 { readEnd }

    /// Returns whether it wrote to the pipe (not when a wake is already pending, nor after `close`).
    @discardableResult
    func wake() -> Bool {
        guard !pending.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        return closed.withLock { closed in
            guard !closed else { return false }
            var byte: UInt8 = 1
            return write(writeEnd, &byte, 1) == 1
        }
    }

    /// Called by the server thread before it runs libmicrohttpd, so no wake is lost.
    func drain() {
        // Read, then clear: a wake that lands in between finds `pending` set and writes
        // nothing, but its resume happened before the MHD_run that follows this drain.
        var bytes = [UInt8](repeating: 0, count: 64)
        _ = read(readEnd, &bytes, bytes.count)
        pending.store(false, ordering: .releasing)
    }

    func close() {
        closed.withLock { closed in
            guard !closed else { return }
            closed = true
            Glibc.close(readEnd)
            Glibc.close(writeEnd)
        }
    }

}

/// A libmicrohttpd connection handle that can be resumed from any thread.
struct ConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let waker: LoopWaker

    func suspend() {
        MHD_suspend_connection(pointer)
    }

    func resume() {
        MHD_resume_connection(pointer)
        waker.wake()
    }
}

import CMicroHTTPD
