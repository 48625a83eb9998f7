import Foundation

/// Where Panda keeps what must survive a restart: connections (secrets sealed before
/// they get here), deployments and their append-only event histories.
///
/// The engine's actors keep their roles (registry, LRU, orchestrator) and write through
/// this protocol; nothing else in the engine knows which database is behind it. Calls are
/// synchronous and short (an embedded database answers in microseconds); every write is
/// durable when the call returns. SQLite is the default backend (``SQLiteStore``); the
/// README describes the PostgreSQL backend that can follow.
public protocol Store: Sendable {
    // MARK: Metadata (schema version, the key check)
    func metadata(_ key: String) throws(StorageError) -> Data?
    func setMetadata(_ key: String, _ value: Data) throws(StorageError)

    // MARK: Connections
    func saveConnection(_ record: ConnectionRecord) throws(StorageError)
    /// Removes the connection and its sealed secrets.
    func deleteConnection(_ id: String) throws(StorageError)
    func connections() throws(StorageError) -> [ConnectionRecord]

    // MARK: Deployments
    /// Inserts or replaces the deployment's row (never its events).
    func saveDeployment(_ record: DeploymentRecord) throws(StorageError)
    /// Every deployment, in the order they were accepted.
    func deployments() throws(StorageError) -> [DeploymentRecord]
    /// Marks a use for the least-recently-used order.
    func touchDeployment(_ id: String, lastUse: Int) throws(StorageError)
    /// Removes the deployment and its whole event history.
    func deleteDeployment(_ id: String) throws(StorageError)

    // MARK: Events
    /// Appends one event; `sequence` is 1 for a deployment's first event and grows by one.
    func appendEvent(_ event: DeploymentEvent, sequence: Int, deploymentID: String) throws(StorageError)
    /// Up to `limit` events after `sequence`, in order.
    func events(of deploymentID: String, after sequence: Int, limit: Int) throws(StorageError) -> [SequencedEvent]
    /// The sequence number of the event with this id, if the deployment has it.
    func sequence(ofEvent eventID: String, in deploymentID: String) throws(StorageError) -> Int?
}

/// An event with its place in its deployment's history (1-based).
public struct SequencedEvent: Sendable, Equatable {
    public let sequence: Int
    public let event: DeploymentEvent
}

/// A connection as stored: what may be shown in the clear, and the secrets sealed.
public struct ConnectionRecord: Sendable, Equatable {
    public enum Kind: String, Sendable { case github, aws }

    public let id: String
    public let kind: Kind
    public let createdAt: Date
    /// JSON of the connection's non-secret fields.
    public let details: Data
    /// AES-GCM sealed JSON of the secrets (``SecretSealer``).
    public let sealedSecrets: Data
}

/// A deployment as stored: the request by connection ids (never the secrets), its state,
/// what it learned and how it ended.
public struct DeploymentRecord: Sendable, Equatable {
    public var id: String
    public var kind: String
    public var owner: String
    public var repo: String
    public var branch: String
    public var githubConnectionID: String
    public var awsConnectionID: String
    /// Teardown only: the ECR repository goes too.
    public var deleteImages: Bool
    public var status: DeploymentStatus
    public var currentStage: Int?
    public var acceptedAt: Date
    public var startedAt: Date?
    public var completedAt: Date?
    public var facts: DeploymentFacts
    public var failure: DeploymentFailure?
    public var stageTimings: [StageTiming]
    public var eventCount: Int
    public var lastUse: Int
}
