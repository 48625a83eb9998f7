import Foundation
import Testing
import PandaTestSupport
import Tools
@testable import Panda

@Suite struct SchedulerTests {
    @Test func tenRunFiftyWaitOneIsRefusedAndAllSixtyFinish() async throws {
        let harness = await EngineHarness(configure: {
            $0.deployments.maxConcurrent = 10
            $0.deployments.queueCapacity = 50
        }) { [ProcessStage(1, "sleep", ["1.5"])] }  // long enough that all 61 are submitted while the first ten run

        var accepted: [Deployment] = []
        for _ in 0..<60 { accepted.append(try await harness.start()) }
        await #expect(throws: DeploymentError("Deployment queue is full", errorCode: .deploymentQueueFull, retryAfterSeconds: 30)) {
            try await harness.start()
        }

        let snapshots = await withTaskGroup(of: DeploymentSnapshot.self) { group in
            for deployment in accepted { group.addTask { await harness.finished(deployment, within: .seconds(60)) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(snapshots.count == 60)
        #expect(snapshots.allSatisfy { $0.status == .completed })

        // The first ten never waited; the last one heard its position fall from 50 to 1.
        #expect(accepted.prefix(10).allSatisfy { !messages($0).contains { $0.hasPrefix("[Queue]") } })
        let positions = messages(accepted[59]).filter { $0.hasPrefix("[Queue]") }
        #expect(positions.first == "[Queue] Waiting for a free slot: position 50 of 50")
        #expect(positions.last?.hasPrefix("[Queue] Waiting for a free slot: position 1 of") == true)
        let events = accepted[59].log.events
        #expect(events.filter { $0.data.contains("queuePosition") }.allSatisfy { $0.data.contains(#""details":{"stage":0,"queuePosition":"#) })
        // Each ran exactly once.
        #expect(accepted.allSatisfy { messages($0).filter { $0 == "[Stage 1] done" }.count == 1 })
    }

    @Test func cancellingARunningDeploymentKillsItsProcessesAndIsIdempotent() async throws {
        let marker = "panda-cancel-\(UUID().uuidString.prefix(8))"
        let harness = await EngineHarness { [ProcessStage(1, "bash", ["-c", "sleep 300 & exec -a \(marker) sleep 300", marker])] }
        let deployment = try await harness.start()
        let deadline = ContinuousClock.now + .seconds(10)
        while processes(containing: marker).isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!processes(containing: marker).isEmpty)

        _ = try await harness.service.cancel(deployment.id)
        _ = try await harness.service.cancel(deployment.id)
        let snapshot = await harness.finished(deployment)
        #expect(snapshot.status == .failed)
        #expect(snapshot.failure?.errorCode == .deploymentCancelled)
        #expect(snapshot.failure?.stage == 1)
        #expect(processes(containing: marker).isEmpty)
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? []
        #expect(!leftovers.contains { $0.hasPrefix("panda-\(deployment.id)-") })
        // Still cancelled, still fine to say so.
        _ = try await harness.service.cancel(deployment.id)
    }

    @Test func cancellingAQueuedDeploymentRemovesItFromTheQueue() async throws {
        let harness = await EngineHarness(configure: { $0.deployments.maxConcurrent = 1 }) { [ProcessStage(1, "sleep", ["0.5"])] }
        let first = try await harness.start()
        let second = try await harness.start()
        let third = try await harness.start()
        #expect(second.snapshot().status == .queued)

        _ = try await harness.service.cancel(second.id)
        #expect(second.snapshot().status == .failed)
        #expect(second.snapshot().failure?.errorCode == .deploymentCancelled)
        #expect(messages(second).last == "Deployment failed: Deployment cancelled by request")
        #expect(messages(third).last == "[Queue] Waiting for a free slot: position 1 of 1")

        #expect(await harness.finished(first).status == .completed)
        #expect(await harness.finished(third).status == .completed)
        #expect(!messages(second).contains("[Stage 1] done"))
    }

    @Test func cancellingAFinishedDeploymentSaysItAlreadyFinished() async throws {
        let harness = await EngineHarness { [ProcessStage(1, "true", [])] }
        let deployment = try await harness.start()
        _ = await harness.finished(deployment)
        await #expect(throws: DeploymentError("Deployment already finished: \(deployment.id)")) {
            try await harness.service.cancel(deployment.id)
        }
        await #expect(throws: DeploymentError("Deployment result not found: dep_nope000000")) {
            try await harness.service.cancel("dep_nope000000")
        }
    }

    @Test func unknownConnectionsAndMismatchedRepositoryAreRefused() async throws {
        let harness = await EngineHarness { [ProcessStage(1, "true", [])] }
        await #expect(throws: DeploymentError("GitHub connection not found")) {
            try await harness.service.start(githubConnectionID: "gh_missing000", awsConnectionID: harness.awsID, owner: "octo", repo: "app", branch: "main")
        }
        await #expect(throws: DeploymentError("AWS connection not found")) {
            try await harness.service.start(githubConnectionID: harness.githubID, awsConnectionID: "aws_missing00", owner: "octo", repo: "app", branch: "main")
        }
        await #expect(throws: DeploymentError("Repository octo/other does not match the GitHub connection (octo/app)")) {
            try await harness.service.start(githubConnectionID: harness.githubID, awsConnectionID: harness.awsID, owner: "octo", repo: "other", branch: "main")
        }
        // Case differs, repository is the same: accepted; another branch is fine too.
        let deployment = try await harness.service.start(githubConnectionID: harness.githubID, awsConnectionID: harness.awsID,
                                                         owner: "OCTO", repo: "App", branch: "release/1")
        #expect(deployment.target.branch == "release/1")
        _ = await harness.finished(deployment)  // leaves nothing running behind the test
    }

    @Test func leastRecentlyUsedFinishedDeploymentIsEvictedWithItsEvents() async throws {
        let harness = await EngineHarness(configure: { $0.deployments.resultCapacity = 5 }) { [ProcessStage(1, "true", [])] }
        var deployments: [Deployment] = []
        for _ in 0..<5 {
            let deployment = try await harness.start()
            _ = await harness.finished(deployment)
            deployments.append(deployment)
        }
        // Reading the oldest makes the second-oldest the least recently used.
        #expect(await harness.service.deployment(deployments[0].id) != nil)
        weak let evictedLog = deployments[1].log
        let evictedID = deployments[1].id
        deployments.remove(at: 1)

        let sixth = try await harness.start()
        _ = await harness.finished(sixth)
        #expect(await harness.service.deployment(evictedID) == nil)
        #expect(await harness.service.deployment(deployments[0].id) != nil)
        #expect(await harness.service.storedCount == 5)
        #expect(evictedLog == nil)
    }

    @Test func runningDeploymentsAreNeverEvicted() async throws {
        let harness = await EngineHarness(configure: { $0.deployments.resultCapacity = 1 }) { [ProcessStage(1, "sleep", ["0.3"])] }
        let first = try await harness.start()
        let second = try await harness.start()
        #expect(await harness.service.deployment(first.id) != nil)
        #expect(await harness.service.deployment(second.id) != nil)
        _ = await harness.finished(first)
        _ = await harness.finished(second)
    }
}
