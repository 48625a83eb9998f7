/// The last `capacity` deployments, least recently used evicted first. Only finished
/// deployments are evicted; evicting one drops its event history with it.
actor ResultStore {
    private let capacity: Int
    private var entries: [String: (deployment: Deployment, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    func insert(_ deployment: Deployment) {
        clock += 1
        entries[deployment.id] = (deployment, clock)
        evictIfNeeded()
    }

    /// Inserts the deployment, unless `unlessBusy` and another deployment of the same
    /// application is queued or running: then answers that one and inserts nothing.
    func insert(_ deployment: Deployment, unlessBusy: Bool) -> Deployment? {
        if unlessBusy, let busy = active(forApplication: deployment.request.applicationKey) {
            return busy
        }
        insert(deployment)
        return nil
    }

    /// A queued or running deployment of the application with this key, if any.
    func active(forApplication key: String) -> Deployment? {
        entries.values.map(\.deployment).first { !$0.status.isTerminal && $0.request.applicationKey == key }
    }

    /// A deployment the scheduler refused (queue full) is forgotten again.
    func remove(_ id: String) {
        entries.removeValue(forKey: id)
    }

    /// Looks a deployment up and counts that as a use.
    func get(_ id: String) -> Deployment? {
        guard let entry = entries[id] else { return nil }
        clock += 1
        entries[id] = (entry.deployment, clock)
        return entry.deployment
    }

    var count: Int { entries.count }

    /// A page of the stored deployments, newest first; listing does not count as a use.
    func list(_ query: DeploymentListQuery) -> DeploymentPage {
        DeploymentPage.of(entries.values.map { DeploymentSummary($0.deployment) }, query)
    }

    private func evictIfNeeded() {
        while entries.count > capacity {
            let finished = entries.filter { $0.value.deployment.status.isTerminal }
            guard let oldest = finished.min(by: { $0.value.lastUse < $1.value.lastUse }) else { return }
            entries.removeValue(forKey: oldest.key)
        }
    }
}
