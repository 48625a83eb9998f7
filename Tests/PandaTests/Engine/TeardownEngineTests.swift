import Foundation
import Testing
import Tools
import PandaTestSupport
@testable import Panda

/// Teardown's refusals, decided before any aws call.
@Suite struct TeardownEngineTests {
    @Test func teardownIsRefusedWhileADeploymentOfTheApplicationIsQueuedOrRunning() async throws {
        let engine = await EngineServices(configuration: PandaConfiguration()) { [ProcessStage(1, "sleep", ["2"])] }
        let deployments = engine.services.deployments
        let running = try await deployments.start(githubConnectionID: engine.githubID, awsConnectionID: engine.awsID,
                                                  owner: "octo", repo: "app", branch: "main")
        // Same application in another spelling: GitHub names are case-insensitive.
        let refusal = await #expect(throws: ConflictError.self) {
            try await deployments.startTeardown(awsConnectionID: engine.awsID, owner: "Octo", repo: "App", deleteImages: false)
        }
        #expect(refusal?.errorCode == .appBusy)
        #expect(refusal?.message.hasPrefix("Application Octo/App is busy: deployment \(running.id) is ") == true)
        await #expect(throws: DeploymentError.self) {
            try await deployments.startTeardown(awsConnectionID: "aws_nothere00", owner: "octo", repo: "app", deleteImages: false)
        }
        await #expect(throws: InvalidRequest.self) {
            try await deployments.startTeardown(awsConnectionID: engine.awsID, owner: "-octo", repo: "app", deleteImages: false)
        }
        _ = try? await deployments.cancel(running.id)
    }
}
