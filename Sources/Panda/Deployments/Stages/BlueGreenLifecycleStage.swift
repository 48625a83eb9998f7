import Foundation
import Tools

/// Stage 4: start green next to blue, wait until its tasks run and its targets are
/// healthy (failing at once when tasks stop instead), then the pre-traffic hook.
public struct BlueGreenLifecycleStage: Stage {
    public let number = 4
    public let name = "Blue/green lifecycle"
    public let failureCode = ErrorCode.ecsDeploymentFailed
    public let timeout: Duration?

    /// - Parameter timeout: overrides the configured stage timeout.
    public init(timeout: Duration? = nil) {
        self.timeout = timeout
    }

    public func run(in context: DeploymentContext) async throws {
        let plan = try context.requirePlan()
        let greenService = plan.serviceName(plan.green)
        context.publish(.blueGreenStarted, details: [
            "image": .string(context.facts.imageURI), "blueService": .string(plan.blue.map(plan.serviceName)),
            "greenService": .string(greenService),
        ])
        if let blue = plan.blue {
            context.publish(.blueRunning, details: [
                "url": .string(plan.productionURL), "serviceName": .string(plan.serviceName(blue)),
            ])
        }
        let desired = context.configuration.aws.desiredCount
        context.publish(.greenStarting, details: [
            "url": .string(plan.testURL), "serviceName": .string(greenService), "desiredCount": .integer(desired),
        ])
        try await context.scale(greenService, cluster: plan.clusterName, to: desired)
        let ready = try await waitUntilReady(plan: plan, desired: desired, context: context)
        context.publish(.greenReady, details: [
            "url": .string(plan.testURL), "runningCount": .integer(ready.running), "healthyTargets": .integer(ready.healthy),
        ])

        let preTraffic = context.configuration.health.preTrafficChecks
        let checks = try await context.probeSeries(context.healthURL(plan.testURL), count: preTraffic, interval: context.healthInterval)
        let passed = checks.probes.filter(\.isHealthy).count
        context.publish(.beforeAllowTraffic, details: [
            "url": .string(context.healthURL(plan.testURL)), "checks": .integer(preTraffic), "passedChecks": .integer(passed),
        ])
        guard passed == preTraffic else {
            throw StageFailure("BeforeAllowTraffic: green answered \(checks.statusList) on \(context.healthURL(plan.testURL))")
        }
        // The post-traffic hook runs right after the switch in stage 5; this marks it in the lifecycle.
        context.publish(.afterAllowTraffic, details: [
            "url": .string(context.healthURL(plan.productionURL)),
            "checks": .integer(context.configuration.health.postTrafficChecks), "runs": "after the traffic switch",
        ])
    }

    private func waitUntilReady(plan: BlueGreenPlan, desired: Int, context: DeploymentContext) async throws -> (running: Int, healthy: Int) {
        let service = plan.serviceName(plan.green)
        let interval = Duration.seconds(context.configuration.health.pollIntervalSeconds)
        while true {
            if let stopped = try await stoppedTasks(service: service, cluster: plan.clusterName, context: context) {
                throw StageFailure("Green tasks stopped: \(stopped)")
            }
            let running = try await context.serviceState(service, cluster: plan.clusterName)?.running ?? 0
            let health = try await context.aws { $0.elbv2.describeTargetHealth(targetGroupARN: plan.targetGroupARN(plan.green)) }
            let healthy = health["TargetHealthDescriptions"]?.arrayValue
                .filter { $0["TargetHealth"]?["State"]?.stringValue == "healthy" }.count ?? 0
            if running >= desired, healthy >= desired { return (running, healthy) }
            try await Task.sleep(for: interval)
        }
    }

    private func stoppedTasks(service: String, cluster: String, context: DeploymentContext) async throws -> String? {
        let listed = try await context.aws { $0.ecs.listTasks(cluster: cluster, serviceName: service, desiredStatus: .stopped) }
        let arns = listed["taskArns"]?.arrayValue.compactMap(\.stringValue) ?? []
        guard !arns.isEmpty else { return nil }
        let described = try await context.aws { $0.ecs.describeTasks(cluster: cluster, tasks: Array(arns.prefix(10))) }
        return Self.stoppedSummary(described)
    }

    /// Stopped reasons and exit codes from `ecs describe-tasks` output (AWS's documented shape).
    static func stoppedSummary(_ described: JSONValue) -> String? {
        let tasks = described["tasks"]?.arrayValue.filter { $0["lastStatus"]?.stringValue == "STOPPED" } ?? []
        guard !tasks.isEmpty else { return nil }
        return tasks.map { task in
            let id = task["taskArn"]?.stringValue?.split(separator: "/").last.map(String.init) ?? "task"
            var text = "\(id): \(task["stoppedReason"]?.stringValue ?? "stopped")"
            for container in task["containers"]?.arrayValue ?? [] {
                let name = container["name"]?.stringValue ?? "container"
                if let code = container["exitCode"]?.intValue { text += "; \(name) exit code \(code)" }
                if let reason = container["reason"]?.stringValue { text += "; \(name): \(reason)" }
            }
            return text
        }.joined(separator: " | ")
    }
}
