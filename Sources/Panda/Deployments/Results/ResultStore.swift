import Synchronization

/// The last `capacity` deployments, least recently used evicted first. Only finished
/// deployments are evicted; evicting one drops its event history with it.
///
/// The actor decides what is kept; lookups need no hop to it: `lookup` reads the entries
/// under a lock from any thread (the HTTP server answers result polls on its own thread).
actor ResultStore {
    private let capacity: Int
    private nonisolated let entries = Mutex(Entries())

    private struct Entries {
        var byID: [String: (deployment: Deployment, lastUse: UInt64)] = [:]
        var clock: UInt64 = 0

        mutating func touch(_ id: String) -> Deployment? {
            guard let entry = byID[id] else { return nil }
            clock += 1
            byID[id] = (entry.deployment, clock)
            return entry.deployment
        }
    }

    init(capacity: Int) {
        self.capacity = capacity
    }

    func insert(_ deployment: Deployment) {
        entries.withLock { entries in
            entries.clock += 1
            entries.byID[deployment.id] = (deployment, entries.clock)
        }
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
        entries.withLock { entries in
            entries.byID.values.map(\.deployment).first { !$0.status.isTerminal && $0.request.applicationKey == key }
        }
    }

    /// A deployment the scheduler refused (queue full) is forgotten again.
    func remove(_ id: String) {
        _ = entries.withLock { $0.byID.removeValue(forKey: id) }
    }

    /// Looks a deployment up and counts that as a use.
    func get(_ id: String) -> Deployment? {
        lookup(id)
    }

    /// `get` without waiting for the actor: any thread, never suspends.
    nonisolated func lookup(_ id: String) -> Deployment? {
        entries.withLock { $0.touch(id) }
    }

    var count: Int { entries.withLock { $0.byID.count } }

    /// A page of the stored deployments, newest first; listing does not count as a use.
    func list(_ query: DeploymentListQuery) -> DeploymentPage {
        DeploymentPage.of(entries.withLock { $0.byID.values.map { DeploymentSummary($0.deployment) } }, query)
    }

    private func evictIfNeeded() {
        entries.withLock { entries in
            while entries.byID.count > capacity {
                let finished = entries.byID.filter { $0.value.deployment.status.isTerminal }
                guard let oldest = finished.min(by: { $0.value.lastUse < $1.value.lastUse }) else { return }
                entries.byID.removeValue(forKey: oldest.key)
            }
        }
    }
}
