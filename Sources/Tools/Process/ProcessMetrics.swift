import Metrics

/// `panda_child_processes_total{tool,exit}` and `panda_child_process_duration_seconds{tool}`,
/// recorded through swift-metrics (a no-op until the executable bootstraps a backend).
enum ProcessMetrics {
    static let processes = "panda_child_processes_total"
    static let duration = "panda_child_process_duration_seconds"

    /// The tools Panda runs; anything else is `other`, so labels stay few.
    static func tool(of executable: String) -> String {
        let name = executable.split(separator: "/").last.map(String.init) ?? executable
        return ["git", "docker", "aws", "curl"].contains(name) ? name : "other"
    }

    /// How a child ended, as a label: its exit code, or `signal`, `timeout`, `cancelled`, `not_found`, `error`.
    static func exitLabel(_ outcome: Result<ExitStatus, ProcessError>) -> String {
        switch outcome {
        case .success(.exited(let code)): String(code)
        case .success(.signaled): "signal"
        case .failure(.timedOut): "timeout"
        case .failure(.cancelled): "cancelled"
        case .failure(.executableNotFound): "not_found"
        case .failure: "error"
        }
    }

    static func record(executable: String, outcome: Result<ExitStatus, ProcessError>, duration: Swift.Duration) {
        let tool = tool(of: executable)
        Counter(label: processes, dimensions: [("tool", tool), ("exit", exitLabel(outcome))]).increment()
        Metrics.Timer(label: self.duration, dimensions: [("tool", tool)]).record(duration: duration)
    }
}
