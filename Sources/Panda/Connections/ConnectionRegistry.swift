/// Every connection: in memory for use, and in the store with its secrets sealed, so
/// they survive a restart. A write the store refuses leaves the registry as it was.
public actor ConnectionRegistry {
    public enum Entry: Sendable {
        case github(GitHubConnection)
        case aws(AWSConnection)

        var id: String {
            switch self {
            case .github(let connection): connection.id
            case .aws(let connection): connection.id
            }
        }
    }

    private var entries: [String: Entry] = [:]
    /// Shared with the deployments, so connections and deployments live in one store.
    public nonisolated let storage: Storage

    public init(storage: Storage = .inMemory()) {
        self.storage = storage
    }

    /// Loads what the store holds; a key that does not open a stored secret stops here.
    public func restore() throws -> Int {
        for record in try storage.store.connections() {
            let entry = try record.connection(sealer: storage.sealer)
            entries[entry.id] = entry
        }
        return entries.count
    }

    public func add(_ connection: GitHubConnection) throws(StorageError) {
        try storage.store.saveConnection(ConnectionRecord(connection, sealer: storage.sealer))
        entries[connection.id] = .github(connection)
    }

    public func add(_ connection: AWSConnection) throws(StorageError) {
        try storage.store.saveConnection(ConnectionRecord(connection, sealer: storage.sealer))
        entries[connection.id] = .aws(connection)
    }

    public func github(_ id: String) -> GitHubConnection? {
        if case .github(let connection) = entries[id] { connection } else { nil }
    }

    public func aws(_ id: String) -> AWSConnection? {
        if case .aws(let connection) = entries[id] { connection } else { nil }
    }

    public func all() -> [Entry] { Array(entries.values) }

    /// Removes the connection and its sealed secrets from the store. Returns whether it existed.
    @discardableResult
    public func remove(_ id: String) throws(StorageError) -> Bool {
        guard entries[id] != nil else { return false }
        try storage.store.deleteConnection(id)
        entries.removeValue(forKey: id)
        return true
    }
}
