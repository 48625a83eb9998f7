/// Teardown stage 5: the log group, every task definition revision (deregistered, then
/// deleted), and with `deleteImages=true` the ECR repository with its images.
public struct RemoveLeftoversStage: Stage {
    public let number = 5
    public let name = "Remove logs, task definitions and images"
    public let failureCode = ErrorCode.teardownFailed

    public init() {}

    public func run(in context: DeploymentContext) async throws {
        let plan = context.teardownPlan
        for group in plan.resources(.logGroup) {
            let deleted = try await context.aws(tolerating: ["ResourceNotFoundException"]) { $0.logs.deleteLogGroup(name: group.id) }
            context.removed(group, alreadyGone: deleted == nil)
        }
        let definitions = plan.resources(.taskDefinition)
        for definition in definitions {
            // An already inactive revision answers ClientException; deleting it below is what counts.
            try await context.aws(tolerating: ["ClientException"]) { $0.ecs.deregisterTaskDefinition(definition.id) }
        }
        for batch in definitions.chunked(10) {
            let answer = try await context.aws { $0.ecs.deleteTaskDefinitions(batch.map(\.id)) }
            var failed = Set<String>()
            for failure in answer["failures"]?.arrayValue ?? [] {
                let reason = failure["reason"]?.stringValue ?? "no reason given"
                guard reason.contains("does not exist") else {
                    throw StageFailure("ecs delete-task-definitions failed for \(failure["arn"]?.stringValue ?? "?"): \(reason)")
                }
                failed.insert(failure["arn"]?.stringValue ?? "")
            }
            for definition in batch { context.removed(definition, alreadyGone: failed.contains(definition.id)) }
        }
        for repository in plan.resources(.repository) {
            let deleted = try await context.aws(tolerating: ["RepositoryNotFoundException"]) { $0.ecr.deleteRepository(name: repository.id) }
            context.removed(repository, alreadyGone: deleted == nil)
        }
        let removed = context.facts.removedResources ?? []
        context.publish("[Teardown 5] Teardown complete", details: [
            "deleted": .integer(removed.count), "app": .string(plan.names.identity),
        ])
    }
}
