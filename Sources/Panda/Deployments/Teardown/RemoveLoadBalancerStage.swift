/// Teardown stage 3: the listeners, the load balancer, then the target groups (which AWS
/// refuses to delete while a listener still forwards to them).
public struct RemoveLoadBalancerStage: Stage {
    public let number = 3
    public let name = "Remove load balancer"
    public let failureCode = ErrorCode.teardownFailed

    public init() {}

    public func run(in context: DeploymentContext) async throws {
        let plan = context.teardownPlan
        for listener in plan.resources(.listener) {
            let deleted = try await context.aws(tolerating: ["ListenerNotFound"]) { $0.elbv2.deleteListener(arn: listener.id) }
            context.removed(listener, alreadyGone: deleted == nil)
        }
        for balancer in plan.resources(.loadBalancer) {
            // delete-load-balancer succeeds for one that no longer exists: look first to say which it was.
            let found = try await context.aws(tolerating: ["LoadBalancerNotFound"]) { $0.elbv2.describeLoadBalancers(arns: [balancer.id]) }
            let exists = !(found?["LoadBalancers"]?.arrayValue.isEmpty ?? true)
            if exists { try await context.aws { $0.elbv2.deleteLoadBalancer(arn: balancer.id) } }
            context.removed(balancer, alreadyGone: !exists)
        }
        for group in plan.resources(.targetGroup) {
            while true {
                do {
                    let deleted = try await context.aws(tolerating: ["TargetGroupNotFound"]) { $0.elbv2.deleteTargetGroup(arn: group.id) }
                    context.removed(group, alreadyGone: deleted == nil)
                    break
                } catch let failure as AWSCallFailure where failure.code == "ResourceInUse" {
                    try await context.pauseBeforeRetry()  // the load balancer's deletion is still under way
                }
            }
        }
    }
}
