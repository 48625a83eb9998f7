/// Teardown stage 5: the log group, every task definition revision (deregistered, then
/// deleted), and with `deleteImages=true` the ECR repository with its images.
public struct RemoveLeftoversStage: Stage {
    public let number = 5
    public let name = "Remove logs, task definitions and images"
    public let failureCode = ErrorCode.teardownFailed

    public init() {}

    public func run(in context: DeploymentContext) async throws {
        let aws = context.awsCaller
        let plan = context.teardownPlan
        for group in plan.resources(.logGroup) {
            let deleted = try await aws("logs", "delete-log-group", ["--log-group-name", group.id], tolerating: ["ResourceNotFoundException"])
            context.removed(group, alreadyGone: deleted == nil)
        }
        let definitions = plan.resources(.taskDefinition)
        for definition in definitions {
            // An already inactive revision answers ClientException; deleting it below is what counts.
            try await aws("ecs", "deregister-task-definition", ["--task-definition", definition.id], tolerating: ["ClientException"])
        }
        for batch in definitions.chunked(10) {
            let answer = try await aws("ecs", "delete-task-definitions", ["--task-definitions"] + batch.map(\.id))
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
            let deleted = try await aws("ecr", "delete-repository", ["--repository-name", repository.id, "--force"],
                                        tolerating: ["RepositoryNotFoundException"])
            context.removed(repository, alreadyGone: deleted == nil)
        }
        let removed = context.facts.removedResources ?? []
        context.publish("[Teardown 5] Teardown complete", details: [
            "deleted": .integer(removed.count), "app": .string(plan.names.identity),
        ])
    }
}
