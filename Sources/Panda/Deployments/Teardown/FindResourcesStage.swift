/// Teardown stage 1: waits its turn on the application's lock, then finds from the tags
/// what Panda created for the application.
public struct FindResourcesStage: Stage {
    public let number = 1
    public let name = "Find resources"
    public let failureCode = ErrorCode.teardownFailed

    public init() {}

    public func run(in context: DeploymentContext) async throws {
        let request = context.request
        let names = AWSNames(owner: request.owner, repo: request.repo)
        context.publish("[Teardown 1] Looking for the resources of \(names.identity)", details: [
            "app": .string(names.identity), "region": .string(request.aws.region), "deleteImages": .bool(request.deleteImages),
        ])
        try await context.holdApplicationLock { "[Teardown 1] Waiting for deployment \($0) of the same application to finish" }
        let resources = try await AppResourceFinder(aws: context.awsCaller, names: names)
            .resources(includingRepository: request.deleteImages)
        context.record { $0.teardownResources = resources }
        context.publish("[Teardown 1] Found \(resources.count) resource(s) to delete", details: [
            "resources": .array(resources.map { .string("\($0.type.rawValue) \($0.id)") }),
        ])
    }
}
