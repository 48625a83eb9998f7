import HTTPServer
import Logging
import Metrics
import Panda

/// Panda's HTTP face: the routes of SPEC.md over the core, with the contract's envelopes and errors.
public struct PandaHTTPApp: Sendable {
    public let configuration: PandaConfiguration
    public let services: PandaServices
    let endpoint: Endpoint
    let metrics: MetricsExposition?
    let observation: RequestObservation
    let openStreams: Meter

    /// - Parameter metrics: what `GET /metrics` serves (the executable passes its Prometheus registry's text).
    public init(configuration: PandaConfiguration, services: PandaServices, logger: Logger = Logger(label: "panda.api"),
                metrics: MetricsExposition? = nil) {
        self.configuration = configuration
        self.services = services
        self.metrics = metrics
        endpoint = Endpoint(logger: logger, apiKeys: APIKeyGuard(keys: configuration.auth.apiKeys))
        observation = RequestObservation(logger: logger, logsRequests: configuration.log.requests)
        openStreams = Meter(label: "panda_sse_streams_open")
        openStreams.set(0)
    }

    public func router() -> Router {
        var router = Router()
        addConnectionRoutes(to: &router)
        addDeploymentRoutes(to: &router)
        addDocsRoutes(to: &router)
        addDeploymentListRoutes(to: &router)
        addApplicationRoutes(to: &router)
        addDashboardRoutes(to: &router)
        addOperationsRoutes(to: &router)
        return router
    }

    public var errorResponder: ErrorResponder { ErrorResponses.responder }

    public var serverConfiguration: ServerConfiguration {
        let server = configuration.server
        return ServerConfiguration(
            address: server.address,
            port: UInt16(server.port),
            connectionLimit: server.connectionLimit,
            connectionMemoryLimit: server.connectionMemoryLimitBytes,
            idleTimeoutSeconds: server.idleTimeoutSeconds,
            maxBodyBytes: server.maxBodyBytes,
            cors: CORSPolicy(allowedOrigins: configuration.cors.allowedOrigins),
            keepAliveInterval: .seconds(configuration.events.keepAliveSeconds),
            shutdownGracePeriod: .seconds(server.shutdownGraceSeconds),
            hostPolicy: HostPolicy(allowedHosts: Self.allowedHosts(server)),
            perClientConnectionLimit: server.perClientConnectionLimit,
            headerTimeout: .seconds(server.headerTimeoutSeconds)
        )
    }

    /// The configured names plus the bound address itself, unless that is the wildcard
    /// (`0.0.0.0`, `::`), which no honest client sends as its `Host`.
    static func allowedHosts(_ server: PandaConfiguration.Server) -> [String] {
        let address = server.address
        guard address != "0.0.0.0", address != "::" else { return server.allowedHosts }
        return server.allowedHosts + [address.contains(":") ? "[\(address)]" : address]
    }

    /// Builds the server for this app; `start()` it, and `shutdown()` on the way out.
    public func makeServer(logger: Logger = Logger(label: "panda.http")) -> HTTPServer {
        HTTPServer(configuration: serverConfiguration, router: router(), logger: logger, errorResponder: errorResponder,
                   requestObserver: { [observation] in observation.observe($0) })
    }
}
