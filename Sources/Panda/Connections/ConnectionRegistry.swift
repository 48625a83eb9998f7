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
        try save(.github(connection))
        entries[connection.id] = .github(connection)
    }

    public func add(_ connection: AWSConnection) throws(StorageError) {
        try save(.aws(connection))
        entries[connection.id] = .aws(connection)
    }

    public func github(_ id: String) -> GitHubConnection? {
        if case .github(let connection) = entries[id] { connection } else { nil }
    }

    public func aws(_ id: String) -> AWSConnection? {
        if case .aws(let connection) = entries[id] { connection } else { nil }
    }

    public func all() -> [Entry] { Array(entries.values) }

    public var count: Int { entries.count }

    /// Adds `entry` under `id`, stored first, unless `limit` connections are already kept; returns whether it did.
    func add(_ entry: Entry, id: String, limit: Int) throws(StorageError) -> Bool {
        guard entries.count < limit else { return false }
        try save(entry)
        entries[id] = entry
        return true
    }

    private func save(_ entry: Entry) throws(StorageError) {
        switch entry {
        case .github(let connection): try storage.store.saveConnection(ConnectionRecord(connection, sealer: storage.sealer))
        case .aws(let connection): try storage.store.saveConnection(ConnectionRecord(connection, sealer: storage.sealer))
        }
    }

    /// Removes the connection and its sealed secrets from the store. Returns whether it existed.
    @discardableResult
    public func remove(_ id: String) throws(StorageError) -> Bool {
        guard entries[id] != nil else { return false }
        try storage.store.deleteConnection(id)
        entries.removeValue(forKey: id)
        return true
    }
}
