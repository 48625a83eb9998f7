import Foundation
import Testing
import Tools
import PandaTestSupport
@testable import Panda

/// Everything the whole pipeline needs: the build-and-push components plus the stand-in
/// that plays ECS and the load balancer next to moto.
final class BlueGreenEnvironment: Sendable {
    let base: BuildAndPushEnvironment
    let standIn: ECSStandIn

    private init(base: BuildAndPushEnvironment, standIn: ECSStandIn) {
        self.base = base
        self.standIn = standIn
    }

    static func start(strictness: ECSStandIn.Strictness = ECSStandIn.Strictness()) async throws -> BlueGreenEnvironment {
        let base = try await BuildAndPushEnvironment.start()
        let standIn = try await ECSStandIn.start(moto: base.moto, strictness: strictness)
        return BlueGreenEnvironment(base: base, standIn: standIn)
    }

    func stop() async {
        try? await standIn.stop()
        await base.stop()
    }

    var git: GitFixture { base.git }
    var moto: MotoServer { base.moto }

    func configure(_ configuration: inout PandaConfiguration) {
        // AWS as strict as AWS: moto behind the stand-in's rules.
        configuration.aws.endpointURL = standIn.apiEndpointURL
        configuration.aws.iamPropagationSeconds = 30
        configuration.aws.healthCheckGracePeriodSeconds = 10
        // AWS's smallest health check settings (the stand-in runs its checks 5 × faster).
        configuration.health.targetGroupIntervalSeconds = 5
        configuration.health.targetGroupTimeoutSeconds = 4
        configuration.health.healthyThreshold = 2
        configuration.health.unhealthyThreshold = 2
        configuration.health.connectTo = standIn.connectTo
        configuration.health.intervalMilliseconds = 200
        configuration.health.pollIntervalSeconds = 1
        configuration.health.postTrafficChecks = 2
        // Stage 3 of a new application makes some 25 aws calls; on a loaded machine each takes seconds.
        configuration.deployments.stageTimeoutSeconds = 300
    }

    /// A service running all six stages (or `stages`) with connections for `owner/repo`.
    func service(owner: String, repo: String, stages: [any Stage]? = nil,
                 configure extra: (inout PandaConfiguration) -> Void = { _ in }) async -> (DeploymentService, String, String) {
        let pipeline: Pipeline = if let stages { { _ in stages } } else { standardPipeline }
        return await base.service(owner: owner, repo: repo, pipeline: pipeline) { configuration in
            configure(&configuration)
            extra(&configuration)
        }
    }

    func deploy(_ service: (DeploymentService, String, String), owner: String, repo: String) async throws -> Deployment {
        let deployment = try await service.0.start(githubConnectionID: service.1, awsConnectionID: service.2, owner: owner, repo: repo, branch: "main")
        return try await finished(deployment)
    }

    func finished(_ deployment: Deployment) async throws -> Deployment {
        let deadline = ContinuousClock.now + .seconds(300)
        while !deployment.status.isTerminal, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        return deployment
    }

    /// What the load balancer's listener on `port` serves at `path`, through the stand-in.
    func fetch(_ dnsName: String, port: Int, path: String) async throws -> (status: Int, body: String) {
        let url = port == 80 ? "http://\(dnsName)\(path)" : "http://\(dnsName):\(port)\(path)"
        let command = Command("curl", arguments: ["--silent", "--max-time", "5", "--write-out", "\n%{http_code}"]
            + standIn.connectTo.flatMap { ["--connect-to", $0] } + ["--", url], timeout: .seconds(10))
        let result = try await TestProcess.runner.run(command)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// The production listener's target group in moto.
    func productionTargetGroup(_ names: AWSNames, port: Int = 80) async throws -> String? {
        let balancers = try await moto.aws("elbv2", "describe-load-balancers", ["--names", names.loadBalancer])
        guard let arn = balancers["LoadBalancers"]?.arrayValue.first?["LoadBalancerArn"]?.stringValue else { return nil }
        let listeners = try await moto.aws("elbv2", "describe-listeners", ["--load-balancer-arn", arn])
        return listeners["Listeners"]?.arrayValue.compactMap(Listener.init).first { $0.port == port }?.targetGroupARN
    }

    func targetGroupARN(_ names: AWSNames, _ slot: Slot) async throws -> String? {
        let groups = try await moto.aws("elbv2", "describe-target-groups", ["--names", names.targetGroup(slot)])
        return groups["TargetGroups"]?.arrayValue.first?["TargetGroupArn"]?.stringValue
    }

    func desiredCount(_ names: AWSNames, _ slot: Slot) async throws -> Int? {
        let services = try await moto.aws("ecs", "describe-services", ["--cluster", "panda-cluster", "--services", names.service(slot)])
        return services["services"]?.arrayValue.first?["desiredCount"]?.intValue
    }
}

func messages(of deployment: Deployment) -> [String] {
    stageEvents(deployment).map(\.message).filter { !$0.contains("출력") }
}

extension BlueGreenEnvironment {
    /// Starts the components, runs `body`, and stops them whether `body` succeeded or not.
    static func with(strictness: ECSStandIn.Strictness = ECSStandIn.Strictness(),
                     _ body: (BlueGreenEnvironment) async throws -> Void) async throws {
        try await withStarted({ try await start(strictness: strictness) }, stop: { await $0.stop() }, body)
    }
}
