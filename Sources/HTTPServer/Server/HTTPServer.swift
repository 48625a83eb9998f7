import CMicroHTTPD
import Dispatch
import Foundation
import Logging
import Synchronization
import Glibc

public enum HTTPServerError: Error, CustomStringConvertible {
    case invalidAddress(String)
    case startFailed(address: String, port: UInt16)

    public var description: String {
        switch self {
        case .invalidAddress(let address): "not an IPv4 or IPv6 address: \(address)"
        case .startFailed(let address, let port): "could not listen on \(address):\(port) (in use, or not permitted)"
        }
    }
}

/// Builds the error body for answers the server makes on its own (404, 405, 413, ...),
/// so that the application decides their shape.
public typealias ErrorResponder = @Sendable (_ status: Int, _ message: String) -> Response

/// An HTTP/1.1 server on libmicrohttpd.
///
/// libmicrohttpd runs in external epoll mode on one thread of ours: we wait on its
/// epoll descriptor with the timeout it asks for, then call `MHD_run`, whose own wait
/// never blocks. (0.9.75's internal epoll thread can stall on a batch of exactly 128
/// events; this way that cannot happen.)
public final class HTTPServer: @unchecked Sendable {
    public let configuration: ServerConfiguration
    let router: Router
    let errorResponder: ErrorResponder
    let requestObserver: RequestObserver?
    let logger: Logger

    private var daemon: OpaquePointer?
    private var listenSocket: Int32 = -1
    let waker = LoopWaker()
    public private(set) var port: UInt16 = 0

    /// Every stream whose response is live; the supervisor ticks them, shutdown ends them.
    let liveStreams = EventStreamGroup()
    /// Connections suspended while a `.later` handler works; they must resume before the daemon stops.
    let suspendedForWork = Atomic<Int>(0)
    private let phase = Mutex(Phase.idle)
    /// Whoever waits in `shutdown()`, resumed by the server thread once the daemon is stopped
    /// (`nil` once it has: later callers return at once).
    private let shutdownWaiters = Mutex<[CheckedContinuation<Void, Never>]?>([])
    private var supervisor: DispatchSourceTimer?
    /// Set when a header timeout is configured; touched only on the server thread.
    let headerDeadlines: HeaderDeadlines?
    /// The `Host` value most recently allowed (server thread only).
    var lastAllowedHost: String?

    private enum Phase { case idle, running, draining(deadline: ContinuousClock.Instant), stopped }

    public init(
        configuration: ServerConfiguration,
        router: Router,
        logger: Logger = Logger(label: "http"),
        errorResponder: @escaping ErrorResponder,
        requestObserver: RequestObserver? = nil
    ) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.errorResponder = errorResponder
        headerDeadlines = configuration.headerTimeout.map { timeout in
            HeaderDeadlines(
                headerTimeout: timeout,
                idleTimeout: configuration.idleTimeoutSeconds > 0 ? .seconds(configuration.idleTimeoutSeconds) : nil)
        }
        self.requestObserver = requestObserver
    }

    // MARK: Lifecycle

    public func start() throws {
        guard let address = SocketAddress(host: configuration.address, port: configuration.port) else {
            throw HTTPServerError.invalidAddress(configuration.address)
        }
        let openFiles = FileDescriptorLimit.raiseToHardLimit()
        let this = Unmanaged.passUnretained(self).toOpaque()
        var flags = MHD_USE_EPOLL.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue | MHD_USE_ERROR_LOG.rawValue
        if address.isIPv6 { flags |= MHD_USE_IPv6.rawValue }

        daemon = address.withSockaddrPointer { sockaddr in
            var options: [MHD_OptionItem] = [
                MHD_OptionItem(option: .SOCK_ADDR, value: 0, ptr_value: sockaddr),
                MHD_OptionItem(option: .NOTIFY_COMPLETED, value: unsafeBitCast(requestCompleted, to: Int.self), ptr_value: this),
                MHD_OptionItem(option: .UNESCAPE_CALLBACK, value: unsafeBitCast(keepEscapes, to: Int.self), ptr_value: this),
                MHD_OptionItem(option: .CONNECTION_LIMIT, value: configuration.connectionLimit, ptr_value: nil),
                MHD_OptionItem(option: .CONNECTION_MEMORY_LIMIT, value: configuration.connectionMemoryLimit, ptr_value: nil),
                MHD_OptionItem(option: .CONNECTION_TIMEOUT, value: configuration.idleTimeoutSeconds, ptr_value: nil),
                MHD_OptionItem(option: .LISTEN_BACKLOG_SIZE, value: configuration.listenBacklog, ptr_value: nil),
            ]
            if configuration.perClientConnectionLimit > 0 {
                options.append(MHD_OptionItem(option: .PER_IP_CONNECTION_LIMIT, value: configuration.perClientConnectionLimit, ptr_value: nil))
            }
            if headerDeadlines != nil {
                options.append(MHD_OptionItem(option: .NOTIFY_CONNECTION, value: unsafeBitCast(connectionNotified, to: Int.self), ptr_value: this))
            }
            options.append(MHD_OptionItem(option: .END, value: 0, ptr_value: nil))
            return panda_mhd_start_daemon(flags, configuration.port, accessHandler, this, &options)
        }
        guard let daemon else {
            throw HTTPServerError.startFailed(address: configuration.address, port: configuration.port)
        }
        port = panda_mhd_bound_port(daemon)
        phase.withLock { $0 = .running }

        let epoll = panda_mhd_epoll_fd(daemon)
        let loop = Thread { [self] in runLoop(epoll: epoll) }
        loop.name = "http-server"
        loop.start()
        startSupervisor()
        logger.info("listening", metadata: ["address": "\(configuration.address)", "port": "\(port)", "openFileLimit": "\(openFiles)"])
    }

    /// Stops accepting, ends every stream, lets in-flight work answer, then stops.
    /// Never stops the daemon while a connection is suspended (libmicrohttpd would abort).
    public func shutdown() async {
        let started = phase.withLock { phase -> Bool in
            guard case .running = phase else { return false }
            phase = .draining(deadline: .now + configuration.shutdownGracePeriod)
            return true
        }
        guard started else { return }
        // The server thread quiesces the daemon and ends every stream (drainStep).
        waker.wake()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finishedAlready = shutdownWaiters.withLock { waiters in
                waiters?.append(continuation)
                return waiters == nil
            }
            if finishedAlready { continuation.resume() }
        }
        supervisor?.cancel()
    }

    /// Suspends until SIGTERM or SIGINT arrives.
    public static func waitForTerminationSignal() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = Mutex(Optional(continuation))
            var sources: [DispatchSourceSignal] = []
            for signalNumber in [SIGTERM, SIGINT] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
                    once.withLock { $0.take() }?.resume()
                }
                source.resume()
                sources.append(source)
            }
            // The sources must outlive this scope; they live as long as the process.
            signalSources = sources
        }
    }

    // MARK: The server thread

    private func runLoop(epoll: Int32) {
        var descriptors = [
            pollfd(fd: epoll, events: Int16(POLLIN), revents: 0),
            pollfd(fd: waker.descriptor, events: Int16(POLLIN), revents: 0),
        ]
        // poll, not epoll_wait: libmicrohttpd's set is edge-triggered, and a wait of ours
        // on it would consume the events it needs. The listening socket joins that set
        // inside MHD_run, so run once before the first wait.
        while true {
            waker.drain()
            MHD_run(daemon)
            headerDeadlines?.sweep()
            if drainStep() { break }
            var timeout: UInt64 = 0
            let waitMilliseconds = MHD_get_timeout(daemon, &timeout) == MHD_Result.YES ? Int32(min(timeout, 1000)) : 1000
            _ = poll(&descriptors, 2, waitMilliseconds)
        }
        stopDaemon()
        let waiters = shutdownWaiters.withLock { waiters in
            defer { waiters = nil }
            return waiters ?? []
        }
        for waiter in waiters { waiter.resume() }
    }

    /// While draining: stop accepting once, and report when nothing is left to wait for.
    private func drainStep() -> Bool {
        let deadline: ContinuousClock.Instant? = phase.withLock { phase in
            if case .draining(let deadline) = phase { return deadline }
            return nil
        }
        guard let deadline else { return false }
        if listenSocket == -1 {
            listenSocket = MHD_quiesce_daemon(daemon)
            if listenSocket >= 0 { close(listenSocket) }
            liveStreams.finishAll()
        }
        // Work queues its connection's resume before it stops counting as suspended.
        let idle = liveStreams.count == 0 && suspendedForWork.load(ordering: .acquiring) == 0 && !waker.hasQueuedResumes
        return idle || ContinuousClock.now >= deadline
    }

    private func stopDaemon() {
        let stillSuspended = liveStreams.count > 0 || suspendedForWork.load(ordering: .acquiring) > 0 || waker.hasQueuedResumes
        if stillSuspended {
            // Stopping now would hit MHD_PANIC; the process is exiting anyway.
            logger.warning("shutdown grace period over with connections still open; leaving them to the exit")
        } else {
            MHD_stop_daemon(daemon)
        }
        daemon = nil
        waker.close()
        phase.withLock { $0 = .stopped }
    }

    private func startSupervisor() {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "http-server.streams"))
        let interval = configuration.keepAliveInterval
        timer.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250))
        timer.setEventHandler { [liveStreams] in
            let now = ContinuousClock.now
            for stream in liveStreams.snapshot() {
                stream.tick(now: now, keepAliveInterval: interval)
            }
        }
        timer.resume()
        supervisor = timer
    }
}

/// Written once, by the single waiter; kept so the sources outlive the wait.
nonisolated(unsafe) private var signalSources: [DispatchSourceSignal] = []
