/// Teardown stage 2: each ECS service scaled to 0 and deleted, then waited for until ECS
/// reports it inactive (its tasks, and their network interfaces, are gone by then).
public struct RemoveServicesStage: Stage {
    public let number = 2
    public let name = "Remove ECS services"
    public let failureCode = ErrorCode.teardownFailed

    public init() {}

    static let goneCodes: Set<String> = ["ServiceNotFoundException", "ServiceNotActiveException", "ClusterNotFoundException"]

    public func run(in context: DeploymentContext) async throws {
        let aws = context.awsCaller
        for service in context.teardownPlan.resources(.service) {
            let cluster = service.serviceCluster ?? "default"
            let scaled = try await aws("ecs", "update-service", ["--cluster", cluster, "--service", service.id, "--desired-count", "0"],
                                       tolerating: Self.goneCodes)
            let deleted = try await aws("ecs", "delete-service", ["--cluster", cluster, "--service", service.id, "--force"],
                                        tolerating: Self.goneCodes)
            if deleted != nil { try await waitUntilInactive(service, cluster: cluster, aws: aws, context: context) }
            context.removed(service, alreadyGone: scaled == nil || deleted == nil)
        }
    }

    private func waitUntilInactive(_ service: AppResource, cluster: String, aws: AWSCaller, context: DeploymentContext) async throws {
        while true {
            let described = try await aws("ecs", "describe-services", ["--cluster", cluster, "--services", service.id],
                                          tolerating: ["ClusterNotFoundException"])
            let status = described?["services"]?.arrayValue.first?["status"]?.stringValue
            if status == nil || status == "INACTIVE" { return }
            try await context.pauseBeforeRetry()
        }
    }
}
