import Logging

/// The last `capacity` deployments, least recently used evicted first, kept in memory for
/// quick answers and in the store to survive a restart. Only finished deployments are
/// evicted; evicting one deletes it and its event history from the store.
actor ResultStore {
    private let capacity: Int
    private let store: any Store
    private var entries: [String: (deployment: Deployment, lastUse: Int)] = [:]
    private var clock = 0
    private let logger = Logger(label: "panda.storage")

    init(capacity: Int, store: any Store) {
        self.capacity = capacity
        self.store = store
    }

    func insert(_ deployment: Deployment) {
        clock += 1
        entries[deployment.id] = (deployment, clock)
        touch(deployment.id, clock)
        evictIfNeeded()
    }

    /// A deployment read back from the store, with the use it last had.
    func restore(_ deployment: Deployment, lastUse: Int) {
        clock = max(clock, lastUse)
        entries[deployment.id] = (deployment, lastUse)
    }

    /// Looks a deployment up and counts that as a use.
    func get(_ id: String) -> Deployment? {
        guard let entry = entries[id] else { return nil }
        clock += 1
        entries[id] = (entry.deployment, clock)
        touch(id, clock)
        return entry.deployment
    }

    var count: Int { entries.count }

    /// A page of the stored deployments, newest first; listing does not count as a use.
    /// Every stored deployment is here (restored at start), so the list survives a restart.
    func list(_ query: DeploymentListQuery) -> DeploymentPage {
        DeploymentPage.of(entries.values.map { DeploymentSummary($0.deployment) }, query)
    }

    func evictIfNeeded() {
        guard entries.count > capacity else { return }
        // Oldest use first; only finished deployments may go.
        let candidates = entries.filter { $0.value.deployment.status.isTerminal }.sorted { $0.value.lastUse < $1.value.lastUse }
        for (id, _) in candidates.prefix(entries.count - capacity) {
            do {
                try store.deleteDeployment(id)
            } catch {
                logger.error("evicted deployment not deleted from the store", metadata: ["deploymentId": "\(id)", "error": "\(error.message)"])
            }
            entries.removeValue(forKey: id)
        }
    }

    private func touch(_ id: String, _ use: Int) {
        do {
            try store.touchDeployment(id, lastUse: use)
        } catch {
            logger.warning("use of a deployment not stored", metadata: ["deploymentId": "\(id)", "error": "\(error.message)"])
        }
    }
}
