/// Teardown stage 2: each ECS service scaled to 0 and deleted, then waited for until ECS
/// reports it inactive (its tasks, and their network interfaces, are gone by then).
public struct RemoveServicesStage: Stage {
    public let number = 2
    public let name = "Remove ECS services"
    public let failureCode = ErrorCode.teardownFailed

    public init() {}

    static let goneCodes: Set<String> = ["ServiceNotFoundException", "ServiceNotActiveException", "ClusterNotFoundException"]

    public func run(in context: DeploymentContext) async throws {
        for service in context.teardownPlan.resources(.service) {
            let cluster = service.serviceCluster ?? "default"
            let scaled = try await context.aws(tolerating: Self.goneCodes) {
                $0.ecs.updateService(cluster: cluster, service: service.id, desiredCount: 0)
            }
            let deleted = try await context.aws(tolerating: Self.goneCodes) { $0.ecs.deleteService(cluster: cluster, service: service.id) }
            if deleted != nil { try await waitUntilInactive(service, cluster: cluster, context: context) }
            context.removed(service, alreadyGone: scaled == nil || deleted == nil)
        }
    }

    private func waitUntilInactive(_ service: AppResource, cluster: String, context: DeploymentContext) async throws {
        while true {
            let described = try await context.aws(tolerating: ["ClusterNotFoundException"]) {
                $0.ecs.describeServices(cluster: cluster, services: [service.id])
            }
            let status = described?["services"]?.arrayValue.first?["status"]?.stringValue
            if status == nil || status == "INACTIVE" { return }
            try await context.pauseBeforeRetry()
        }
    }
}
