import Foundation

/// Stage 5: measure green (test listener) against blue (production listener) in the same
/// window, switch the listeners when green passes, verify production afterwards, and
/// switch back if it does not hold.
public struct HealthCheckAndSwitchStage: Stage {
    public let number = 5
    public let name = "Health check and traffic switch"
    public let usesAWS = true
    public let failureCode = ErrorCode.healthCheckFailed

    public init() {}

    public func run(in context: DeploymentContext) async throws {
        let plan = try context.requirePlan()
        let health = context.configuration.health
        let greenURL = context.healthURL(plan.testURL)
        let productionURL = context.healthURL(plan.productionURL)
        context.publish(.healthCheckAndSwitch, details: ["url": .string(greenURL)])

        var greenProbes: [ProbeResult] = []
        var blueProbes: [ProbeResult] = []
        for check in 1...health.checks {
            if check > 1 { try await context.pause(for: context.healthInterval) }
            async let green = context.steadyProbe(greenURL)
            async let blue: ProbeResult? = plan.blue == nil ? nil : context.probe(productionURL)
            let (greenResult, blueResult) = try await (green, blue)
            greenProbes.append(greenResult)
            if let blueResult { blueProbes.append(blueResult) }
            context.publish(.healthCheckProgress(check, of: health.checks), details: [
                "url": .string(greenURL), "statusCode": .integer(greenResult.statusCode),
                "latencyMs": greenResult.latencyMs.map(JSONValue.integer) ?? .null,
                "blueStatusCode": blueResult.map { .integer($0.statusCode) } ?? .null,
                "blueLatencyMs": blueResult?.latencyMs.map(JSONValue.integer) ?? .null,
            ])
        }
        let green = ProbeSummary(probes: greenProbes)
        let blue = plan.blue == nil ? nil : ProbeSummary(probes: blueProbes)
        context.record { facts in
            facts.greenURL = plan.testURL
            facts.blueURL = plan.blue == nil ? nil : plan.productionURL
            facts.greenLatencyMs = green.medianLatencyMs
            facts.greenErrorRate = green.errorRate
            facts.blueLatencyMs = blue?.medianLatencyMs
            facts.blueErrorRate = blue?.errorRate
        }
        if let problem = Self.verdict(green: green, blue: blue, health: health) {
            throw StageFailure("Green failed its health check: \(problem); production is unchanged")
        }
        context.publish(.healthCheckPassed, details: [
            "url": .string(greenURL), "passedChecks": .integer(green.probes.filter(\.isHealthy).count),
            "greenLatencyMs": green.medianLatencyMs.map(JSONValue.integer) ?? .null,
            "blueLatencyMs": blue?.medianLatencyMs.map(JSONValue.integer) ?? .null,
        ])

        context.publish(.switchingTraffic, details: [
            "from": "blue", "to": "green",
            "fromTargetGroup": .string(plan.blue.map(plan.targetGroupARN)), "toTargetGroup": .string(plan.targetGroupARN(plan.green)),
        ])
        try await context.switchTraffic(plan, toGreen: true)
        if context.deployment.isCancelRequested {
            // Cancelled while the listeners moved: production goes back to blue, as if the
            // switch had not started, and clean-up then stops green.
            try await context.switchTraffic(plan, toGreen: false)
            context.record { $0.finalService = plan.blue == nil ? nil : "blue" }
            throw CancellationError()
        }
        context.record {
            $0.finalService = "green"
            // Green now serves behind the production listener; the test listener points at the old slot.
            $0.greenURL = plan.productionURL
        }
        context.publish(.trafficSwitched, details: ["activeService": "green", "url": .string(plan.productionURL)])

        // AfterAllowTraffic: production must answer on green before the deployment counts.
        let after = try await context.probeSeries(productionURL, count: health.postTrafficChecks, interval: context.healthInterval)
        context.publish(.afterAllowTrafficVerified, details: [
            "url": .string(productionURL), "checks": .integer(health.postTrafficChecks),
            "passedChecks": .integer(after.probes.filter(\.isHealthy).count),
        ])
        if after.errorRate > health.maxErrorRate {
            try await context.rollBack(plan, reason: "production answered \(after.statusList) after the switch")
        }
    }

    /// Why green must not take production, or `nil` when it may.
    static func verdict(green: ProbeSummary, blue: ProbeSummary?, health: PandaConfiguration.Health) -> String? {
        if green.errorRate > health.maxErrorRate {
            return "error rate \(green.errorRate) (maximum \(health.maxErrorRate)), answers \(green.statusList)"
        }
        guard let latency = green.medianLatencyMs else { return "no answer" }
        if latency > health.maxLatencyMs {
            return "median latency \(latency) ms (maximum \(health.maxLatencyMs) ms)"
        }
        // Relative to blue only past a small absolute margin: 1 ms against 3 ms is noise, not a regression.
        if let blueLatency = blue?.medianLatencyMs, latency > 50,
           Double(latency) > Double(blueLatency) * health.maxLatencyRatio {
            return "median latency \(latency) ms, over \(health.maxLatencyRatio)× blue's \(blueLatency) ms"
        }
        return nil
    }
}
