/// Runs at most `maxConcurrent` deployments at once; the rest wait in a bounded FIFO
/// queue and hear their position whenever it changes. Each accepted deployment runs
/// exactly once (or is cancelled), never on the caller's thread.
actor Scheduler {
    private let maxConcurrent: Int
    private let queueCapacity: Int
    private let orchestrator: Orchestrator
    private var running: [String: Task<Void, Never>] = [:]
    private var queue: [Deployment] = []

    init(maxConcurrent: Int, queueCapacity: Int, orchestrator: Orchestrator) {
        self.maxConcurrent = maxConcurrent
        self.queueCapacity = queueCapacity
        self.orchestrator = orchestrator
        DeploymentMetrics.load(running: 0, queued: 0)
    }

    /// Starts or queues the deployment; throws when the queue is full.
    func submit(_ deployment: Deployment) throws(DeploymentError) {
        if running.count < maxConcurrent {
            start(deployment)
        } else if queue.count < queueCapacity {
            queue.append(deployment)
            announcePositions()
            recordLoad()
        } else {
            throw DeploymentError("Deployment queue is full", errorCode: .deploymentQueueFull, retryAfterSeconds: 30)
        }
    }

    enum CancelOutcome { case cancelled, alreadyFinished }

    func cancel(_ deployment: Deployment) -> CancelOutcome {
        guard deployment.requestCancel() else {
            // A deployment that was cancelled before stays cancelled: saying so again is fine.
            return deployment.snapshot().failure?.errorCode == .deploymentCancelled ? .cancelled : .alreadyFinished
        }
        if let index = queue.firstIndex(where: { $0 === deployment }) {
            queue.remove(at: index)
            deployment.finish(failure: .cancelled(at: nil))
            announcePositions()
            recordLoad()
        } else {
            running[deployment.id]?.cancel()
        }
        return .cancelled
    }

    private func start(_ deployment: Deployment) {
        running[deployment.id] = Task { [orchestrator] in
            await orchestrator.run(deployment)
            self.finished(deployment.id)
        }
        recordLoad()
    }

    private func finished(_ id: String) {
        running.removeValue(forKey: id)
        while running.count < maxConcurrent, !queue.isEmpty {
            start(queue.removeFirst())
        }
        announcePositions()
        recordLoad()
    }

    private func recordLoad() {
        DeploymentMetrics.load(running: running.count, queued: queue.count)
    }

    private func announcePositions() {
        for (index, deployment) in queue.enumerated() where deployment.setQueuePosition(index + 1) {
            deployment.log.append(.stage(
                "[Queue] Waiting for a free slot: position \(index + 1) of \(queue.count)",
                stage: 0,
                details: ["queuePosition": .integer(index + 1), "maxConcurrent": .integer(maxConcurrent)]))
        }
    }
}
