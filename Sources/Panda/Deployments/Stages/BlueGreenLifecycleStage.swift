import Foundation
import Tools

/// Stage 4: start green next to blue, wait until its tasks run and its targets are
/// healthy (failing at once when this deployment's tasks stop or cannot be placed), then
/// the pre-traffic hook.
public struct BlueGreenLifecycleStage: Stage {
    public let number = 4
    public let name = "Blue/green lifecycle"
    public let usesAWS = true
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
        // This deployment's tasks are the ones of its task definition started from here on
        // (a little earlier, for clock skew); older stopped tasks of the slot stay listed for an hour.
        let scaledUp = Date().addingTimeInterval(-5)
        try await context.scale(greenService, cluster: plan.clusterName, to: desired)
        let ready = try await waitUntilReady(plan: plan, desired: desired, since: scaledUp, context: context)
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
            throw StageFailure("BeforeAllowTraffic: green's health check answered \(checks.statusList) on \(context.healthURL(plan.testURL))",
                               errorCode: .healthCheckFailed)
        }
        // The post-traffic hook runs right after the switch in stage 5; this marks it in the lifecycle.
        context.publish(.afterAllowTraffic, details: [
            "url": .string(context.healthURL(plan.productionURL)),
            "checks": .integer(context.configuration.health.postTrafficChecks), "runs": "after the traffic switch",
        ])
    }

    private func waitUntilReady(plan: BlueGreenPlan, desired: Int, since: Date,
                                context: DeploymentContext) async throws -> (running: Int, healthy: Int) {
        let service = plan.serviceName(plan.green)
        let interval = Duration.seconds(context.configuration.health.pollIntervalSeconds)
        var announcedIAMWait = false
        while true {
            do {
                // The three reads of one poll do not depend on each other: they run at once.
                async let stoppedCheck = stoppedTasks(plan: plan, since: since, context: context)
                async let serviceState = context.serviceState(service, cluster: plan.clusterName)
                async let targetHealth = context.aws { $0.elbv2.describeTargetHealth(targetGroupARN: plan.targetGroupARN(plan.green)) }
                let (stopped, state, health) = try await (stoppedCheck, serviceState, targetHealth)
                if let stopped { throw stopped }
                switch Self.placementProblem(in: state?.events ?? [], since: since) {
                case .roleNotAssumable(let message)
                    where Date().timeIntervalSince(since) < Double(context.configuration.aws.iamPropagationSeconds):
                    if !announcedIAMWait {
                        context.publish("[Stage 4] Waiting for IAM: ECS cannot assume the task execution role yet", details: ["event": .string(message)])
                        announcedIAMWait = true
                    }
                case .roleNotAssumable(let message), .placement(let message):
                    throw StageFailure("ECS could not start green's tasks: \(message)")
                case nil:
                    break
                }
                let healthy = health["TargetHealthDescriptions"]?.arrayValue
                    .filter { $0["TargetHealth"]?["State"]?.stringValue == "healthy" }.count ?? 0
                let running = state?.running ?? 0
                if running >= desired, healthy >= desired { return (running, healthy) }
            } catch let failure as AWSCallFailure where failure.isTransient {
                context.logger.info("stage 4 poll: transient AWS error, polling on", metadata: ["reason": "\(failure.reason)"])
            }
            try await context.pause(for: interval)
        }
    }

    /// This deployment's stopped tasks (its task definition, started after the scale-up), as a failure.
    private func stoppedTasks(plan: BlueGreenPlan, since: Date, context: DeploymentContext) async throws -> StageFailure? {
        let service = plan.serviceName(plan.green)
        let listed = try await context.aws { $0.ecs.listTasks(cluster: plan.clusterName, serviceName: service, desiredStatus: .stopped) }
        let arns = listed["taskArns"]?.arrayValue.compactMap(\.stringValue) ?? []
        guard !arns.isEmpty else { return nil }
        let described = try await context.aws { $0.ecs.describeTasks(cluster: plan.clusterName, tasks: Array(arns.prefix(100))) }
        let tasks = Self.tasksOfThisDeployment(described, taskDefinition: plan.taskDefinitionARN, since: since)
        guard let summary = Self.stoppedSummary(tasks) else { return nil }
        // ECS stops a task whose load balancer health checks keep failing: that is green's health, not ECS.
        if tasks.contains(where: { $0["stoppedReason"]?.stringValue?.contains("failed ELB health checks") ?? false }) {
            let codes = try? await context.serviceState(service, cluster: plan.clusterName)?.events
                .first { $0.message.contains("Health checks failed") || $0.message.contains("is unhealthy in") }?.message
            return StageFailure("Green failed its load balancer health checks on \(context.configuration.health.path): \(summary)"
                                + (codes.flatMap { $0 }.map { " (\($0))" } ?? ""), errorCode: .healthCheckFailed)
        }
        return StageFailure("Green tasks stopped: \(summary)")
    }

    static func tasksOfThisDeployment(_ described: JSONValue, taskDefinition: String, since: Date) -> [JSONValue] {
        (described["tasks"]?.arrayValue ?? []).filter { task in
            guard task["lastStatus"]?.stringValue == "STOPPED", task["taskDefinitionArn"]?.stringValue == taskDefinition else { return false }
            let created = AWSTimestamp.date(task["createdAt"]) ?? AWSTimestamp.date(task["startedAt"])
            return created.map { $0 >= since } ?? true
        }
    }

    /// Stopped reasons and exit codes of stopped tasks (`ecs describe-tasks`, AWS's documented shape).
    static func stoppedSummary(_ tasks: [JSONValue]) -> String? {
        guard !tasks.isEmpty else { return nil }
        return tasks.map { task in
            let id = task["taskArn"]?.stringValue?.split(separator: "/").last.map(String.init) ?? "task"
            var text = "\(id): \(task["stoppedReason"]?.stringValue ?? "stopped")"
            for container in task["containers"]?.arrayValue ?? [] {
                let name = container["name"]?.stringValue ?? "container"
                if let code = container["exitCode"]?.intValue { text += "; \(name) exit code \(code)" }
                if let reason = container["reason"]?.stringValue, reason != task["stoppedReason"]?.stringValue { text += "; \(name): \(reason)" }
            }
            return text
        }.joined(separator: " | ")
    }

    enum PlacementProblem: Equatable {
        /// IAM may still be propagating a role just created.
        case roleNotAssumable(String)
        case placement(String)
    }

    /// Placement failures show only in the service's events (no task is stopped).
    /// Events are newest first: a task started after the failure means ECS got past it.
    static func placementProblem(in events: [ServiceState.Event], since: Date) -> PlacementProblem? {
        for event in events {
            guard event.createdAt.map({ $0 >= since }) ?? false else { break }
            if event.message.contains("has started") { return nil }
            if event.message.contains("was unable to place a task") || event.message.contains("failed to launch a task") {
                return event.message.contains("unable to assume the role") ? .roleNotAssumable(event.message) : .placement(event.message)
            }
        }
        return nil
    }
}
