import HTTPServer
import Panda

/// The Prometheus text exposition of every recorded series; the executable supplies it
/// from the backend it bootstrapped, so this layer knows swift-metrics only.
public typealias MetricsExposition = @Sendable () -> [UInt8]

extension PandaHTTPApp {
    /// For probes and scrapers: readiness (liveness is `/health`) and `/metrics`.
    func addOperationsRoutes(to router: inout Router) {
        let readiness = services.readiness
        router.get("/ready") { _ in
            readiness.recheck()
            let reasons = readiness.notReadyReasons
            guard reasons.isEmpty else {
                return .now(ErrorResponses.response(for: APIRefusal.notReady(reasons), logger: endpoint.logger))
            }
            return .now(Envelope.response(200, SuccessMessage.ready, HealthStatus.ready))
        }
        // Without a backend (an embedder that bootstrapped none) nothing is recorded: no series.
        let exposition = metrics ?? { [] }
        router.get("/metrics", endpoint.handler { _ in
            Response(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: exposition())
        })
    }
}
