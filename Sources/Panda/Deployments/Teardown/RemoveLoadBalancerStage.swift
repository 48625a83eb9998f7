/// Teardown stage 3: the listeners, the load balancer, then the target groups (which AWS
/// refuses to delete while a listener still forwards to them).
public struct RemoveLoadBalancerStage: Stage {
    public let number = 3
    public let name = "Remove load balancer"
    public let failureCode = ErrorCode.teardownFailed

    public init() {}

    public func run(in context: DeploymentContext) async throws {
        let aws = context.awsCaller
        let plan = context.teardownPlan
        for listener in plan.resources(.listener) {
            let deleted = try await aws("elbv2", "delete-listener", ["--listener-arn", listener.id], tolerating: ["ListenerNotFound"])
            context.removed(listener, alreadyGone: deleted == nil)
        }
        for balancer in plan.resources(.loadBalancer) {
            // delete-load-balancer succeeds for one that no longer exists: look first to say which it was.
            let found = try await aws("elbv2", "describe-load-balancers", ["--load-balancer-arns", balancer.id],
                                      tolerating: ["LoadBalancerNotFound"])
            let exists = !(found?["LoadBalancers"]?.arrayValue.isEmpty ?? true)
            if exists { try await aws("elbv2", "delete-load-balancer", ["--load-balancer-arn", balancer.id]) }
            context.removed(balancer, alreadyGone: !exists)
        }
        for group in plan.resources(.targetGroup) {
            while true {
                do {
                    let deleted = try await aws("elbv2", "delete-target-group", ["--target-group-arn", group.id], tolerating: ["TargetGroupNotFound"])
                    context.removed(group, alreadyGone: deleted == nil)
                    break
                } catch let failure as AWSCallFailure where failure.code == "ResourceInUse" {
                    try await context.pauseBeforeRetry()  // the load balancer's deletion is still under way
                }
            }
        }
    }
}
