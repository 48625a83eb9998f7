import Tools

/// An application Panda manages in one account and region, as its tags describe it.
public struct ManagedApplication: Sendable, Equatable {
    public let owner: String
    public let repo: String
    public let region: String
    public let loadBalancerDNS: String?
    public let productionURL: String?
    /// `a` or `b`: the slot serving production after the last successful deployment.
    public let productionSlot: String?
    public let image: String?
    public let lastDeploymentID: String?
}

/// A teardown accepted: its deployment and what it found to delete when accepted.
public struct TeardownStarted: Sendable {
    public let deployment: Deployment
    public let resources: [AppResource]
}

extension DeploymentService {
    /// The applications Panda manages in the connection's account and region, found from
    /// the `panda:*` tags, so it sees what was deployed before a restart or by another Panda.
    public func applications(awsConnectionID: String) async throws -> [ManagedApplication] {
        let connection = try await awsConnection(awsConnectionID)
        let aws = caller(for: connection)
        let finder = AppResourceFinder(aws: aws, names: AWSNames(owner: "", repo: ""))
        var byApp: [String: [(arn: String, tags: [String: String])]] = [:]
        for resource in try await finder.tagged(filters: [(PandaTags.managed, "true")]) {
            // A deleted ECS service stays listed for a while; it alone does not make an application.
            guard let app = resource.tags[PandaTags.app], AppResource(arn: resource.arn)?.type != .service else { continue }
            byApp[app, default: []].append(resource)
        }
        let balancers = byApp.values.flatMap { $0 }.filter { AppResource(arn: $0.arn)?.type == .loadBalancer }.map(\.arn)
        var dnsNames: [String: String] = [:]
        for batch in balancers.chunked(20) {
            let described = try await aws { $0.elbv2.describeLoadBalancers(arns: batch) }
            for balancer in described["LoadBalancers"]?.arrayValue ?? [] {
                if let arn = balancer["LoadBalancerArn"]?.stringValue { dnsNames[arn] = balancer["DNSName"]?.stringValue }
            }
        }
        let port = configuration.aws.productionPort
        return byApp.keys.sorted().map { app in
            let balancer = byApp[app]?.first { AppResource(arn: $0.arn)?.type == .loadBalancer }
            let dns = balancer.flatMap { dnsNames[$0.arn] }
            let parts = app.split(separator: "/", maxSplits: 1).map(String.init)
            return ManagedApplication(
                owner: parts.first ?? app, repo: parts.count > 1 ? parts[1] : "", region: connection.region,
                loadBalancerDNS: dns, productionURL: dns.map { port == 80 ? "http://\($0)" : "http://\($0):\(port)" },
                productionSlot: balancer?.tags[PandaTags.productionSlot], image: balancer?.tags[PandaTags.image],
                lastDeploymentID: balancer?.tags[PandaTags.deployment])
        }
    }

    /// What a teardown of `owner/repo` would delete now; deletes nothing.
    public func teardownPreview(awsConnectionID: String, owner: String, repo: String, deleteImages: Bool) async throws -> [AppResource] {
        try checkApplicationName(owner: owner, repo: repo)
        let connection = try await awsConnection(awsConnectionID)
        return try await AppResourceFinder(aws: caller(for: connection), names: AWSNames(owner: owner, repo: repo))
            .resources(includingRepository: deleteImages)
    }

    /// Starts a deployment of kind `TEARDOWN` for `owner/repo`; 409 `APP_BUSY` while a
    /// deployment of the application is queued or running.
    public func startTeardown(awsConnectionID: String, owner: String, repo: String, deleteImages: Bool) async throws -> TeardownStarted {
        try checkApplicationName(owner: owner, repo: repo)
        let connection = try await awsConnection(awsConnectionID)
        let request = DeploymentRequest(owner: owner, repo: repo, branch: "", github: nil, aws: connection, deleteImages: deleteImages)
        // Refused before looking at AWS when busy; looked at again when stored (no race).
        if let busy = await results.active(forApplication: request.applicationKey) {
            throw ConflictError("Application \(owner)/\(repo) is busy: deployment \(busy.id) is \(busy.status.rawValue)", errorCode: .appBusy)
        }
        let resources = try await teardownPreview(awsConnectionID: awsConnectionID, owner: owner, repo: repo, deleteImages: deleteImages)
        let deployment = Deployment(id: Identifier.make(prefix: "dep_"), request: request, kind: .teardown, store: store, limits: limits)
        try await submit(deployment)
        return TeardownStarted(deployment: deployment, resources: resources)
    }

    private func checkApplicationName(owner: String, repo: String) throws {
        try ConnectionInputRules.checkOwner(owner)
        try ConnectionInputRules.checkRepo(repo)
    }

    private func awsConnection(_ id: String) async throws -> AWSConnection {
        guard let connection = await connections.aws(id) else { throw DeploymentError("AWS connection not found") }
        return connection
    }

    private func caller(for connection: AWSConnection) -> AWSCaller {
        let cli = AWSCLI(credentials: connection.credentials, region: connection.region,
                         endpointURL: configuration.aws.endpointURL, timeout: .seconds(configuration.commands.awsTimeoutSeconds),
                         maxAttempts: configuration.aws.maxAttempts)
        return AWSCaller(cli: cli) { [runner] command in try await runner.run(command) }
    }
}
