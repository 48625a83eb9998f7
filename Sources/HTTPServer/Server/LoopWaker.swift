import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Wakes the server thread out of its wait. libmicrohttpd in external mode does not wake
/// the caller's loop when a connection is resumed (and its timeout ignores pending
/// resumes), so every resume is followed by a wake. Wakes coalesce into one pipe byte.
///
/// Resumes asked for on other threads are handed to the server thread, which resumes them
/// all at once before it runs libmicrohttpd: an event fanned out to thousands of streams
/// costs the publisher one list append per stream, and libmicrohttpd's lock is not fought over.
final class LoopWaker: Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32
    private let pending = Atomic<Bool>(false)
    /// Connections to resume on the server thread; `nil` once closed. Work that outlives the
    /// shutdown grace period still resumes its connection and wakes; after `close` that must
    /// touch neither the daemon (gone) nor the pipe (its descriptor numbers may belong to
    /// other files by then).
    private let resumes = Mutex<[QueuedResume]?>([])

    /// A connection pointer in transit to the server thread, which alone dereferences it.
    private struct QueuedResume: @unchecked Sendable {
        let connection: OpaquePointer
    }

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
        return resumes.withLock { resumes in
            guard resumes != nil else { return false }
            var byte: UInt8 = 1
            return write(writeEnd, &byte, 1) == 1
        }
    }

    /// Has the server thread resume `connection`, then wakes it.
    func resumeOnLoop(_ connection: OpaquePointer) {
        let queued = resumes.withLock { resumes -> Bool in
            guard resumes != nil else { return false }
            resumes!.append(QueuedResume(connection: connection))
            return true
        }
        if queued { wake() }
    }

    /// Whether a resume waits for the next `drain` (shutdown must not stop the daemon then).
    var hasQueuedResumes: Bool { resumes.withLock { !($0?.isEmpty ?? true) } }

    /// Called by the server thread before it runs libmicrohttpd, so no wake is lost: resumes
    /// the connections handed over since the last call.
    func drain() {
        // Read, then clear: a wake that lands in between finds `pending` set and writes
        // nothing, but what it queued is taken below, before the MHD_run that follows.
        var bytes = [UInt8](repeating: 0, count: 64)
        _ = read(readEnd, &bytes, bytes.count)
        pending.store(false, ordering: .releasing)
        let queued = resumes.withLock { resumes -> [QueuedResume] in
            guard let taken = resumes, !taken.isEmpty else { return [] }
            resumes = []
            resumes!.reserveCapacity(taken.count)
            return taken
        }
        for resume in queued { MHD_resume_connection(resume.connection) }
    }

    func close() {
        resumes.withLock { resumes in
            guard resumes != nil else { return }
            resumes = nil
            Glibc.close(readEnd)
            Glibc.close(writeEnd)
        }
    }
}

/// A libmicrohttpd connection handle that can be resumed from any thread (the server
/// thread does the resuming).
struct ConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let waker: LoopWaker

    func suspend() {
        MHD_suspend_connection(pointer)
    }

    func resume() {
        waker.resumeOnLoop(pointer)
    }
}

import CMicroHTTPD
