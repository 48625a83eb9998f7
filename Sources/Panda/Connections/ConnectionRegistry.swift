/// Every connection, in memory only: secrets never touch the disk.
public actor ConnectionRegistry {
    public enum Entry: Sendable {
        case github(GitHubConnection)
        case aws(AWSConnection)
    }

    private var entries: [String: Entry] = [:]

    public init() {}

    public func add(_ connection: GitHubConnection) { entries[connection.id] = .github(connection) }
    public func add(_ connection: AWSConnection) { entries[connection.id] = .aws(connection) }

    public func github(_ id: String) -> GitHubConnection? {
        if case .github(let connection) = entries[id] { connection } else { nil }
    }

    public func aws(_ id: String) -> AWSConnection? {
        if case .aws(let connection) = entries[id] { connection } else { nil }
    }

    public func all() -> [Entry] { Array(entries.values) }

    public var count: Int { entries.count }

    /// Adds `entry` under `id` unless `limit` connections are already kept; returns whether it did.
    func add(_ entry: Entry, id: String, limit: Int) -> Bool {
        guard entries.count < limit else { return false }
        entries[id] = entry
        return true
    }

    /// Returns whether something was removed.
    @discardableResult
    public func remove(_ id: String) -> Bool { entries.removeValue(forKey: id) != nil }
}
