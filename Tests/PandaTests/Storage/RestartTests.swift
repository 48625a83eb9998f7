import Foundation
import Testing
import Tools
import PandaTestSupport
@testable import Panda

/// What a second life of the engine finds in the store the first one left: finished
/// deployments as they were, running ones interrupted, queued ones run, LRU kept.
@Suite struct RestartTests {
    private static let quickStages: @Sendable () -> [any Stage] = { [ProcessStage(1, "true", []), ProcessStage(2, "true", [])] }

    @Test func finishedComeBackAsTheyWereRunningOnesFailInterruptedQueuedOnesRun() async throws {
        try await withStorageDirectory { directory in
            // First life: one deployment that finished.
            let first = await EngineHarness(storage: try Storage.open(directory: directory, environment: [:]), stages: Self.quickStages)
            let finished = try await first.start()
            let finishedSnapshot = await first.finished(finished)
            #expect(finishedSnapshot.status == .completed)
            let finishedEvents = finished.log.events

            // And, as a crash leaves them, one that was running (in stage 2) and one still queued.
            let store = first.registry.storage.store
            let running = "dep_running001", queued = "dep_queued0001"
            let accepted = Date(timeIntervalSince1970: 1_750_000_000)
            for (id, status, stage) in [(running, DeploymentStatus.inProgress, 2), (queued, .queued, nil as Int?)] {
                try store.saveDeployment(DeploymentRecord(
                    id: id, kind: "DEPLOY", owner: "octo", repo: "app", branch: "main",
                    githubConnectionID: first.githubID, awsConnectionID: first.awsID, deleteImages: false, status: status, currentStage: stage,
                    acceptedAt: accepted, startedAt: stage == nil ? nil : accepted, completedAt: nil, facts: DeploymentFacts(),
                    failure: nil, stageTimings: [], eventCount: 0, lastUse: 0))
            }
            let runningEvents = [DeploymentEvent.stage("[Stage 1] done", stage: 1, details: [:]),
                                 DeploymentEvent.stage("[Stage 2] running", stage: 2, details: [:])]
            for (index, event) in runningEvents.enumerated() {
                try store.appendEvent(event, sequence: index + 1, deploymentID: running)
            }
            // The workspace it had, with what stage 2 leaves there.
            let leftover = NSTemporaryDirectory() + "panda-\(running)-abc123"
            try FileManager.default.createDirectory(atPath: leftover + "/docker-config", withIntermediateDirectories: true)

            // Second life, on the same directory.
            let second = await EngineHarness(storage: try Storage.open(directory: directory, environment: [:]), stages: Self.quickStages)
            _ = try await second.registry.restore()
            let summary = try await second.service.restore()
            #expect(summary == .init(finished: 1, interrupted: [running], requeued: [queued]))
            #expect(!FileManager.default.fileExists(atPath: leftover))

            let restored = try #require(await second.service.deployment(finished.id))
            let snapshot = restored.snapshot()
            #expect(snapshot.status == .completed && snapshot.eventCount == finishedSnapshot.eventCount)
            #expect(snapshot.acceptedAt == finishedSnapshot.acceptedAt && snapshot.completedAt == finishedSnapshot.completedAt)
            #expect(snapshot.stageTimings == finishedSnapshot.stageTimings && snapshot.facts == finishedSnapshot.facts)
            #expect(restored.log.events == finishedEvents)
            #expect(restored.log.hasDelivered(allUpTo: try #require(finishedEvents.last).id))

            let interrupted = try #require(await second.service.deployment(running)).snapshot()
            #expect(interrupted.status == .failed)
            #expect(interrupted.failure?.errorCode == .deploymentInterrupted && interrupted.failure?.stage == 2)
            let interruptedEvents = try #require(await second.service.deployment(running)).log.events
            #expect(interruptedEvents.prefix(2) == runningEvents[...])
            #expect(interruptedEvents.last?.kind == .error)
            #expect(interruptedEvents.last?.data.contains(#""errorCode":"DEPLOYMENT_INTERRUPTED","stage":2"#) == true)

            await second.service.waitForRecovery()
            let requeued = try #require(await second.service.deployment(queued))
            #expect(await second.finished(requeued).status == .completed)

            // A third life sees what the second one did.
            let third = await EngineHarness(storage: try Storage.open(directory: directory, environment: [:]), stages: Self.quickStages)
            _ = try await third.registry.restore()
            #expect(try await third.service.restore() == .init(finished: 3, interrupted: [], requeued: []))
        }
    }

    @Test func evictionDeletesTheDeploymentAndItsEventsFromTheStore() async throws {
        let harness = await EngineHarness(configure: { $0.deployments.resultCapacity = 2 }, stages: Self.quickStages)
        var ids: [String] = []
        for _ in 0..<3 {
            let deployment = try await harness.start()
            _ = await harness.finished(deployment)
            ids.append(deployment.id)
        }
        let store = harness.registry.storage.store
        #expect(try store.deployments().map(\.id) == Array(ids.suffix(2)))
        #expect(try store.events(of: ids[0], after: 0, limit: 100).isEmpty)
        #expect(try store.events(of: ids[2], after: 0, limit: 100).count == 5)
        #expect(await harness.service.deployment(ids[0]) == nil)
    }

    @Test func deletingAConnectionCancelsTheQueuedDeploymentsThatUseIt() async throws {
        let engine = await EngineServices(configuration: {
            var configuration = PandaConfiguration()
            configuration.deployments.maxConcurrent = 1
            return configuration
        }(), stages: { [ProcessStage(1, "sleep", ["2"])] })
        let deployments = engine.services.deployments
        let running = try await deployments.start(githubConnectionID: engine.githubID, awsConnectionID: engine.awsID,
                                                  owner: "octo", repo: "app", branch: "main")
        let waiting = try await deployments.start(githubConnectionID: engine.githubID, awsConnectionID: engine.awsID,
                                                  owner: "octo", repo: "app", branch: "main")
        try await engine.services.deleteConnection(engine.githubID)
        let cancelled = waiting.snapshot()
        #expect(cancelled.status == .failed && cancelled.failure?.errorCode == .deploymentCancelled)
        #expect(cancelled.failure?.message == "Deployment failed: Deployment cancelled: connection \(engine.githubID) was deleted")
        #expect(await engine.services.connections.registry.github(engine.githubID) == nil)
        #expect(try engine.services.connections.registry.storage.store.connections().map(\.id) == [engine.awsID])
        // The running one keeps its connections and ends normally.
        while !running.status.isTerminal { try await Task.sleep(for: .milliseconds(50)) }
        #expect(running.status == .completed)
        await #expect(throws: DeploymentError("Connection not found: \(engine.githubID)")) {
            try await engine.services.deleteConnection(engine.githubID)
        }
    }

    @Test func shuttingDownRefusesNewDeploymentsAndCancelsWhatOutlivesTheDrain() async throws {
        let marker = "panda-drain-test-\(UUID().uuidString)"
        let engine = await EngineServices(configuration: PandaConfiguration(),
                                          stages: { [ProcessStage(1, "sh", ["-c", "sleep 30", marker])] })
        let deployments = engine.services.deployments
        let running = try await deployments.start(githubConnectionID: engine.githubID, awsConnectionID: engine.awsID,
                                                  owner: "octo", repo: "app", branch: "main")
        while running.snapshot().currentStage != 1 { try await Task.sleep(for: .milliseconds(20)) }
        let started = ContinuousClock.now
        await deployments.shutDown(drain: .milliseconds(500))
        #expect(ContinuousClock.now - started < .seconds(10))
        let snapshot = running.snapshot()
        #expect(snapshot.status == .failed && snapshot.failure?.errorCode == .deploymentCancelled)
        #expect(processes(containing: marker).isEmpty)
        let refusal = await #expect(throws: ServiceUnavailable.self) {
            try await deployments.start(githubConnectionID: engine.githubID, awsConnectionID: engine.awsID,
                                        owner: "octo", repo: "app", branch: "main")
        }
        #expect(refusal?.retryAfterSeconds == 10)
    }
}
