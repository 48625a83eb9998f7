import Logging
import Synchronization

/// The last `capacity` deployments, least recently used evicted first, kept in memory for
/// quick answers and in the store to survive a restart. Only finished deployments are
/// evicted; evicting one deletes it and its event history from the store.
///
/// The actor decides what is kept; lookups need no hop to it: `lookup` reads the entries
/// under a lock from any thread (the HTTP server answers result polls on its own thread)
/// and never touches the disk: the uses it counts are written to the store with the next
/// insert (or ``flushUses()``), so the order survives a restart without a write per poll.
actor ResultStore {
    private let capacity: Int
    private let store: any Store
    private nonisolated let entries = Mutex(Entries())
    private let logger = Logger(label: "panda.storage")

    private struct Entries {
        var byID: [String: (deployment: Deployment, lastUse: Int)] = [:]
        var clock = 0
        /// Uses counted since they were last written to the store.
        var unsaved: Set<String> = []

        mutating func touch(_ id: String) -> Deployment? {
            guard let entry = byID[id] else { return nil }
            clock += 1
            byID[id] = (entry.deployment, clock)
            unsaved.insert(id)
            return entry.deployment
        }
    }

    init(capacity: Int, store: any Store) {
        self.capacity = capacity
        self.store = store
    }

    func insert(_ deployment: Deployment) {
        entries.withLock { entries in
            entries.clock += 1
            entries.byID[deployment.id] = (deployment, entries.clock)
            entries.unsaved.insert(deployment.id)
        }
        flushUses()
        evictIfNeeded()
    }

    /// A deployment read back from the store, with the use it last had.
    func restore(_ deployment: Deployment, lastUse: Int) {
        entries.withLock { entries in
            entries.clock = max(entries.clock, lastUse)
            entries.byID[deployment.id] = (deployment, lastUse)
        }
    }

    /// Inserts the deployment, unless `unlessBusy` and another deployment of the same
    /// application is queued or running: then answers that one and inserts nothing.
    func insert(_ deployment: Deployment, unlessBusy: Bool) -> Deployment? {
        if unlessBusy, let busy = active(forApplication: deployment.request?.applicationKey ?? "") {
            return busy
        }
        insert(deployment)
        return nil
    }

    /// A queued or running deployment of the application with this key, if any.
    func active(forApplication key: String) -> Deployment? {
        entries.withLock { entries in
            entries.byID.values.map(\.deployment).first { !$0.status.isTerminal && $0.request?.applicationKey == key }
        }
    }

    /// A deployment the scheduler refused (queue full) is forgotten again.
    func remove(_ id: String) {
        entries.withLock { entries in
            entries.byID.removeValue(forKey: id)
            entries.unsaved.remove(id)
        }
    }

    /// Looks a deployment up and counts that as a use.
    func get(_ id: String) -> Deployment? {
        lookup(id)
    }

    /// `get` without waiting for the actor: any thread, never suspends, never writes.
    nonisolated func lookup(_ id: String) -> Deployment? {
        entries.withLock { $0.touch(id) }
    }

    var count: Int { entries.withLock { $0.byID.count } }

    /// A page of the stored deployments, newest first; listing does not count as a use.
    /// Every stored deployment is here (restored at start), so the list survives a restart.
    func list(_ query: DeploymentListQuery) -> DeploymentPage {
        DeploymentPage.of(entries.withLock { $0.byID.values.map { DeploymentSummary($0.deployment) } }, query)
    }

    /// Writes the uses counted since the last write to the store.
    func flushUses() {
        let uses = entries.withLock { entries -> [(String, Int)] in
            defer { entries.unsaved = [] }
            return entries.unsaved.compactMap { id in entries.byID[id].map { (id, $0.lastUse) } }
        }
        for (id, use) in uses {
            do {
                try store.touchDeployment(id, lastUse: use)
            } catch {
                logger.warning("use of a deployment not stored", metadata: ["deploymentId": "\(id)", "error": "\(error.message)"])
            }
        }
    }

    func evictIfNeeded() {
        let evicted = entries.withLock { entries -> [String] in
            guard entries.byID.count > capacity else { return [] }
            // Oldest use first; only finished deployments may go.
            let candidates = entries.byID.filter { $0.value.deployment.status.isTerminal }.sorted { $0.value.lastUse < $1.value.lastUse }
            let ids = candidates.prefix(entries.byID.count - capacity).map(\.key)
            for id in ids {
                entries.byID.removeValue(forKey: id)
                entries.unsaved.remove(id)
            }
            return ids
        }
        for id in evicted {
            do {
                try store.deleteDeployment(id)
            } catch {
                logger.error("evicted deployment not deleted from the store", metadata: ["deploymentId": "\(id)", "error": "\(error.message)"])
            }
        }
    }
}
