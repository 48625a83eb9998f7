import Foundation
import Logging
import Synchronization

public enum DeploymentStatus: String, Sendable, Codable, CaseIterable {
    case queued = "QUEUED"
    case inProgress = "IN_PROGRESS"
    case completed = "COMPLETED"
    case failed = "FAILED"

    public var isTerminal: Bool { self == .completed || self == .failed }
}

/// What a deployment learned and measured on its way; `nil` means not (yet) known, never guessed.
public struct DeploymentFacts: Sendable, Equatable, Codable {
    public var imageName: String?
    /// `repository:tag` of the image built locally.
    public var localImage: String?
    public var imageURI: String?
    public var imageDigest: String?
    /// The Dockerfile's first `EXPOSE`, when it has one.
    public var containerPort: Int?
    public var commitSHA: String?
    public var finalService: String?
    public var blueURL: String?
    public var greenURL: String?
    public var blueLatencyMs: Int?
    public var greenLatencyMs: Int?
    public var blueErrorRate: Double?
    public var greenErrorRate: Double?
    /// The slot (`a`/`b`) a traffic switch meant production to forward to, recorded before the
    /// first listener changed.
    public var intendedProductionSlot: String?
    /// Teardown: what it found to delete, and what it deleted so far (or found already gone).
    public var teardownResources: [AppResource]?
    public var removedResources: [AppResource]?

    public init() {}
}

/// Wall time of one stage, and how much of it child processes took.
public struct StageTiming: Sendable, Equatable, Codable {
    public let stage: Int
    public let name: String
    public var wallTime: Duration
    public var childProcessTime: Duration
    public var childProcessCount: Int
    /// The same, per tool (`git`, `docker`, `aws`, `curl`, `other`).
    public var childProcessesByTool: [String: ToolTime] = [:]
    /// The part of the wall time in which the stage awaited something outside Panda: at least
    /// one child process running, or a deliberate pause (poll interval, probe spacing, backoff).
    /// Concurrent waits count once, so `wallTime - awaitedTime` is Panda's own time.
    public var awaitedTime = Duration.zero

    public struct ToolTime: Sendable, Equatable, Codable {
        public var count = 0
        public var time = Duration.zero
    }

    public init(stage: Int, name: String, wallTime: Duration = .zero, childProcessTime: Duration = .zero,
                childProcessCount: Int = 0, awaitedTime: Duration = .zero) {
        self.stage = stage
        self.name = name
        self.wallTime = wallTime
        self.childProcessTime = childProcessTime
        self.childProcessCount = childProcessCount
        self.awaitedTime = awaitedTime
    }

    private enum CodingKeys: String, CodingKey {
        case stage, name, wallTime, childProcessTime, childProcessCount, childProcessesByTool, awaitedTime
    }

    /// Timings stored before a field existed read it as zero.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        stage = try container.decode(Int.self, forKey: .stage)
        name = try container.decode(String.self, forKey: .name)
        wallTime = try container.decode(Duration.self, forKey: .wallTime)
        childProcessTime = try container.decode(Duration.self, forKey: .childProcessTime)
        childProcessCount = try container.decode(Int.self, forKey: .childProcessCount)
        childProcessesByTool = try container.decodeIfPresent([String: ToolTime].self, forKey: .childProcessesByTool) ?? [:]
        awaitedTime = try container.decodeIfPresent(Duration.self, forKey: .awaitedTime) ?? .zero
    }
}

public struct DeploymentFailure: Sendable, Equatable, Codable {
    public let message: String
    public let errorCode: ErrorCode
    public let stage: Int?
    public var durationSeconds: Int?
    public var timeoutSeconds: Int?

    /// Stopped by `POST …/cancel`, in `stage` or (`nil`) while still queued.
    static func cancelled(at stage: Int?) -> DeploymentFailure {
        DeploymentFailure(message: "Deployment failed: Deployment cancelled by request", errorCode: .deploymentCancelled, stage: stage)
    }

    /// Panda stopped (or crashed) while the deployment ran; found so at the next start.
    static func interrupted(at stage: Int?) -> DeploymentFailure {
        DeploymentFailure(message: "Deployment failed: Deployment interrupted: Panda stopped while it was running",
                          errorCode: .deploymentInterrupted, stage: stage)
    }
}

/// A consistent copy of a deployment's state at one moment.
public struct DeploymentSnapshot: Sendable {
    public let id: String
    public let owner: String
    public let repo: String
    public let branch: String
    public let status: DeploymentStatus
    public let currentStage: Int?
    public let acceptedAt: Date
    public let startedAt: Date?
    public let completedAt: Date?
    public let facts: DeploymentFacts
    public let failure: DeploymentFailure?
    public let eventCount: Int
    public let stageTimings: [StageTiming]
    public let queuePosition: Int?

    public var durationSeconds: Int {
        let end = completedAt ?? Date()
        return max(0, Int((end.timeIntervalSince(startedAt ?? acceptedAt)).rounded()))
    }
}

/// One deployment: what was asked, its live state and its event log. Every change of
/// state is written through to the store, so a restart finds it as it was.
public final class Deployment: Sendable {
    public let id: String
    public let target: DeploymentTarget
    public let log: EventLog
    public var kind: DeploymentKind { target.kind }

    private struct State {
        var status = DeploymentStatus.queued
        var currentStage: Int?
        var acceptedAt = Date()
        var startedAt: Date?
        var completedAt: Date?
        var facts = DeploymentFacts()
        var failure: DeploymentFailure?
        var stageTimings: [StageTiming] = []
        /// What the running stage awaits now (child processes and pauses), and since when;
        /// the interval is counted to the stage when the last one ends or the stage is left.
        var awaiting = (count: 0, since: ContinuousClock.now, stageOpen: false)
        var queuePosition: Int?
        var cancelRequested = false
        /// The connections with their secrets; dropped when the deployment ends.
        var request: DeploymentRequest?
    }

    private let state: Mutex<State>
    private let store: any Store
    /// Serializes writes to the store so the last one written is the newest state.
    private let persisting = Mutex(())
    private static let logger = Logger(label: "panda.storage")

    init(id: String, request: DeploymentRequest, kind: DeploymentKind = .deploy, store: any Store,
         limits: EventLog.Limits = EventLog.Limits()) {
        self.id = id
        target = DeploymentTarget(request, kind: kind)
        self.store = store
        log = EventLog(deploymentID: id, store: store, limits: limits)
        var initial = State()
        initial.request = request
        state = Mutex(initial)
    }

    /// A deployment read back from the store; its connections are attached by ``attach(_:)`` if it is to run.
    init(restoring record: DeploymentRecord, store: any Store, limits: EventLog.Limits, lastEvent: SequencedEvent?) {
        id = record.id
        target = DeploymentTarget(owner: record.owner, repo: record.repo, branch: record.branch,
                                  githubConnectionID: record.githubConnectionID, awsConnectionID: record.awsConnectionID,
                                  kind: DeploymentKind(rawValue: record.kind) ?? .deploy, deleteImages: record.deleteImages)
        self.store = store
        log = EventLog(restoring: record.id, store: store, limits: limits, count: record.eventCount, last: lastEvent)
        var restored = State()
        restored.status = record.status
        restored.currentStage = record.currentStage
        restored.acceptedAt = record.acceptedAt
        restored.startedAt = record.startedAt
        restored.completedAt = record.completedAt
        restored.facts = record.facts
        restored.failure = record.failure
        restored.stageTimings = record.stageTimings
        state = Mutex(restored)
    }

    /// The request with its connections while the deployment may still run; `nil` after.
    public var request: DeploymentRequest? { state.withLock { $0.request } }

    func attach(_ request: DeploymentRequest) {
        state.withLock { $0.request = request }
    }

    /// The stored form of this deployment now.
    func record(lastUse: Int = 0) -> DeploymentRecord {
        let eventCount = log.count
        return state.withLock { state in
            DeploymentRecord(
                id: id, kind: target.kind.rawValue, owner: target.owner, repo: target.repo, branch: target.branch,
                githubConnectionID: target.githubConnectionID, awsConnectionID: target.awsConnectionID,
                deleteImages: target.deleteImages, status: state.status, currentStage: state.currentStage, acceptedAt: state.acceptedAt,
                startedAt: state.startedAt, completedAt: state.completedAt, facts: state.facts, failure: state.failure,
                stageTimings: state.stageTimings, eventCount: eventCount, lastUse: lastUse)
        }
    }

    /// Writes the current state to the store; throws only for the caller that must refuse (the first write).
    func persist() throws(StorageError) {
        try persisting.withLock { _ throws(StorageError) in try store.saveDeployment(record()) }
    }

    private func persistLogging() {
        do {
            try persist()
        } catch {
            Self.logger.error("deployment state not stored", metadata: ["deploymentId": "\(id)", "error": "\(error.message)"])
        }
    }

    public func snapshot() -> DeploymentSnapshot {
        let eventCount = log.count
        return state.withLock { state in
            DeploymentSnapshot(
                id: id, owner: target.owner, repo: target.repo, branch: target.branch,
                status: state.status, currentStage: state.currentStage,
                acceptedAt: state.acceptedAt, startedAt: state.startedAt, completedAt: state.completedAt,
                facts: state.facts, failure: state.failure, eventCount: eventCount,
                stageTimings: state.stageTimings, queuePosition: state.queuePosition)
        }
    }

    /// The snapshot of a deployment that is over, terminal event included: it never
    /// changes again, so it may be kept (and its rendering with it). `nil` until then.
    public func finalSnapshot() -> DeploymentSnapshot? {
        let snapshot = snapshot()
        // `finish` records the outcome before it logs the terminal event: a snapshot taken
        // in between counts one event too few.
        guard snapshot.status.isTerminal, log.hasEnded, log.count == snapshot.eventCount else { return nil }
        return snapshot
    }

    public var status: DeploymentStatus { state.withLock { $0.status } }
    public var facts: DeploymentFacts { state.withLock { $0.facts } }
    var isCancelRequested: Bool { state.withLock { $0.cancelRequested } }

    // MARK: Transitions, made by the engine only

    func updateFacts(_ update: (inout DeploymentFacts) -> Void) {
        state.withLock { update(&$0.facts) }
        persistLogging()
    }

    /// Returns the position when it changed, so a queue event is published only then.
    func setQueuePosition(_ position: Int) -> Bool {
        state.withLock { state in
            guard state.queuePosition != position else { return false }
            state.queuePosition = position
            return true
        }
    }

    func markStarted() {
        state.withLock { state in
            state.status = .inProgress
            state.startedAt = Date()
            state.queuePosition = nil
        }
        persistLogging()
    }

    func enterStage(_ stage: any Stage) {
        state.withLock { state in
            state.currentStage = stage.number
            state.stageTimings.append(StageTiming(stage: stage.number, name: stage.name))
            state.awaiting.stageOpen = true
            state.awaiting.since = .now
        }
        persistLogging()
    }

    /// Something outside Panda is being awaited (a child process, a pause) until `endAwaiting`.
    func beginAwaiting() {
        state.withLock { state in
            if state.awaiting.count == 0 { state.awaiting.since = .now }
            state.awaiting.count += 1
        }
    }

    /// The wait `beginAwaiting` started is over; a child process's run (`duration`, `tool`)
    /// is counted to the running stage at the same time.
    func endAwaiting(childProcess: (duration: Duration, tool: String)? = nil) {
        state.withLock { state in
            if let childProcess, !state.stageTimings.isEmpty {
                let last = state.stageTimings.count - 1
                state.stageTimings[last].childProcessTime += childProcess.duration
                state.stageTimings[last].childProcessCount += 1
                state.stageTimings[last].childProcessesByTool[childProcess.tool, default: .init()].count += 1
                state.stageTimings[last].childProcessesByTool[childProcess.tool, default: .init()].time += childProcess.duration
            }
            state.awaiting.count -= 1
            if state.awaiting.count == 0 { Self.countAwaited(&state) }
        }
    }

    /// Adds the open awaiting interval to the running stage; what runs past its end is not its time.
    private static func countAwaited(_ state: inout State) {
        guard state.awaiting.stageOpen, !state.stageTimings.isEmpty else { return }
        let now = ContinuousClock.now
        state.stageTimings[state.stageTimings.count - 1].awaitedTime += now - state.awaiting.since
        state.awaiting.since = now
    }

    func leaveStage(wallTime: Duration) {
        state.withLock { state in
            guard !state.stageTimings.isEmpty else { return }
            if state.awaiting.count > 0 { Self.countAwaited(&state) }
            state.awaiting.stageOpen = false
            state.stageTimings[state.stageTimings.count - 1].wallTime = wallTime
        }
        persistLogging()
    }

    /// Marks a cancel request; returns false when the deployment had already finished.
    func requestCancel() -> Bool {
        state.withLock { state in
            guard !state.status.isTerminal else { return false }
            state.cancelRequested = true
            return true
        }
    }

    /// Publishes the terminal event and records the outcome, once.
    func finish(failure: DeploymentFailure?) {
        let finished = state.withLock { state -> Bool in
            guard !state.status.isTerminal else { return false }
            state.status = failure == nil ? .completed : .failed
            state.failure = failure
            state.completedAt = Date()
            if state.startedAt == nil { state.startedAt = state.acceptedAt }
            state.queuePosition = nil
            state.request = nil
            return true
        }
        guard finished else { return }
        // The state first: whoever sees the terminal event finds the result stored.
        persistLogging()
        DeploymentMetrics.finished(kind: kind, status: failure == nil ? .completed : .failed, errorCode: failure?.errorCode)
        if let failure {
            log.append(.error(failure.message, errorCode: failure.errorCode, stage: failure.stage))
        } else {
            log.append(.done())
        }
        log.closeSubscriptions()
    }
}

/// What a deployment is for, by connection id: what is stored (never the secrets).
public struct DeploymentTarget: Sendable, Equatable {
    public let owner: String
    public let repo: String
    public let branch: String
    public let githubConnectionID: String
    public let awsConnectionID: String
    public let kind: DeploymentKind
    /// Teardown only: the ECR repository and its images go too.
    public let deleteImages: Bool

    /// `githubConnectionID` is empty for a teardown, which reads nothing from GitHub.
    public init(owner: String, repo: String, branch: String, githubConnectionID: String, awsConnectionID: String,
                kind: DeploymentKind = .deploy, deleteImages: Bool = false) {
        self.owner = owner
        self.repo = repo
        self.branch = branch
        self.githubConnectionID = githubConnectionID
        self.awsConnectionID = awsConnectionID
        self.kind = kind
        self.deleteImages = deleteImages
    }

    init(_ request: DeploymentRequest, kind: DeploymentKind) {
        self.init(owner: request.owner, repo: request.repo, branch: request.branch,
                  githubConnectionID: request.github?.id ?? "", awsConnectionID: request.aws.id, kind: kind,
                  deleteImages: request.deleteImages)
    }
}

/// A validated request to deploy (or tear down), with the connections it will use.
public struct DeploymentRequest: Sendable {
    public let owner: String
    public let repo: String
    public let branch: String
    /// `nil` for a teardown, which reads nothing from GitHub.
    public let github: GitHubConnection?
    public let aws: AWSConnection
    /// Teardown only: delete the ECR repository and its images too.
    public let deleteImages: Bool

    public init(owner: String, repo: String, branch: String, github: GitHubConnection?, aws: AWSConnection, deleteImages: Bool = false) {
        self.owner = owner
        self.repo = repo
        self.branch = branch
        self.github = github
        self.aws = aws
        self.deleteImages = deleteImages
    }
}
