#if canImport(Glibc)
import Glibc
#endif

/// The slow-loris defence: a connection must deliver a request's headers in time, or it is
/// closed. libmicrohttpd's own timeout only counts idleness, which a client dribbling one
/// byte at a time never reaches.
///
/// Headers are due `headerTimeout` after the connection opens; on a kept-alive
/// connection, the next request's headers are due `idleTimeout + headerTimeout` after the
/// previous answer. Used only on the server thread (libmicrohttpd's callbacks and the
/// loop), so it needs no lock, and a descriptor it shuts down cannot have been closed
/// and reused by libmicrohttpd in between.
final class HeaderDeadlines {
    private struct Pending {
        let descriptor: Int32
        let deadline: ContinuousClock.Instant
    }

    private let headerTimeout: Duration
    private let keptAliveTimeout: Duration?
    private var pending: [OpaquePointer: Pending] = [:]
    private var nextSweep = ContinuousClock.now
    /// How often overdue connections are looked for; deadlines are enforced to about this.
    private let sweepInterval = Duration.milliseconds(250)

    /// - Parameters:
    ///   - headerTimeout: time from the connection opening to complete headers.
    ///   - idleTimeout: the keep-alive timeout (nil when connections may stay idle for ever).
    init(headerTimeout: Duration, idleTimeout: Duration?) {
        self.headerTimeout = headerTimeout
        keptAliveTimeout = idleTimeout.map { $0 + headerTimeout }
    }

    func connectionOpened(_ connection: OpaquePointer, descriptor: Int32) {
        guard descriptor >= 0 else { return }
        pending[connection] = Pending(descriptor: descriptor, deadline: .now + headerTimeout)
    }

    func headersReceived(_ connection: OpaquePointer) {
        pending.removeValue(forKey: connection)
    }

    /// A request was answered; the connection may carry another.
    func requestCompleted(_ connection: OpaquePointer, descriptor: Int32) {
        guard let keptAliveTimeout, descriptor >= 0 else { return }
        pending[connection] = Pending(descriptor: descriptor, deadline: .now + keptAliveTimeout)
    }

    func connectionClosed(_ connection: OpaquePointer) {
        pending.removeValue(forKey: connection)
    }

    /// Shuts down the sockets of overdue connections; libmicrohttpd then sees them end and
    /// cleans up as for any client that left. Returns how many were cut.
    @discardableResult
    func sweep(now: ContinuousClock.Instant = .now) -> Int {
        guard now >= nextSweep else { return 0 }
        nextSweep = now + sweepInterval
        let overdue = pending.filter { $0.value.deadline <= now }
        for (connection, entry) in overdue {
            shutdown(entry.descriptor, Int32(SHUT_RDWR))
            pending.removeValue(forKey: connection)
        }
        return overdue.count
    }
}
