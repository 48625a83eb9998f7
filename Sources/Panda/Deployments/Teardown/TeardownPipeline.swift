/// The stages of a deployment of kind `TEARDOWN`: find what Panda created for the
/// application from its tags, then remove it in the order AWS allows.
public let standardTeardownPipeline: Pipeline = { _ in
    [FindResourcesStage(), RemoveServicesStage(), RemoveLoadBalancerStage(), RemoveSecurityGroupsStage(), RemoveLeftoversStage()]
}

/// What the first teardown stage found (kept in the deployment's facts), for the stages after it.
struct TeardownPlan: Sendable {
    let names: AWSNames
    let resources: [AppResource]

    func resources(_ kind: AppResource.Kind) -> [AppResource] { resources.filter { $0.type == kind } }
}

extension DeploymentContext {
    var teardownPlan: TeardownPlan {
        TeardownPlan(names: AWSNames(owner: request.owner, repo: request.repo), resources: facts.teardownResources ?? [])
    }

    /// Records a resource as removed (or found already gone, which is not an error) and says so.
    func removed(_ resource: AppResource, alreadyGone: Bool) {
        record { $0.removedResources = ($0.removedResources ?? []) + [resource] }
        publish("[Teardown \(stageNumber)] \(alreadyGone ? "Already gone" : "Deleted"): \(resource.type.rawValue)", details: [
            "type": .string(resource.type.rawValue), "id": .string(resource.id), "alreadyGone": .bool(alreadyGone),
        ])
    }

    /// Waits before looking again at something AWS removes in the background.
    func pauseBeforeRetry() async throws {
        try await pause(for: .seconds(configuration.health.pollIntervalSeconds))
    }
}
