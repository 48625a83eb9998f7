import Metrics
import PandaAPI
import Prometheus

enum MetricsSetup {
    /// Bootstraps swift-metrics with the Prometheus backend; returns what `GET /metrics` serves.
    static func bootstrapPrometheus() -> MetricsExposition {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Requests take milliseconds (streams minutes), child processes up to minutes, stages up to the stage timeout.
        factory.durationHistogramBuckets = [
            "panda_http_request_duration_seconds": seconds([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 300]),
            "panda_child_process_duration_seconds": seconds([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]),
            "panda_stage_duration_seconds": seconds([0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800]),
        ]
        MetricsSystem.bootstrap(factory)
        return { registry.emitToBuffer() }
    }

    private static func seconds(_ values: [Double]) -> [Duration] {
        values.map { .nanoseconds(Int64(($0 * 1e9).rounded())) }
    }
}
