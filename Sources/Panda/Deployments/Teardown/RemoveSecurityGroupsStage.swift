/// Teardown stage 4: the security groups, once no network interface uses them any more.
/// The tasks' group refers to the load balancer's, so the order may need a second pass.
public struct RemoveSecurityGroupsStage: Stage {
    public let number = 4
    public let name = "Remove security groups"
    public let failureCode = ErrorCode.teardownFailed

    public init() {}

    public func run(in context: DeploymentContext) async throws {
        var remaining = context.teardownPlan.resources(.securityGroup)
        while !remaining.isEmpty {
            var blocked: [AppResource] = []
            for group in remaining {
                do {
                    let deleted = try await context.aws(tolerating: ["InvalidGroup.NotFound"]) { $0.ec2.deleteSecurityGroup(groupID: group.id) }
                    context.removed(group, alreadyGone: deleted == nil)
                } catch let failure as AWSCallFailure where failure.code == "DependencyViolation" {
                    blocked.append(group)  // network interfaces still being released, or the other group refers to it
                }
            }
            if blocked.count == remaining.count { try await context.pauseBeforeRetry() }
            remaining = blocked
        }
    }
}
