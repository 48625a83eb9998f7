import CMicroHTTPD
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
    /// One open connection. libmicrohttpd keeps a pointer to it as the connection's socket
    /// context, so a request costs two field writes here, no table lookup.
    private final class Watched {
        let descriptor: Int32
        /// When the next request's headers are due; `nil` while a request is being answered.
        var deadline: ContinuousClock.Instant?

        init(descriptor: Int32, deadline: ContinuousClock.Instant) {
            self.descriptor = descriptor
            self.deadline = deadline
        }
    }

    private let headerTimeout: Duration
    private let keptAliveTimeout: Duration?
    /// Every open connection, changed only when one opens or closes.
    private var watched: [OpaquePointer: Watched] = [:]
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

    /// `socketContext` is the connection's slot from libmicrohttpd's notify callback.
    func connectionOpened(_ connection: OpaquePointer, descriptor: Int32, socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) {
        guard descriptor >= 0, let socketContext else { return }
        let entry = Watched(descriptor: descriptor, deadline: .now + headerTimeout)
        watched[connection] = entry
        socketContext.pointee = Unmanaged.passUnretained(entry).toOpaque()
    }

    func headersReceived(_ connection: OpaquePointer) {
        entry(of: connection)?.deadline = nil
    }

    /// A request was answered; the connection may carry another.
    func requestCompleted(_ connection: OpaquePointer) {
        guard let entry = entry(of: connection) else { return }
        entry.deadline = keptAliveTimeout.map { .now + $0 }
    }

    func connectionClosed(_ connection: OpaquePointer, socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) {
        socketContext?.pointee = nil
        watched.removeValue(forKey: connection)
    }

    /// Shuts down the sockets of overdue connections; libmicrohttpd then sees them end and
    /// cleans up as for any client that left. Returns how many were cut.
    @discardableResult
    func sweep(now: ContinuousClock.Instant = .now) -> Int {
        guard now >= nextSweep else { return 0 }
        nextSweep = now + sweepInterval
        var cut = 0
        for entry in watched.values {
            guard let deadline = entry.deadline, deadline <= now else { continue }
            shutdown(entry.descriptor, Int32(SHUT_RDWR))
            entry.deadline = nil  // cut once; libmicrohttpd reports the close
            cut += 1
        }
        return cut
    }

    /// The entry `connectionOpened` stored; it lives in `watched` until the connection closes.
    private func entry(of connection: OpaquePointer) -> Watched? {
        panda_mhd_socket_context(connection).map { Unmanaged<Watched>.fromOpaque($0).takeUnretainedValue() }
    }
}
