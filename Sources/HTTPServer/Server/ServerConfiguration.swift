/// Everything the HTTP layer needs to know to listen and to protect itself.
public struct ServerConfiguration: Sendable {
    /// IPv4 or IPv6 literal to bind, e.g. `127.0.0.1`, `0.0.0.0` or `::`.
    public var address: String
    /// 0 asks the kernel for a free port; `HTTPServer.port` reports it.
    public var port: UInt16
    public var connectionLimit: Int
    /// Bytes libmicrohttpd may use per connection for headers and buffers.
    public var connectionMemoryLimit: Int
    /// Idle keep-alive connections are closed after this many seconds (0 = never).
    public var idleTimeoutSeconds: Int
    public var listenBacklog: Int
    /// Bodies above this size are answered with 413 before the rest is read.
    public var maxBodyBytes: Int
    public var cors: CORSPolicy
    /// How often an idle event stream gets a keep-alive comment.
    public var keepAliveInterval: Duration
    /// How long shutdown waits for streams and in-flight handlers to finish.
    public var shutdownGracePeriod: Duration
    /// `Host` values answered; others get 421 (see ``HostPolicy``).
    public var hostPolicy: HostPolicy
    /// Simultaneous connections from one client address (0 = no limit beyond `connectionLimit`).
    public var perClientConnectionLimit: Int
    /// A request's headers must be complete this long after the connection opens (nil = no
    /// limit); keep it below `idleTimeoutSeconds`. See ``HeaderDeadlines``.
    public var headerTimeout: Duration?

    public init(
        address: String = "127.0.0.1",
        port: UInt16 = 8080,
        connectionLimit: Int = 10_000,
        connectionMemoryLimit: Int = 32 * 1024,
        idleTimeoutSeconds: Int = 60,
        listenBacklog: Int = 4096,
        maxBodyBytes: Int = 64 * 1024,
        cors: CORSPolicy = CORSPolicy(),
        keepAliveInterval: Duration = .seconds(15),
        shutdownGracePeriod: Duration = .seconds(3),
        hostPolicy: HostPolicy = .any,
        perClientConnectionLimit: Int = 0,
        headerTimeout: Duration? = nil
    ) {
        self.address = address
        self.port = port
        self.connectionLimit = connectionLimit
        self.connectionMemoryLimit = connectionMemoryLimit
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.listenBacklog = listenBacklog
        self.maxBodyBytes = maxBodyBytes
        self.cors = cors
        self.keepAliveInterval = keepAliveInterval
        self.shutdownGracePeriod = shutdownGracePeriod
        self.hostPolicy = hostPolicy
        self.perClientConnectionLimit = perClientConnectionLimit
        self.headerTimeout = headerTimeout
    }
}
