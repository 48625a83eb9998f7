import Foundation
import Synchronization

public enum DeploymentStatus: String, Sendable, Codable, CaseIterable {
    case queued = "QUEUED"
    case inProgress = "IN_PROGRESS"
    case completed = "COMPLETED"
    case failed = "FAILED"

    public var isTerminal: Bool { self == .completed || self == .failed }
}

/// What a deployment learned and measured on its way; `nil` means not (yet) known, never guessed.
public struct DeploymentFacts: Sendable, Equatable {
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
    /// Teardown: what it found to delete, and what it deleted so far (or found already gone).
    public var teardownResources: [AppResource]?
    public var removedResources: [AppResource]?

    public init() {}
}

/// Wall time of one stage, and how much of it child processes took.
public struct StageTiming: Sendable, Equatable {
    public let stage: Int
    public let name: String
    public var wallTime: Duration
    public var childProcessTime: Duration
    public var childProcessCount: Int
}

public struct DeploymentFailure: Sendable, Equatable {
    public let message: String
    public let errorCode: ErrorCode
    public let stage: Int?
    public var durationSeconds: Int?
    public var timeoutSeconds: Int?

    /// Stopped by `POST …/cancel`, in `stage` or (`nil`) while still queued.
    static func cancelled(at stage: Int?) -> DeploymentFailure {
        DeploymentFailure(message: "Deployment failed: Deployment cancelled by request", errorCode: .deploymentCancelled, stage: stage)
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

/// One deployment: its request, its live state and its event log.
public final class Deployment: Sendable {
    public let id: String
    public let request: DeploymentRequest
    public let kind: DeploymentKind
    public let log = EventLog()

    private struct State {
        var status = DeploymentStatus.queued
        var currentStage: Int?
        var acceptedAt = Date()
        var startedAt: Date?
        var completedAt: Date?
        var facts = DeploymentFacts()
        var failure: DeploymentFailure?
        var stageTimings: [StageTiming] = []
        var queuePosition: Int?
        var cancelRequested = false
    }

    private let state = Mutex(State())

    init(id: String, request: DeploymentRequest, kind: DeploymentKind = .deploy) {
        self.id = id
        self.request = request
        self.kind = kind
    }

    public func snapshot() -> DeploymentSnapshot {
        let eventCount = log.count
        return state.withLock { state in
            DeploymentSnapshot(
                id: id, owner: request.owner, repo: request.repo, branch: request.branch,
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
    }

    func enterStage(_ stage: any Stage) {
        state.withLock { state in
            state.currentStage = stage.number
            state.stageTimings.append(StageTiming(stage: stage.number, name: stage.name, wallTime: .zero,
                                                  childProcessTime: .zero, childProcessCount: 0))
        }
    }

    func recordChildProcess(_ duration: Duration) {
        state.withLock { state in
            guard !state.stageTimings.isEmpty else { return }
            state.stageTimings[state.stageTimings.count - 1].childProcessTime += duration
            state.stageTimings[state.stageTimings.count - 1].childProcessCount += 1
        }
    }

    func leaveStage(wallTime: Duration) {
        state.withLock { state in
            guard !state.stageTimings.isEmpty else { return }
            state.stageTimings[state.stageTimings.count - 1].wallTime = wallTime
        }
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
            return true
        }
        guard finished else { return }
        DeploymentMetrics.finished(kind: kind, status: failure == nil ? .completed : .failed, errorCode: failure?.errorCode)
        if let failure {
            log.append(.error(failure.message, errorCode: failure.errorCode, stage: failure.stage))
        } else {
            log.append(.done())
        }
        log.closeSubscriptions()
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
