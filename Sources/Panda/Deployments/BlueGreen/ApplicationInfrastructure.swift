/// What stage 3 found or created for one application (repository, account, region): enough
/// to deploy it again without looking every resource up. Kept between deployments by an
/// `InfrastructureFactsStore`; a redeploy checks it with one read and rediscovers
/// everything when that read disagrees or any call fails.
public struct ApplicationInfrastructure: Sendable, Equatable, Codable {
    public var vpcID: String
    public var subnetIDs: [String]
    public var loadBalancerSecurityGroupID: String
    public var taskSecurityGroupID: String
    public var loadBalancerARN: String
    public var loadBalancerDNS: String
    public var productionListenerARN: String
    public var testListenerARN: String
    /// Target group ARN per slot (`a`, `b`).
    public var targetGroupARNs: [String: String]
    public var clusterName: String
    public var executionRoleARN: String
    /// The container port the target groups and the tasks' security group were set up for.
    public var containerPort: Int
    /// The slot production forwarded to when the last deployment ended.
    public var productionSlot: String
}

/// Where application infrastructure facts live between deployments, by application key
/// (`account/region/application`). In memory for now; a durable store implements the same.
public protocol InfrastructureFactsStore: Sendable {
    func load(_ application: String) async -> ApplicationInfrastructure?
    func save(_ facts: ApplicationInfrastructure, for application: String) async
    func forget(_ application: String) async
}

/// Facts kept for the life of the process.
public actor InMemoryInfrastructureFacts: InfrastructureFactsStore {
    private var facts: [String: ApplicationInfrastructure] = [:]

    public init() {}

    public func load(_ application: String) -> ApplicationInfrastructure? { facts[application] }
    public func save(_ facts: ApplicationInfrastructure, for application: String) { self.facts[application] = facts }
    public func forget(_ application: String) { facts.removeValue(forKey: application) }
}
