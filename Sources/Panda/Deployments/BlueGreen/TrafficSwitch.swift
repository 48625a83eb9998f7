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
        publish("[Stage \(stageNumber)] 롤백 시작", details: ["reason": .string(reason)])
        try await switchTraffic(plan, toGreen: false)
        record { $0.finalService = plan.blue == nil ? nil : "blue" }
        publish("[Stage \(stageNumber)] 롤백: 트래픽을 Blue로 되돌림", details: [
            "activeService": .string(plan.blue == nil ? nil : "blue"), "url": .string(plan.productionURL),
        ])
        try? await scale(plan.serviceName(plan.green), cluster: plan.clusterName, to: 0)
        publish("[Stage \(stageNumber)] 롤백 완료: Green 서비스 중지", details: ["serviceName": .string(plan.serviceName(plan.green))])
        throw StageFailure("AfterAllowTraffic failed: \(reason); traffic switched back")
    }
}
