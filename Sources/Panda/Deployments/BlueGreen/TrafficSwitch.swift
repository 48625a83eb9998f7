/// The listener switch and its undo, shared by the stages that watch production after it.
/// Safe under partial failure: what production forwards to is read from the listener itself
/// before anything is scaled down, never assumed from how far the switch got.
extension DeploymentContext {
    /// Production → green and test → blue, or back. The intended production slot is recorded
    /// before the first `modify-listener`, so a switch cut short is recognisable.
    ///
    /// A cancel does not cut the switch: the two calls run in a task of their own, which the
    /// deployment's cancellation does not reach. Killing the aws CLI mid-call would not take
    /// back a request already sent, and clean-up could read the listener before it lands.
    func switchTraffic(_ plan: BlueGreenPlan, toGreen: Bool) async throws {
        let production = toGreen ? plan.green : plan.green.other
        record { $0.intendedProductionSlot = production.rawValue }
        lastProductionReading = nil
        // One after the other, production first: moved at once, the new production target group
        // can be left on no listener for a moment, and targets that leave every listener come
        // back through `initial` health checks (production answered 503 when tried).
        try await Task {
            try await pointListener(plan.productionListenerARN, at: plan.targetGroupARN(production))
            try await pointListener(plan.testListenerARN, at: plan.targetGroupARN(production.other))
        }.value
    }

    /// The slot production forwards to now, read from the listener; `nil` when it cannot be read
    /// or forwards elsewhere.
    func productionSlot(_ plan: BlueGreenPlan) async throws -> Slot? {
        let listeners = try await aws { $0.elbv2.describeListeners(loadBalancerARN: plan.loadBalancerARN) }
        let production = listeners["Listeners"]?.arrayValue.compactMap(Listener.init).first { $0.arn == plan.productionListenerARN }
        let slot = Slot.allCases.first { production?.targetGroupARN != nil && plan.targetGroupARN($0) == production?.targetGroupARN }
        lastProductionReading = .some(slot)
        return slot
    }

    /// The deployment's clean-up: green goes back to 0 tasks unless production forwards to it
    /// (a switch that failed half way, or was cancelled, may have moved production already).
    /// The listener is read again unless it was read after the last switch (stage 6 does):
    /// only this deployment moves it, under the application's lock.
    func stopGreenUnlessServing(_ plan: BlueGreenPlan) async {
        let serving: Slot?
        do {
            if let remembered = lastProductionReading {
                serving = remembered
            } else {
                serving = try await productionSlot(plan)
            }
        } catch {
            logger.warning("clean-up: could not read the production listener; green left running", metadata: ["error": "\(error)"])
            return
        }
        if serving == plan.green {
            record { $0.finalService = "green" }
            return
        }
        try? await scale(plan.serviceName(plan.green), cluster: plan.clusterName, to: 0)
    }

    /// Puts production back where it was, stops green, and fails the stage with `reason`.
    func rollBack(_ plan: BlueGreenPlan, reason: String) async throws -> Never {
        publish(.rollbackStarted(stage: stageNumber), details: ["reason": .string(reason)])
        try await switchTraffic(plan, toGreen: false)
        record { $0.finalService = plan.blue == nil ? nil : "blue" }
        publish(.rollbackTrafficToBlue(stage: stageNumber), details: [
            "activeService": .string(plan.blue == nil ? nil : "blue"), "url": .string(plan.productionURL),
        ])
        if try await productionSlot(plan) != plan.green {
            try? await scale(plan.serviceName(plan.green), cluster: plan.clusterName, to: 0)
        }
        publish(.rollbackCompleted(stage: stageNumber), details: ["serviceName": .string(plan.serviceName(plan.green))])
        throw StageFailure("AfterAllowTraffic failed: \(reason); traffic switched back")
    }
}
