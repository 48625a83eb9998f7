import Foundation

/// A store that tells ``Readiness`` when it cannot write: a failed write (a full disk, a
/// broken file) makes Panda unready under `storage`. Only ``probe()`` makes it ready again:
/// on a nearly full disk small writes still pass while a new deployment's do not, and
/// readiness must not flap with them. Reads pass through.
struct ReadinessReportingStore: Store {
    static let component = "storage"
    private static let probeKey = "readinessProbe"

    let base: any Store
    let readiness: Readiness

    /// Writes a metadata row of a deployment's usual size, then empties it: ready again when
    /// both pass.
    func probe() {
        do {
            try base.setMetadata(Self.probeKey, Data(count: 64 * 1024))
            try base.setMetadata(Self.probeKey, Data())
            readiness.set(Self.component, notReadyBecause: nil)
        } catch {
            readiness.set(Self.component, notReadyBecause: error.message)
        }
    }

    private func write<Result>(_ body: () throws(StorageError) -> Result) throws(StorageError) -> Result {
        do {
            return try body()
        } catch {
            readiness.set(Self.component, notReadyBecause: error.message)
            throw error
        }
    }

    func metadata(_ key: String) throws(StorageError) -> Data? { try base.metadata(key) }
    func setMetadata(_ key: String, _ value: Data) throws(StorageError) { try write { () throws(StorageError) in try base.setMetadata(key, value) } }

    func saveConnection(_ record: ConnectionRecord) throws(StorageError) { try write { () throws(StorageError) in try base.saveConnection(record) } }
    func deleteConnection(_ id: String) throws(StorageError) { try write { () throws(StorageError) in try base.deleteConnection(id) } }
    func connections() throws(StorageError) -> [ConnectionRecord] { try base.connections() }

    func saveDeployment(_ record: DeploymentRecord) throws(StorageError) { try write { () throws(StorageError) in try base.saveDeployment(record) } }
    func deployments() throws(StorageError) -> [DeploymentRecord] { try base.deployments() }
    func touchDeployment(_ id: String, lastUse: Int) throws(StorageError) {
        try write { () throws(StorageError) in try base.touchDeployment(id, lastUse: lastUse) }
    }
    func deleteDeployment(_ id: String) throws(StorageError) { try write { () throws(StorageError) in try base.deleteDeployment(id) } }

    func appendEvent(_ event: DeploymentEvent, sequence: Int, deploymentID: String) throws(StorageError) {
        try write { () throws(StorageError) in try base.appendEvent(event, sequence: sequence, deploymentID: deploymentID) }
    }
    func events(of deploymentID: String, after sequence: Int, limit: Int) throws(StorageError) -> [SequencedEvent] {
        try base.events(of: deploymentID, after: sequence, limit: limit)
    }
    func sequence(ofEvent eventID: String, in deploymentID: String) throws(StorageError) -> Int? {
        try base.sequence(ofEvent: eventID, in: deploymentID)
    }
}

extension Storage {
    /// This storage, with a failed write making `readiness` count the store as unfit; while
    /// it does, each readiness probe tries a write of a deployment's size.
    public func reportingWrites(to readiness: Readiness) -> Storage {
        let reporting = ReadinessReportingStore(base: store, readiness: readiness)
        readiness.onRecheck(ReadinessReportingStore.component) { reporting.probe() }
        return Storage(store: reporting, sealer: sealer)
    }
}
