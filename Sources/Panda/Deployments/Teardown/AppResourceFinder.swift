/// Finds what Panda created for one application from the tags on its resources
/// (`panda:app`), so it works after a restart and for what another Panda created.
struct AppResourceFinder {
    let aws: AWSCaller
    let names: AWSNames

    /// Everything a teardown would remove, in the order it removes it; the ECR repository
    /// only when `includingRepository`.
    func resources(includingRepository: Bool) async throws -> [AppResource] {
        async let repository = includingRepository ? repository() : nil
        var found = try await tagged(filters: [(PandaTags.app, names.identity), (PandaTags.managed, "true")])
            .compactMap { AppResource(arn: $0.arn) }
            .filter { $0.type != .repository }
        found = try await activeServicesOnly(found)
        for balancer in found where balancer.type == .loadBalancer {
            found += try await listeners(of: balancer.id)
        }
        if let repository = try await repository { found.append(repository) }
        return Array(Set(found)).sorted { ($0.type, $0.id) < ($1.type, $1.id) }
    }

    /// Resources carrying every one of `filters` (key, value), with all their tags.
    func tagged(filters: [(String, String)]) async throws -> [(arn: String, tags: [String: String])] {
        let answer = try await aws { $0.tagging.getResources(taggedWith: Dictionary(uniqueKeysWithValues: filters)) }
        return (answer["ResourceTagMappingList"]?.arrayValue ?? []).compactMap { mapping in
            guard let arn = mapping["ResourceARN"]?.stringValue else { return nil }
            return (arn, Self.tags(mapping["Tags"]))
        }
    }

    /// `[{"Key":…,"Value":…}]` → a dictionary.
    static func tags(_ list: JSONValue?) -> [String: String] {
        var tags: [String: String] = [:]
        for tag in list?.arrayValue ?? [] {
            if let key = tag["Key"]?.stringValue ?? tag["key"]?.stringValue {
                tags[key] = tag["Value"]?.stringValue ?? tag["value"]?.stringValue ?? ""
            }
        }
        return tags
    }

    /// A deleted ECS service stays listed (`INACTIVE`, tags and all) for a while: it is gone.
    private func activeServicesOnly(_ resources: [AppResource]) async throws -> [AppResource] {
        let services = resources.filter { $0.type == .service }
        guard !services.isEmpty else { return resources }
        var active = Set<String>()
        let byCluster = Dictionary(grouping: services) { $0.serviceCluster ?? "default" }
        for (cluster, group) in byCluster {
            for batch in group.map(\.id).chunked(10) {
                let described = try await aws { $0.ecs.describeServices(cluster: cluster, services: batch) }
                for service in described["services"]?.arrayValue ?? [] where service["status"]?.stringValue != "INACTIVE" {
                    if let arn = service["serviceArn"]?.stringValue { active.insert(arn) }
                }
            }
        }
        return resources.filter { $0.type != .service || active.contains($0.id) }
    }

    private func listeners(of balancerARN: String) async throws -> [AppResource] {
        let found = try await aws(tolerating: ["LoadBalancerNotFound"]) { $0.elbv2.describeListeners(loadBalancerARN: balancerARN) }
        return (found?["Listeners"]?.arrayValue ?? []).compactMap { $0["ListenerArn"]?.stringValue }.map { AppResource(type: .listener, id: $0) }
    }

    /// The application's ECR repository, when it exists and is tagged as this application's.
    private func repository() async throws -> AppResource? {
        let described = try await aws(tolerating: ["RepositoryNotFoundException"]) { $0.ecr.describeRepositories(names: [names.application]) }
        guard let arn = described?["repositories"]?.arrayValue.first?["repositoryArn"]?.stringValue else { return nil }
        let tags = Self.tags(try await aws { $0.ecr.listTagsForResource(arn: arn) }["tags"])
        guard tags[PandaTags.app] == names.identity else { return nil }
        return AppResource(type: .repository, id: names.application)
    }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
