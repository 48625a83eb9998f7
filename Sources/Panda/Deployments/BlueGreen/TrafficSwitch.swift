/// The listener switch and its undo, shared by the stages that watch production after it.
extension DeploymentContext {
    /// Production → green and test → blue, or back.
    func switchTraffic(_ plan: BlueGreenPlan, toGreen: Bool) async throws {
        let production = toGreen ? plan.green : plan.green.other
        try await pointListener(plan.productionListenerARN, at: plan.targetGroupARN(production))
        try await pointListener(plan.testListenerARN, at: plan.targetGroupARN(production.other))
    }

    /// Puts production back where it was, stops green, and fails the stage with `reason`.
    func rollBack(_ plan: BlueGreenPlan, reason: String) async throws -> Never {
        publish(.rollbackStarted(stage: stageNumber), details: ["reason": .string(reason)])
        try await switchTraffic(plan, toGreen: false)
        record { $0.finalService = plan.blue == nil ? nil : "blue" }
        publish(.rollbackTrafficToBlue(stage: stageNumber), details: [
            "activeService": .string(plan.blue == nil ? nil : "blue"), "url": .string(plan.productionURL),
        ])
        try? await scale(plan.serviceName(plan.green), cluster: plan.clusterName, to: 0)
        publish(.rollbackCompleted(stage: stageNumber), details: ["serviceName": .string(plan.serviceName(plan.green))])
        throw StageFailure("AfterAllowTraffic failed: \(reason); traffic switched back")
    }
}
