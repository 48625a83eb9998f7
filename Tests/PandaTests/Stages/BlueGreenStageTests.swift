import Foundation
import Testing
import Tools
import PandaTestSupport
@testable import Panda

/// Stages 3–6 for real against moto, with the stand-in running the pushed image.
@Suite(.serialized) struct BlueGreenStageTests {
    static let firstDeploymentMessages = SpecStageMessages.buildAndPush + [
        "[Stage 3] ECS 배포 시작",
        "[Stage 3] ECS service-linked role created",
        "[Stage 3] ECS 서비스 생성 완료",
        "[Stage 4] CodeDeploy Blue/Green 배포 시작",
        "[Stage 4] Green 서비스 시작 중",
        "[Stage 4] Green 서비스 준비 완료",
        "[Stage 4] CodeDeploy Lifecycle Hook: BeforeAllowTraffic",
        "[Stage 4] CodeDeploy Lifecycle Hook: AfterAllowTraffic",
        "[Stage 5] Green 서비스 HealthCheck 및 트래픽 전환",
        "[Stage 5] Green 서비스 HealthCheck 진행 중 - Check 1/5",
        "[Stage 5] Green 서비스 HealthCheck 진행 중 - Check 2/5",
        "[Stage 5] Green 서비스 HealthCheck 진행 중 - Check 3/5",
        "[Stage 5] Green 서비스 HealthCheck 진행 중 - Check 4/5",
        "[Stage 5] Green 서비스 HealthCheck 진행 중 - Check 5/5",
        "[Stage 5] HealthCheck 성공",
        "[Stage 5] 트래픽 전환 중",
        "[Stage 5] 트래픽 전환 완료",
        "[Stage 5] AfterAllowTraffic 검증",
        "[Stage 6] 배포 완료",
        "Deployment completed successfully",
    ]

    @Test func firstAndSecondDeploymentsAlternateSlotsThenAFailingProductionRollsBack() async throws {
        try await BlueGreenEnvironment.with { environment in
            let names = AWSNames(owner: "octo", repo: "shop")
            _ = try await environment.git.makeRepository(owner: "octo", repo: "shop", template: SampleApp.files(version: "v1"))
            let service = await environment.service(owner: "octo", repo: "shop")

            // First deployment: no blue, green (slot b) becomes production.
            let first = try await environment.deploy(service, owner: "octo", repo: "shop")
            let firstResult = first.snapshot()
            #expect(firstResult.status == .completed, "\(firstResult.failure?.message ?? "")")
            // A new account: ECS's service-linked role is created before the first service.
            #expect(messages(of: first).filter { !$0.contains("transient failure ignored") } == Self.firstDeploymentMessages)
            #expect(firstResult.facts.finalService == "green")
            #expect(firstResult.facts.blueURL == nil && firstResult.facts.blueLatencyMs == nil && firstResult.facts.blueErrorRate == nil)
            #expect(firstResult.facts.greenLatencyMs != nil)
            #expect(firstResult.facts.greenErrorRate == 0)
            let slotA = try #require(try await environment.targetGroupARN(names, .a))
            let slotB = try #require(try await environment.targetGroupARN(names, .b))
            #expect(try await environment.productionTargetGroup(names) == slotB)
            #expect(try await environment.productionTargetGroup(names, port: 8080) == slotA)
            let dns = try #require(firstResult.facts.greenURL?.replacingOccurrences(of: "http://", with: "").split(separator: ":").first.map(String.init))
            // Green serves production now: its URL is the production listener's, not the test listener's.
            #expect(firstResult.facts.greenURL == "http://\(dns)")
            #expect(try await environment.fetch(dns, port: 80, path: "/").body.contains(SampleApp.indexMarker(version: "v1")))
            try await ResourceReadBack.verify(names: names, moto: environment.moto)

            // Second deployment: blue is slot b, green goes to slot a; both measured.
            _ = try await environment.git.commit(owner: "octo", repo: "shop", change: RepositoryChange(
                files: SampleApp.files(version: "v2").files.filter { $0.key.hasPrefix("www/") }, message: "v2"))
            let second = try await environment.deploy(service, owner: "octo", repo: "shop")
            let secondResult = second.snapshot()
            #expect(secondResult.status == .completed, "\(secondResult.failure?.message ?? "")")
            #expect(messages(of: second).contains("[Stage 4] Blue 서비스 실행 중"))
            #expect(messages(of: second).contains("[Stage 3] ECS 서비스 업데이트 완료") || messages(of: second).contains("[Stage 3] ECS 서비스 생성 완료"))
            #expect(secondResult.facts.blueLatencyMs != nil)
            #expect(secondResult.facts.blueErrorRate == 0)
            #expect(try await environment.productionTargetGroup(names) == slotA)
            #expect(try await environment.desiredCount(names, .b) == 0)
            #expect(try await environment.fetch(dns, port: 80, path: "/").body.contains(SampleApp.indexMarker(version: "v2")))
            // The first deployment discovered the infrastructure; the second knew it: three aws calls
            // (task definition and both slots' services at once, then green's service update).
            #expect(awsCalls(firstResult, stage: 3) > 3)
            #expect(awsCalls(secondResult, stage: 3) == 3)

            // Third deployment, to slot b again, whose task the second deployment stopped (ECS lists it
            // for an hour): production breaks right after the switch → switched back.
            _ = try await environment.git.commit(owner: "octo", repo: "shop", change: RepositoryChange(
                files: SampleApp.files(version: "v3").files.filter { $0.key.hasPrefix("www/") }, message: "v3"))
            try await environment.standIn.setFault(port: 80, status: 500)
            let third = try await environment.deploy(service, owner: "octo", repo: "shop")
            try await environment.standIn.clearFault(port: 80)
            let failure = try #require(third.snapshot().failure)
            #expect(failure.errorCode == .healthCheckFailed)
            #expect(failure.stage == 5)
            #expect(failure.message.hasPrefix("Deployment failed: AfterAllowTraffic failed"))
            #expect(messages(of: third).contains("[Stage 5] 롤백: 트래픽을 Blue로 되돌림"))
            #expect(try await environment.productionTargetGroup(names) == slotA)
            #expect(try await environment.desiredCount(names, .b) == 0)
            #expect(try await environment.fetch(dns, port: 80, path: "/").body.contains(SampleApp.indexMarker(version: "v2")))
            #expect(awsCalls(third.snapshot(), stage: 3) == 3)
        }
    }

    private func awsCalls(_ snapshot: DeploymentSnapshot, stage: Int) -> Int {
        snapshot.stageTimings.first { $0.stage == stage }?.childProcessesByTool["aws"]?.count ?? 0
    }

    @Test func unhealthyGreenNeverTakesProduction() async throws {
        try await BlueGreenEnvironment.with { environment in
            let names = AWSNames(owner: "octo", repo: "sick")
            _ = try await environment.git.makeRepository(owner: "octo", repo: "sick", template: SampleApp.files(.unhealthy))
            let service = await environment.service(owner: "octo", repo: "sick")
            let deployment = try await environment.deploy(service, owner: "octo", repo: "sick")
            let result = deployment.snapshot()
            // The target group's own checks find /health 404; past the grace period ECS stops the task.
            // Whichever stage saw it, a failing health endpoint is a health check failure, with the codes.
            #expect(result.failure?.errorCode == .healthCheckFailed, "\(result.failure?.message ?? "")")
            #expect(result.failure?.stage == 4)
            #expect(result.failure?.message.contains("404") == true, "\(result.failure?.message ?? "")")
            #expect(result.facts.finalService == nil)
            #expect(!messages(of: deployment).contains("[Stage 5] 트래픽 전환 중"))
            // Production untouched (still slot a, as created), green back at 0.
            #expect(try await environment.productionTargetGroup(names) == (try await environment.targetGroupARN(names, .a)))
            #expect(try await environment.desiredCount(names, .b) == 0)
        }
    }

    @Test func aSwitchCutShortLeavesProductionServing() async throws {
        try await BlueGreenEnvironment.with { environment in
            let names = AWSNames(owner: "octo", repo: "half")
            _ = try await environment.git.makeRepository(owner: "octo", repo: "half", template: SampleApp.files(version: "v1"))
            let service = await environment.service(owner: "octo", repo: "half")
            let first = try await environment.deploy(service, owner: "octo", repo: "half")
            #expect(first.status == .completed, "\(first.snapshot().failure?.message ?? "")")
            _ = try await environment.git.commit(owner: "octo", repo: "half", change: RepositoryChange(
                files: SampleApp.files(version: "v2").files.filter { $0.key.hasPrefix("www/") }, message: "v2"))

            // The production listener moves to green, then the test listener's change fails.
            try await environment.standIn.failAPI(action: "ModifyListener", skip: 1, count: 50, code: "ValidationError", status: 400)
            let second = try await environment.deploy(service, owner: "octo", repo: "half")
            let result = second.snapshot()
            #expect(result.failure?.stage == 5)
            #expect(result.facts.intendedProductionSlot == "a")
            // Clean-up read the listener: production forwards to green, so green keeps running and serves.
            let slotA = try #require(try await environment.targetGroupARN(names, .a))
            #expect(try await environment.productionTargetGroup(names) == slotA)
            #expect(try await environment.desiredCount(names, .a) == 1)
            #expect(result.facts.finalService == "green")
            let dns = try #require(first.snapshot().facts.greenURL?.replacingOccurrences(of: "http://", with: ""))
            #expect(try await environment.fetch(dns, port: 80, path: "/").body.contains(SampleApp.indexMarker(version: "v2")))
        }
    }

    @Test func aCancelDuringTheSwitchPutsProductionBackOnBlue() async throws {
        try await BlueGreenEnvironment.with { environment in
            let names = AWSNames(owner: "octo", repo: "undo")
            _ = try await environment.git.makeRepository(owner: "octo", repo: "undo", template: SampleApp.files(version: "v1"))
            let service = await environment.service(owner: "octo", repo: "undo")
            let first = try await environment.deploy(service, owner: "octo", repo: "undo")
            #expect(first.status == .completed, "\(first.snapshot().failure?.message ?? "")")
            let blueGroup = try #require(try await environment.productionTargetGroup(names))
            _ = try await environment.git.commit(owner: "octo", repo: "undo", change: RepositoryChange(
                files: SampleApp.files(version: "v2").files.filter { $0.key.hasPrefix("www/") }, message: "v2"))

            // The production listener's move is slow: the cancel arrives while that call is in flight.
            try await environment.standIn.delayAPI(action: "ModifyListener", by: .seconds(6))
            let second = try await service.0.start(githubConnectionID: service.1, awsConnectionID: service.2,
                                                   owner: "octo", repo: "undo", branch: "main")
            let deadline = ContinuousClock.now + .seconds(300)
            while !messages(of: second).contains(where: { $0.hasSuffix(StageMessage.switchingTraffic.text) }),
                  !second.status.isTerminal, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .seconds(2))
            _ = try await service.0.cancel(second.id)
            let result = try await environment.finished(second).snapshot()
            #expect(result.failure?.errorCode == .deploymentCancelled, "\(result.failure?.message ?? "")")
            #expect(result.failure?.stage == 5)

            // Production is back on blue, which still serves v1; green is stopped.
            #expect(try await environment.productionTargetGroup(names) == blueGroup)
            let dns = try #require(first.snapshot().facts.greenURL?.replacingOccurrences(of: "http://", with: ""))
            #expect(try await environment.fetch(dns, port: 80, path: "/").body.contains(SampleApp.indexMarker(version: "v1")))
            let greenSlot: Slot = try await environment.targetGroupARN(names, .a) == blueGroup ? .b : .a
            #expect(try await environment.desiredCount(names, greenSlot) == 0)
            #expect(try await environment.desiredCount(names, greenSlot.other) == 1)
        }
    }

    @Test func deploymentsOfOneApplicationTakeTurns() async throws {
        try await BlueGreenEnvironment.with { environment in
            _ = try await environment.git.makeRepository(owner: "octo", repo: "turns", template: SampleApp.files(version: "v1"))
            let service = await environment.service(owner: "octo", repo: "turns")
            let first = try await service.0.start(githubConnectionID: service.1, awsConnectionID: service.2, owner: "octo", repo: "turns", branch: "main")
            let second = try await service.0.start(githubConnectionID: service.1, awsConnectionID: service.2, owner: "octo", repo: "turns", branch: "main")
            _ = try await environment.finished(first)
            _ = try await environment.finished(second)
            #expect(first.status == .completed, "\(first.snapshot().failure?.message ?? "")")
            #expect(second.status == .completed, "\(second.snapshot().failure?.message ?? "")")
            let waiting = messages(of: second).first { $0.hasPrefix("[Stage 3] Waiting for deployment") }
                ?? messages(of: first).first { $0.hasPrefix("[Stage 3] Waiting for deployment") }
            #expect(waiting != nil)
            // Never interleaved: one's stage 3 starts after the other's end.
            let events = [first, second].map { $0.log.events }
            let (earlier, later) = events[0].last!.timestamp < events[1].last!.timestamp ? (events[0], events[1]) : (events[1], events[0])
            let laterStage3 = try #require(later.first { $0.data.contains("[Stage 3] ECS 서비스") })
            #expect(laterStage3.timestamp >= earlier.last!.timestamp)
        }
    }

    @Test func greenThatNeverBecomesReadyTimesOutInStageFour() async throws {
        try await BlueGreenEnvironment.with { environment in
            _ = try await environment.git.makeRepository(owner: "octo", repo: "slow", template: SampleApp.files(version: "v1"))
            let stages: [any Stage] = [DockerBuildStage(), ECRPushStage(), ECSServiceStage(), BlueGreenLifecycleStage(timeout: .seconds(3)),
                                       HealthCheckAndSwitchStage(), CompletionStage()]
            // ECS cannot assume the execution role Panda creates (IAM still propagating): green never
            // starts, and Panda waits for IAM (up to aws.iamPropagationSeconds) until the stage's timeout.
            // The service-linked role was there before: the delay holds for roles created after it is set.
            _ = try await environment.standIn.aws("iam", "create-service-linked-role", ["--aws-service-name", "ecs.amazonaws.com"])
            try await environment.standIn.setIAMPropagation(.seconds(600))
            let service = await environment.service(owner: "octo", repo: "slow", stages: stages) { $0.aws.iamPropagationSeconds = 600 }
            let deployment = try await environment.deploy(service, owner: "octo", repo: "slow")
            let failure = try #require(deployment.snapshot().failure)
            #expect(failure.errorCode == .deploymentTimeout)
            #expect(failure.message == "Deployment timed out at Stage 4 after 3 seconds (timeout: 3 seconds)")
            #expect(try await environment.desiredCount(AWSNames(owner: "octo", repo: "slow"), .b) == 0)
        }
    }
}
