import Foundation
import Testing
import PandaTestSupport
import Tools
@testable import Panda

@Suite struct OrchestratorTests {
    @Test func stagesRunInOrderAndEndWithDone() async throws {
        let harness = await EngineHarness { [ProcessStage(1, "true", []), ProcessStage(2, "sleep", ["0.1"]), ProcessStage(3, "true", [])] }
        let deployment = try await harness.start()
        let snapshot = await harness.finished(deployment)

        #expect(snapshot.status == .completed)
        #expect(messages(deployment) == [
            "[Stage 1] running true", "[Stage 1] done",
            "[Stage 2] running sleep", "[Stage 2] done",
            "[Stage 3] running true", "[Stage 3] done",
            "Deployment completed successfully",
        ])
        #expect(deployment.log.events.map(\.kind) == [.stage, .stage, .stage, .stage, .stage, .stage, .done])
        #expect(snapshot.stageTimings.map(\.stage) == [1, 2, 3])
        #expect(snapshot.stageTimings[1].childProcessTime >= .milliseconds(100))
        #expect(snapshot.stageTimings.allSatisfy { $0.childProcessCount == 1 })
        #expect(snapshot.stageTimings[1].childProcessesByTool["other"]?.count == 1)
        #expect(snapshot.stageTimings[1].childProcessesByTool["other"]?.time == snapshot.stageTimings[1].childProcessTime)
        #expect(deployment.finalSnapshot()?.eventCount == 7)
        #expect(snapshot.eventCount == 7)
        let first = try #require(deployment.log.events.first)
        #expect(first.data.hasPrefix(#"{"type":"stage","message":"[Stage 1] running true","details":{"stage":1,"workspace":"#))
        #expect(UUID(uuidString: first.id) != nil)
    }

    /// Awaited time is the union of what a stage waits on: two concurrent 1 s processes and a
    /// 0.2 s pause count about 1.2 s, not the 2 s of summed process time plus the pause.
    @Test func awaitedTimeCountsConcurrentWaitsOnce() async throws {
        struct ConcurrentStage: Stage {
            let number = 3
            let name = "concurrent"
            var failureCode: ErrorCode { .ecsDeploymentFailed }
            func run(in context: DeploymentContext) async throws {
                let sleep = Command("sleep", arguments: ["1"], timeout: .seconds(30))
                async let first = context.run(sleep)
                async let second = context.run(sleep)
                _ = try await (first, second)
                try await context.pause(for: .milliseconds(200))
            }
        }
        let harness = await EngineHarness { [ConcurrentStage()] }
        let deployment = try await harness.start()
        let snapshot = await harness.finished(deployment)
        #expect(snapshot.status == .completed, "\(snapshot.failure?.message ?? "")")
        let timing = try #require(snapshot.stageTimings.first)
        #expect(timing.childProcessCount == 2 && timing.childProcessTime >= .seconds(2))
        #expect(timing.awaitedTime >= .milliseconds(1200), "\(timing)")
        #expect(timing.awaitedTime <= timing.wallTime, "\(timing)")
        #expect(timing.awaitedTime < timing.childProcessTime, "the two processes overlap and count once: \(timing)")
    }

    @Test func waitingBeforeAStageIsNotTheStagesTime() async throws {
        // Like stage 3 waiting for another deployment of the same application: the wait (2 s) is
        // longer than the stage's timeout (1 s), and the stage still runs to completion.
        let harness = await EngineHarness { [WaitingStage(wait: .seconds(2), timeout: .seconds(1))] }
        let deployment = try await harness.start()
        let snapshot = await harness.finished(deployment)
        #expect(snapshot.status == .completed, "\(snapshot.failure?.message ?? "")")
        #expect(messages(deployment) == ["[Stage 3] waiting", "[Stage 3] ran", "Deployment completed successfully"])
        // Counted, the wait alone would make it 2 s or more.
        #expect(snapshot.stageTimings.first.map { $0.wallTime < .seconds(2) } == true, "\(snapshot.stageTimings)")

        // The deployment's own limit still bounds the wait.
        let bounded = await EngineHarness(configure: { $0.deployments.deploymentTimeoutSeconds = 1 }) {
            [WaitingStage(wait: .seconds(30), timeout: .seconds(1))]
        }
        let waiting = try await bounded.start()
        let timedOut = await bounded.finished(waiting)
        #expect(timedOut.failure?.errorCode == .deploymentTimeout)
        #expect(timedOut.failure?.message == "Deployment timed out at Stage 3 after 1 seconds (timeout: 1 seconds)")
    }

    @Test func failingStageEndsWithTheSpecErrorEvent() async throws {
        let harness = await EngineHarness { [ProcessStage(1, "true", []), ProcessStage(2, "false", []), ProcessStage(3, "true", [])] }
        let deployment = try await harness.start()
        let snapshot = await harness.finished(deployment)

        #expect(snapshot.status == .failed)
        #expect(snapshot.failure?.stage == 2)
        #expect(snapshot.failure?.errorCode == .dockerBuildFailed)
        #expect(snapshot.failure?.message == "Deployment failed: false exited with exit status 1")
        let last = try #require(deployment.log.events.last)
        #expect(last.kind == .error)
        #expect(last.data == #"{"type":"error","message":"Deployment failed: false exited with exit status 1","errorCode":"DOCKER_BUILD_FAILED","stage":2}"#)
        #expect(!messages(deployment).contains("[Stage 3] running true"))
    }

    @Test func stageTimeoutKillsTheProcessGroupWithTheExactMessage() async throws {
        let marker = "panda-test-\(UUID().uuidString.prefix(8))"
        // The child ignores SIGTERM and forks a grandchild: only SIGKILL to the whole group ends them.
        let script = "trap '' TERM; sleep 300 & exec -a \(marker) sleep 300"
        let harness = await EngineHarness { [ProcessStage(1, "true", []), ProcessStage(2, "bash", ["-c", script, marker], timeout: .seconds(1))] }
        let deployment = try await harness.start()
        let snapshot = await harness.finished(deployment)

        #expect(snapshot.failure?.message == "Deployment timed out at Stage 2 after 1 seconds (timeout: 1 seconds)")
        #expect(snapshot.failure?.errorCode == .deploymentTimeout)
        #expect(snapshot.failure?.timeoutSeconds == 1)
        #expect(deployment.log.events.last?.data.contains(#""errorCode":"DEPLOYMENT_TIMEOUT","stage":2"#) == true)
        #expect(processes(containing: marker).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: try workspace(of: deployment)))
    }

    @Test func deploymentTimeoutCutsTheStageThatRunsOverIt() async throws {
        // Stage 2 alone: a process before it could take seconds to start on a loaded machine,
        // and the deadline would strike there instead.
        let harness = await EngineHarness(configure: { $0.deployments.deploymentTimeoutSeconds = 5 }) {
            [ProcessStage(2, "sleep", ["30"], timeout: .seconds(20))]
        }
        let deployment = try await harness.start()
        let snapshot = await harness.finished(deployment)
        #expect(snapshot.failure?.message == "Deployment timed out at Stage 2 after 5 seconds (timeout: 5 seconds)")
        #expect(snapshot.failure?.durationSeconds == 5)
    }

    @Test func workspaceIsPrivateAndRemovedAfterwards() async throws {
        let harness = await EngineHarness { [ProcessStage(1, "true", []), ProcessStage(2, "false", [])] }
        let deployment = try await harness.start()
        _ = await harness.finished(deployment)
        let data = try #require(deployment.log.events.first?.data)
        let details = try #require((try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])?["details"] as? [String: Any])
        let workspace = try #require(details["workspace"] as? String)
        #expect(workspace.contains("panda-\(deployment.id)-"))
        #expect(!FileManager.default.fileExists(atPath: workspace))
    }

    /// The workspace path a ProcessStage reported in its first event.
    private func workspace(of deployment: Deployment) throws -> String {
        let data = try #require(deployment.log.events.first?.data)
        let details = try #require((try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])?["details"] as? [String: Any])
        return try #require(details["workspace"] as? String)
    }

    @Test func workspaceModeIs0700WhileRunning() async throws {
        struct ModeStage: Stage {
            let number = 1
            let name = "mode"
            let failureCode = ErrorCode.unexpectedError
            func run(in context: DeploymentContext) async throws {
                let attributes = try FileManager.default.attributesOfItem(atPath: context.workspace.path)
                let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
                context.publish("mode \(String(mode, radix: 8))")
            }
        }
        let harness = await EngineHarness { [ModeStage()] }
        let deployment = try await harness.start()
        _ = await harness.finished(deployment)
        #expect(messages(deployment).first == "mode 700")
    }
}

/// A stage that waits in `prepare` (outside its timer) and then runs at once.
private struct WaitingStage: Stage {
    let number = 3
    let name = "waiting"
    let failureCode = ErrorCode.ecsDeploymentFailed
    let wait: Duration
    let timeout: Duration?

    init(wait: Duration, timeout: Duration) {
        self.wait = wait
        self.timeout = timeout
    }

    func prepare(in context: DeploymentContext) async throws {
        context.publish("[Stage 3] waiting")
        try await Task.sleep(for: wait)
    }

    func run(in context: DeploymentContext) async throws {
        context.publish("[Stage 3] ran")
    }
}
