import Foundation
import Panda

/// `data` of a successful `POST /api/v1/deploy`.
struct DeploymentStarted: Encodable {
    let deploymentId: String
    let message: String

    init(id: String) {
        deploymentId = id
        message = "Deployment started. Listen to /api/v1/deploy/\(id)/events"
    }
}

/// `data` of `GET /api/v1/deploy/{id}/result`: the SPEC's fields in its order, then ours.
struct DeploymentResultBody: Encodable {
    let deploymentId: String
    let status: String
    let owner: String
    let repo: String
    let branch: String
    let startedAt: String?
    let completedAt: String?
    let durationSeconds: Int
    let finalService: String?
    let blueUrl: String?
    let greenUrl: String?
    let errorMessage: String?
    let blueLatencyMs: Int?
    let greenLatencyMs: Int?
    let blueErrorRate: Double?
    let greenErrorRate: Double?
    let eventCount: Int
    // Beyond the original, additive.
    let errorCode: String?
    let failedStage: Int?
    let imageUri: String?
    let commitSha: String?
    let currentStage: Int?
    let queuePosition: Int?
    /// Beyond the original, additive: where each stage's time went (orchestration overhead benchmarks).
    let stageTimings: [StageTimingBody]

    init(_ snapshot: DeploymentSnapshot) {
        deploymentId = snapshot.id
        status = snapshot.status.rawValue
        owner = snapshot.owner
        repo = snapshot.repo
        branch = snapshot.branch
        startedAt = snapshot.startedAt.map(UTCTimestamp.string)
        completedAt = snapshot.completedAt.map(UTCTimestamp.string)
        durationSeconds = snapshot.durationSeconds
        finalService = snapshot.facts.finalService
        blueUrl = snapshot.facts.blueURL
        greenUrl = snapshot.facts.greenURL
        errorMessage = snapshot.failure?.message
        blueLatencyMs = snapshot.facts.blueLatencyMs
        greenLatencyMs = snapshot.facts.greenLatencyMs
        blueErrorRate = snapshot.facts.blueErrorRate
        greenErrorRate = snapshot.facts.greenErrorRate
        eventCount = snapshot.eventCount
        errorCode = snapshot.failure?.errorCode.rawValue
        failedStage = snapshot.failure?.stage
        imageUri = snapshot.facts.imageURI
        commitSha = snapshot.facts.commitSHA
        currentStage = snapshot.status.isTerminal ? nil : snapshot.currentStage
        queuePosition = snapshot.queuePosition
        stageTimings = snapshot.stageTimings.map(StageTimingBody.init)
    }

    /// Every field is present, `null` when unknown: clients can rely on the shape.
    enum CodingKeys: String, CodingKey {
        case deploymentId, status, owner, repo, branch, startedAt, completedAt, durationSeconds, finalService
        case blueUrl, greenUrl, errorMessage, blueLatencyMs, greenLatencyMs, blueErrorRate, greenErrorRate, eventCount
        case errorCode, failedStage, imageUri, commitSha, currentStage, queuePosition, stageTimings
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(deploymentId, forKey: .deploymentId)
        try container.encode(status, forKey: .status)
        try container.encode(owner, forKey: .owner)
        try container.encode(repo, forKey: .repo)
        try container.encode(branch, forKey: .branch)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(completedAt, forKey: .completedAt)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(finalService, forKey: .finalService)
        try container.encode(blueUrl, forKey: .blueUrl)
        try container.encode(greenUrl, forKey: .greenUrl)
        try container.encode(errorMessage, forKey: .errorMessage)
        try container.encode(blueLatencyMs, forKey: .blueLatencyMs)
        try container.encode(greenLatencyMs, forKey: .greenLatencyMs)
        try container.encode(blueErrorRate, forKey: .blueErrorRate)
        try container.encode(greenErrorRate, forKey: .greenErrorRate)
        try container.encode(eventCount, forKey: .eventCount)
        try container.encode(errorCode, forKey: .errorCode)
        try container.encode(failedStage, forKey: .failedStage)
        try container.encode(imageUri, forKey: .imageUri)
        try container.encode(commitSha, forKey: .commitSha)
        if !(DeploymentStatus(rawValue: status)?.isTerminal ?? true) {
            try container.encode(currentStage, forKey: .currentStage)
            try container.encode(queuePosition, forKey: .queuePosition)
        }
        try container.encode(stageTimings, forKey: .stageTimings)
    }
}

/// One entry of the result's `stageTimings`: a stage's wall time, and how much of it child
/// processes (git, docker, aws, curl) took, in whole milliseconds.
struct StageTimingBody: Encodable {
    let stage: Int
    let name: String
    let wallMs: Int
    let childProcessMs: Int
    let childProcessCount: Int

    init(_ timing: StageTiming) {
        stage = timing.stage
        name = timing.name
        wallMs = Self.milliseconds(timing.wallTime)
        childProcessMs = Self.milliseconds(timing.childProcessTime)
        childProcessCount = timing.childProcessCount
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int((Double(attoseconds) / 1e15).rounded())
    }
}
