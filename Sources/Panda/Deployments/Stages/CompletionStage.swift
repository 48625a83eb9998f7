/// Stage 6: after the bake time (production watched throughout), the old version is
/// scaled to 0 and the deployment is reported complete.
public struct CompletionStage: Stage {
    public let number = 6
    public let name = "Completion"
    public let usesAWS = true
    public let failureCode = ErrorCode.healthCheckFailed

    public init() {}

    public func run(in context: DeploymentContext) async throws {
        let plan = try context.requirePlan()
        let bake = context.configuration.health.bakeSeconds
        if bake > 0 {
            let deadline = ContinuousClock.now + .seconds(bake)
            while ContinuousClock.now < deadline {
                try await context.pause(for: min(context.healthInterval, deadline - .now))
                let probe = try await context.steadyProbe(context.healthURL(plan.productionURL))
                if !probe.isHealthy {
                    try await context.rollBack(
                        plan, reason: "production answered \(probe.statusCode == 0 ? "nothing" : String(probe.statusCode)) during the bake time")
                }
            }
        }
        // Recording production in the load balancer's tags does not wait for the scale-down.
        async let recorded: Void = context.recordProduction(of: plan)
        // Never scale down what production forwards to (read from the listener, not assumed).
        if let blue = plan.blue, try await context.productionSlot(plan) != blue {
            try await context.scale(plan.serviceName(blue), cluster: plan.clusterName, to: 0)
        }
        await recorded
        let facts = context.facts
        context.publish(.deploymentCompleted, details: [
            "finalService": .string(facts.finalService), "blueUrl": .string(facts.blueURL), "greenUrl": .string(facts.greenURL),
        ])
    }
}
