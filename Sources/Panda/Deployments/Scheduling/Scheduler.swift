/// Runs at most `maxConcurrent` deployments at once; the rest wait in a bounded FIFO
/// queue and hear their position whenever it changes. Each accepted deployment runs
/// exactly once (or is cancelled), never on the caller's thread.
actor Scheduler {
    private let maxConcurrent: Int
    private let queueCapacity: Int
    private let orchestrator: Orchestrator
    private var running: [String: Task<Void, Never>] = [:]
    private var queue: [Deployment] = []
    /// Set on shutdown: nothing more is started.
    private var draining = false

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

    /// Queues a deployment restored at start, in its original order, whatever the capacity.
    func resubmit(_ deployment: Deployment) {
        if running.count < maxConcurrent {
            start(deployment)
        } else {
            queue.append(deployment)
            announcePositions()
        }
    }

    /// Ends the queued deployments that `matches` picks with `failure`; returns their ids.
    func cancelQueued(where matches: (Deployment) -> Bool, failure: DeploymentFailure) -> [String] {
        let picked = queue.filter(matches)
        guard !picked.isEmpty else { return [] }
        queue.removeAll(where: matches)
        for deployment in picked { deployment.finish(failure: failure) }
        announcePositions()
        return picked.map(\.id)
    }

    /// Shutting down: queued deployments stay queued (in the store, for the next start);
    /// running ones get `drain` to finish, then are cancelled and their clean-up awaited.
    func drain(for drain: Duration) async {
        draining = true
        let deadline = ContinuousClock.now + drain
        while !running.isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        let left = Array(running.values)
        for task in left { task.cancel() }
        for task in left { await task.value }
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
        while !draining, running.count < maxConcurrent, !queue.isEmpty {
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
