import Tools

/// The tags Panda puts on everything it creates for an application.
public enum PandaTags {
    public static let managed = "panda:managed"
    public static let app = "panda:app"
    public static let version = "panda:version"
    /// On the load balancer, updated by each successful deployment.
    public static let productionSlot = "panda:production-slot"
    public static let image = "panda:image"
    public static let deployment = "panda:deployment"

    /// `panda:managed=true`, `panda:app={owner}/{repo}` (lowercased: GitHub's names are
    /// case-insensitive) and `panda:version={image tag}`.
    public static func forApplication(_ names: AWSNames, version: String?) -> [String: String] {
        var tags = [managed: "true", app: names.identity]
        if let version, !version.isEmpty { tags[Self.version] = version }
        return tags
    }
}

extension DeploymentContext {
    /// The `panda:*` tags of everything this deployment creates for its application.
    var applicationTags: AWSTags {
        PandaTags.forApplication(AWSNames(owner: request.owner, repo: request.repo), version: facts.imageName)
    }

    /// The ECS deployment circuit breaker the configuration asks for, if any.
    var circuitBreaker: ECSCircuitBreaker? {
        configuration.aws.circuitBreaker ? ECSCircuitBreaker(rollback: configuration.aws.circuitBreakerRollback) : nil
    }

    /// Tags for what several applications share (the cluster, the execution role).
    static let sharedResourceTags: AWSTags = [PandaTags.managed: "true"]

    /// Records on the load balancer which slot, image and deployment serve production, for
    /// `GET /api/v1/apps` (after a restart too). Production is already switched: a failure
    /// here is reported, not turned into a failed deployment.
    func recordProduction(of plan: BlueGreenPlan) async {
        guard let balancer = LoadBalancerARN(listenerARN: plan.productionListenerARN) else { return }
        let slot = facts.finalService == "green" ? plan.green : (plan.blue ?? plan.green)
        var tags: AWSTags = [PandaTags.productionSlot: slot.rawValue, PandaTags.deployment: id]
        if let image = facts.imageURI { tags[PandaTags.image] = image }
        if let version = facts.imageName { tags[PandaTags.version] = version }
        do {
            try await aws { $0.elbv2.addTags(resourceARNs: [balancer.arn], tags: tags) }
        } catch {
            publish("[Stage \(stageNumber)] Could not record production in the load balancer's tags: \((error as? any PandaError)?.message ?? "\(type(of: error))")")
        }
    }
}

/// `…:listener/app/NAME/LB-ID/LISTENER-ID` → `…:loadbalancer/app/NAME/LB-ID`.
struct LoadBalancerARN {
    let arn: String

    init?(listenerARN: String) {
        guard let range = listenerARN.range(of: ":listener/") else { return nil }
        let path = listenerARN[range.upperBound...].split(separator: "/")
        guard path.count == 4 else { return nil }
        arn = listenerARN[..<range.lowerBound] + ":loadbalancer/" + path.prefix(3).joined(separator: "/")
    }
}

