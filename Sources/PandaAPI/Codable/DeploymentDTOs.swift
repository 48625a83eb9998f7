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
/// Every field is present, `null` when unknown, so clients can rely on the shape; only
/// `currentStage` and `queuePosition` are left out once the deployment has finished.
struct DeploymentResultBody: Encodable {
    let deploymentId: String
    let status: String
    let owner: String
    let repo: String
    let branch: String
    let startedAt: Nullable<String>
    let completedAt: Nullable<String>
    let durationSeconds: Int
    let finalService: Nullable<String>
    let blueUrl: Nullable<String>
    let greenUrl: Nullable<String>
    let errorMessage: Nullable<String>
    let blueLatencyMs: Nullable<Int>
    let greenLatencyMs: Nullable<Int>
    let blueErrorRate: Nullable<Double>
    let greenErrorRate: Nullable<Double>
    let eventCount: Int
    // Beyond the original, additive.
    let errorCode: Nullable<String>
    let failedStage: Nullable<Int>
    let imageUri: Nullable<String>
    let commitSha: Nullable<String>
    let currentStage: Nullable<Int>?
    let queuePosition: Nullable<Int>?
    /// Where each stage's time went (orchestration overhead benchmarks).
    let stageTimings: [StageTimingBody]

    init(_ snapshot: DeploymentSnapshot) {
        let facts = snapshot.facts
        deploymentId = snapshot.id
        status = snapshot.status.rawValue
        owner = snapshot.owner
        repo = snapshot.repo
        branch = snapshot.branch
        startedAt = Nullable(snapshot.startedAt.map(UTCTimestamp.string))
        completedAt = Nullable(snapshot.completedAt.map(UTCTimestamp.string))
        durationSeconds = snapshot.durationSeconds
        finalService = Nullable(facts.finalService)
        blueUrl = Nullable(facts.blueURL)
        greenUrl = Nullable(facts.greenURL)
        errorMessage = Nullable(snapshot.failure?.message)
        blueLatencyMs = Nullable(facts.blueLatencyMs)
        greenLatencyMs = Nullable(facts.greenLatencyMs)
        blueErrorRate = Nullable(facts.blueErrorRate)
        greenErrorRate = Nullable(facts.greenErrorRate)
        eventCount = snapshot.eventCount
        errorCode = Nullable(snapshot.failure?.errorCode.rawValue)
        failedStage = Nullable(snapshot.failure?.stage)
        imageUri = Nullable(facts.imageURI)
        commitSha = Nullable(facts.commitSHA)
        let running = !snapshot.status.isTerminal
        currentStage = running ? Nullable(snapshot.currentStage) : nil
        queuePosition = running ? Nullable(snapshot.queuePosition) : nil
        stageTimings = snapshot.stageTimings.map(StageTimingBody.init)
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
    /// Time in which something outside Panda was awaited (child processes, deliberate pauses),
    /// concurrent waits counted once: `wallMs - awaitedMs` is Panda's own time.
    let awaitedMs: Int
    /// Per tool, in name order: `{"aws": {"count": 3, "ms": 1840}, …}`.
    let childProcessesByTool: ToolTimes

    init(_ timing: StageTiming) {
        stage = timing.stage
        name = timing.name
        wallMs = Self.milliseconds(timing.wallTime)
        childProcessMs = Self.milliseconds(timing.childProcessTime)
        childProcessCount = timing.childProcessCount
        awaitedMs = min(Self.milliseconds(timing.awaitedTime), wallMs)  // rounding must not make it exceed the wall time
        childProcessesByTool = ToolTimes(timing.childProcessesByTool)
    }

    struct ToolTimes: Encodable {
        let tools: [(name: String, count: Int, ms: Int)]

        init(_ byTool: [String: StageTiming.ToolTime]) {
            tools = byTool.keys.sorted().map { ($0, byTool[$0]!.count, StageTimingBody.milliseconds(byTool[$0]!.time)) }
        }

        private struct Name: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        private enum Field: String, CodingKey { case count, ms }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Name.self)
            for tool in tools {
                var entry = container.nestedContainer(keyedBy: Field.self, forKey: Name(stringValue: tool.name))
                try entry.encode(tool.count, forKey: .count)
                try entry.encode(tool.ms, forKey: .ms)
            }
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int((Double(attoseconds) / 1e15).rounded())
    }
}
