import Foundation

/// The default ``Store``: one SQLite file in WAL mode (readers never wait for the writer),
/// with a writer connection and a reader connection, each used by one caller at a time.
public final class SQLiteStore: Store {
    public static let fileName = "panda.db"
    private static let schemaVersion = 1

    private let writer: LockedDatabase
    /// The writer itself for an in-memory database, whose one connection serves both.
    private let reader: LockedDatabase
    public let path: String

    /// Opens (creating when needed) `panda.db` in `directory`; the file is created 0600.
    public convenience init(directory: String) throws(StorageError) {
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        // SQLite gives its -wal and -shm files the database file's mode, so create it private first.
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StorageError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        try self.init(path: path)
    }

    /// A private database that lives as long as this value (tests, and Panda embedded in tests).
    public static func inMemory() -> SQLiteStore {
        do {
            return try SQLiteStore(path: ":memory:")
        } catch {
            fatalError("an in-memory SQLite database could not be opened: \(error)")
        }
    }

    private init(path: String) throws(StorageError) {
        self.path = path
        let writing = try SQLiteDatabase(path: path)
        let memory = path == ":memory:"
        if !memory {
            let mode = try writing.query("PRAGMA journal_mode=WAL").first?.first?.string
            guard mode == "wal" else { throw StorageError("\(path): WAL mode is not available (got \(mode ?? "nothing"))") }
        }
        try writing.execute("""
            PRAGMA synchronous=NORMAL;
            PRAGMA foreign_keys=ON;
            CREATE TABLE IF NOT EXISTS metadata (
                key TEXT PRIMARY KEY,
                value BLOB NOT NULL
            );
            CREATE TABLE IF NOT EXISTS connections (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                created_at REAL NOT NULL,
                details BLOB NOT NULL,
                sealed_secrets BLOB NOT NULL
            );
            CREATE TABLE IF NOT EXISTS deployments (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                owner TEXT NOT NULL,
                repo TEXT NOT NULL,
                branch TEXT NOT NULL,
                github_connection_id TEXT NOT NULL,
                aws_connection_id TEXT NOT NULL,
                delete_images INTEGER NOT NULL DEFAULT 0,
                status TEXT NOT NULL,
                current_stage INTEGER,
                accepted_at REAL NOT NULL,
                started_at REAL,
                completed_at REAL,
                facts BLOB NOT NULL,
                failure BLOB,
                stage_timings BLOB NOT NULL,
                last_use INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS events (
                deployment_id TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                event_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                timestamp REAL NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (deployment_id, sequence)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS events_by_id ON events (deployment_id, event_id);
            INSERT OR IGNORE INTO metadata (key, value) VALUES ('schemaVersion', \(Self.schemaVersion));
            """)
        writer = LockedDatabase(writing)
        if memory {
            reader = writer
        } else {
            let reading = try SQLiteDatabase(path: path)
            try reading.execute("PRAGMA query_only=ON")
            reader = LockedDatabase(reading)
        }
    }

    // MARK: Metadata

    public func metadata(_ key: String) throws(StorageError) -> Data? {
        try read { database throws(StorageError) in
            try database.query("SELECT value FROM metadata WHERE key = ?", [.text(key)]).first?.first?.bytes.map { Data($0) }
        }
    }

    public func setMetadata(_ key: String, _ value: Data) throws(StorageError) {
        try write { database throws(StorageError) in
            try database.query("INSERT INTO metadata (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               [.text(key), .blob(Array(value))])
        }
    }

    // MARK: Connections

    public func saveConnection(_ record: ConnectionRecord) throws(StorageError) {
        try write { database throws(StorageError) in
            try database.query("""
                INSERT INTO connections (id, kind, created_at, details, sealed_secrets) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, created_at = excluded.created_at,
                    details = excluded.details, sealed_secrets = excluded.sealed_secrets
                """, [.text(record.id), .text(record.kind.rawValue), .real(record.createdAt.timeIntervalSinceReferenceDate),
                      .blob(Array(record.details)), .blob(Array(record.sealedSecrets))])
        }
    }

    public func deleteConnection(_ id: String) throws(StorageError) {
        try write { database throws(StorageError) in
            try database.query("DELETE FROM connections WHERE id = ?", [.text(id)])
        }
    }

    public func connections() throws(StorageError) -> [ConnectionRecord] {
        try read { database throws(StorageError) in
            try database.query("SELECT id, kind, created_at, details, sealed_secrets FROM connections ORDER BY created_at, id")
                .compactMap { row in
                    guard let id = row[0].string, let kind = row[1].string.flatMap(ConnectionRecord.Kind.init),
                          let created = row[2].double, let details = row[3].bytes, let sealed = row[4].bytes else { return nil }
                    return ConnectionRecord(id: id, kind: kind, createdAt: Date(timeIntervalSinceReferenceDate: created),
                                            details: Data(details), sealedSecrets: Data(sealed))
                }
        }
    }

    // MARK: Deployments

    public func saveDeployment(_ record: DeploymentRecord) throws(StorageError) {
        let facts = try Self.encode(record.facts)
        let failure = try record.failure.map { failure throws(StorageError) in try Self.encode(failure) }
        let timings = try Self.encode(record.stageTimings)
        try write { database throws(StorageError) in
            try database.query("""
                INSERT INTO deployments (id, kind, owner, repo, branch, github_connection_id, aws_connection_id, status,
                    current_stage, accepted_at, started_at, completed_at, facts, failure, stage_timings, last_use, delete_images)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, status = excluded.status,
                    current_stage = excluded.current_stage, started_at = excluded.started_at,
                    completed_at = excluded.completed_at, facts = excluded.facts, failure = excluded.failure,
                    stage_timings = excluded.stage_timings, last_use = max(last_use, excluded.last_use)
                """, [
                    .text(record.id), .text(record.kind), .text(record.owner), .text(record.repo), .text(record.branch),
                    .text(record.githubConnectionID), .text(record.awsConnectionID), .text(record.status.rawValue),
                    .integer(record.currentStage), .real(record.acceptedAt.timeIntervalSinceReferenceDate),
                    .real(record.startedAt?.timeIntervalSinceReferenceDate), .real(record.completedAt?.timeIntervalSinceReferenceDate),
                    .blob(facts), failure.map(SQLiteDatabase.Value.blob) ?? .null, .blob(timings), .integer(record.lastUse),
                    .integer(record.deleteImages ? 1 : 0),
                ])
        }
    }

    public func deployments() throws(StorageError) -> [DeploymentRecord] {
        let rows = try read { database throws(StorageError) in
            try database.query("""
                SELECT id, kind, owner, repo, branch, github_connection_id, aws_connection_id, status, current_stage,
                    accepted_at, started_at, completed_at, facts, failure, stage_timings, last_use,
                    (SELECT COALESCE(MAX(sequence), 0) FROM events WHERE deployment_id = deployments.id), delete_images
                FROM deployments ORDER BY rowid
                """)
        }
        return try rows.map { row throws(StorageError) in
            guard let id = row[0].string, let status = row[7].string.flatMap(DeploymentStatus.init),
                  let accepted = row[9].double else {
                throw StorageError("a deployment row is damaged")
            }
            return DeploymentRecord(
                id: id, kind: row[1].string ?? "DEPLOY", owner: row[2].string ?? "", repo: row[3].string ?? "",
                branch: row[4].string ?? "", githubConnectionID: row[5].string ?? "", awsConnectionID: row[6].string ?? "",
                deleteImages: (row[17].int ?? 0) != 0, status: status, currentStage: row[8].int, acceptedAt: Date(timeIntervalSinceReferenceDate: accepted),
                startedAt: row[10].double.map(Date.init(timeIntervalSinceReferenceDate:)),
                completedAt: row[11].double.map(Date.init(timeIntervalSinceReferenceDate:)),
                facts: try Self.decode(DeploymentFacts.self, row[12].bytes),
                failure: try row[13].bytes.map { bytes throws(StorageError) in try Self.decode(DeploymentFailure.self, bytes) },
                stageTimings: try Self.decode([StageTiming].self, row[14].bytes),
                eventCount: row[16].int ?? 0, lastUse: row[15].int ?? 0)
        }
    }

    public func touchDeployment(_ id: String, lastUse: Int) throws(StorageError) {
        try write { database throws(StorageError) in
            try database.query("UPDATE deployments SET last_use = ? WHERE id = ?", [.integer(lastUse), .text(id)])
        }
    }

    public func deleteDeployment(_ id: String) throws(StorageError) {
        try write { database throws(StorageError) in
            try database.transaction { () throws(StorageError) in
                try database.query("DELETE FROM events WHERE deployment_id = ?", [.text(id)])
                try database.query("DELETE FROM deployments WHERE id = ?", [.text(id)])
            }
        }
    }

    // MARK: Events

    public func appendEvent(_ event: DeploymentEvent, sequence: Int, deploymentID: String) throws(StorageError) {
        try write { database throws(StorageError) in
            try database.query(
                "INSERT INTO events (deployment_id, sequence, event_id, kind, timestamp, data) VALUES (?, ?, ?, ?, ?, ?)",
                [.text(deploymentID), .integer(sequence), .text(event.id), .text(event.kind.rawValue),
                 .real(event.timestamp.timeIntervalSinceReferenceDate), .text(event.data)])
        }
    }

    public func events(of deploymentID: String, after sequence: Int, limit: Int) throws(StorageError) -> [SequencedEvent] {
        try read { database throws(StorageError) in
            try database.query("""
                SELECT sequence, event_id, kind, timestamp, data FROM events
                WHERE deployment_id = ? AND sequence > ? ORDER BY sequence LIMIT ?
                """, [.text(deploymentID), .integer(sequence), .integer(limit)])
                .compactMap { row in
                    guard let number = row[0].int, let id = row[1].string, let kind = row[2].string.flatMap(DeploymentEvent.Kind.init),
                          let timestamp = row[3].double, let data = row[4].string else { return nil }
                    return SequencedEvent(sequence: number, event: DeploymentEvent(
                        id: id, kind: kind, timestamp: Date(timeIntervalSinceReferenceDate: timestamp), data: data))
                }
        }
    }

    public func sequence(ofEvent eventID: String, in deploymentID: String) throws(StorageError) -> Int? {
        try read { database throws(StorageError) in
            try database.query("SELECT sequence FROM events WHERE deployment_id = ? AND event_id = ?",
                               [.text(deploymentID), .text(eventID)]).first?.first?.int
        }
    }

    // MARK: Plumbing

    @discardableResult
    private func write<Result>(_ body: (SQLiteDatabase) throws(StorageError) -> Result) throws(StorageError) -> Result {
        try writer.use(body)
    }

    private func read<Result>(_ body: (SQLiteDatabase) throws(StorageError) -> Result) throws(StorageError) -> Result {
        try reader.use(body)
    }

    private static func encode<Value: Encodable>(_ value: Value) throws(StorageError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(value))
        } catch {
            throw StorageError("cannot encode \(Value.self)")
        }
    }

    private static func decode<Value: Decodable>(_ type: Value.Type, _ bytes: [UInt8]?) throws(StorageError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes ?? []))
        } catch {
            throw StorageError("a stored \(Value.self) is damaged")
        }
    }
}
