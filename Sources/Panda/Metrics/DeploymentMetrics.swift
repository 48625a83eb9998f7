import Metrics

/// The engine's series (SPEC section 6), recorded through swift-metrics: a no-op until the
/// executable bootstraps a backend, so the core never knows which one serves them.
enum DeploymentMetrics {
    /// `panda_deployments_total{kind,status,error_code}`, once per deployment that ends.
    static func finished(kind: DeploymentKind, status: DeploymentStatus, errorCode: ErrorCode?) {
        Counter(label: "panda_deployments_total", dimensions: [
            ("kind", kind.rawValue), ("status", status.rawValue), ("error_code", errorCode?.rawValue ?? ""),
        ]).increment()
    }

    /// `panda_stage_duration_seconds{stage}`, however the stage ended.
    static func stageFinished(_ stage: Int, after duration: Duration) {
        Metrics.Timer(label: "panda_stage_duration_seconds", dimensions: [("stage", String(stage))]).record(duration: duration)
    }

    /// `panda_deployments_running` and `panda_deployments_queued`, set by the scheduler after each change.
    static func load(running: Int, queued: Int) {
        Gauge(label: "panda_deployments_running").record(running)
        Gauge(label: "panda_deployments_queued").record(queued)
    }
}
