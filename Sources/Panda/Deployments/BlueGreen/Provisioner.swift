import Foundation
import Tools

/// Stage 3's infrastructure, created on an application's first deployment and found
/// again after: network, security groups, load balancer, target groups, listeners,
/// cluster, log group, execution role. Every step looks before it creates.
struct Provisioner {
    let context: DeploymentContext
    let names: AWSNames
    private var settings: PandaConfiguration.AWS { context.configuration.aws }

    struct Network { let vpcID: String; let subnetIDs: [String] }
    /// A security group and the ingress rules it had when found (none when just created).
    struct SecurityGroup { let id: String; let permissions: [JSONValue] }

    func network() async throws -> Network {
        var vpcID = settings.vpcId
        if vpcID.isEmpty {
            let vpcs = try await context.aws { $0.ec2.describeDefaultVPCs() }
            guard let found = vpcs["Vpcs"]?.arrayValue.first?["VpcId"]?.stringValue else {
                throw StageFailure("No default VPC in \(context.request.aws.region); set aws.vpcId and aws.subnetIds")
            }
            vpcID = found
        }
        if !settings.subnetIds.isEmpty { return Network(vpcID: vpcID, subnetIDs: settings.subnetIds) }
        let vpc = vpcID
        async let subnets = context.aws { $0.ec2.describeSubnets(vpcID: vpc) }
        async let routeTables = context.aws { $0.ec2.describeRouteTables(vpcID: vpc) }
        let choice = SubnetChoice(subnets: try await subnets, routeTables: try await routeTables)
        guard choice.chosen.count >= 2 else {
            throw StageFailure("An Application Load Balancer needs public subnets in two Availability Zones of VPC \(vpcID) "
                               + "(default for their zone, or with a route to an internet gateway); found: \(choice.summary); "
                               + "set aws.subnetIds")
        }
        return Network(vpcID: vpcID, subnetIDs: choice.chosen)
    }

    /// The load balancer's group (production and test ports open to the allowed CIDRs) and
    /// the tasks' group (the container port open only to the load balancer's group).
    /// The load balancer's security group, found or created (its ports are opened by `expose`).
    func loadBalancerSecurityGroup(in network: Network) async throws -> SecurityGroup {
        try await securityGroup(names.loadBalancerSecurityGroup, vpc: network.vpcID,
                                description: "Panda load balancer for \(names.application)")
    }

    /// Production is open to aws.allowedCIDRs, the test listener (green before any check) to its
    /// own list; the two ports are set at the same time.
    func expose(_ loadBalancerGroup: SecurityGroup) async throws {
        async let production: Void = exposePort(settings.productionPort, to: settings.allowedCIDRs,
                                                groupID: loadBalancerGroup.id, permissions: loadBalancerGroup.permissions)
        async let test: Void = exposePort(settings.testPort, to: settings.testListenerCIDRs,
                                          groupID: loadBalancerGroup.id, permissions: loadBalancerGroup.permissions)
        _ = try await (production, test)
    }

    /// The tasks' security group, open on the container port to the load balancer's group only.
    func taskSecurityGroup(in network: Network, containerPort: Int, loadBalancerGroup: String) async throws -> String {
        let tasks = try await securityGroup(names.taskSecurityGroup, vpc: network.vpcID,
                                            description: "Panda tasks for \(names.application)")
        if !tasks.permissions.allowsGroup(port: containerPort, loadBalancerGroup) {
            try await authorize(tasks.id, EC2IngressRule(port: containerPort, from: .securityGroup(loadBalancerGroup)))
        }
        return tasks.id
    }

    private func securityGroup(_ name: String, vpc: String, description: String) async throws -> SecurityGroup {
        let found = try await context.aws { $0.ec2.describeSecurityGroups(name: name, vpcID: vpc) }
        if let group = found["SecurityGroups"]?.arrayValue.first, let id = group["GroupId"]?.stringValue {
            return SecurityGroup(id: id, permissions: group["IpPermissions"]?.arrayValue ?? [])
        }
        let created = try await context.aws { $0.ec2.createSecurityGroup(name: name, description: description, vpcID: vpc, tags: context.applicationTags) }
        guard let id = created["GroupId"]?.stringValue else { throw StageFailure("EC2 created security group \(name) without an id") }
        return SecurityGroup(id: id, permissions: [])
    }

    private func authorize(_ groupID: String, _ rule: EC2IngressRule) async throws {
        _ = try await context.aws(tolerating: ["InvalidPermission.Duplicate"]) {
            $0.ec2.authorizeSecurityGroupIngress(groupID: groupID, rules: [rule])
        }
    }

    struct LoadBalancer { let arn: String; let dnsName: String }

    func loadBalancer(in network: Network, securityGroup: String) async throws -> LoadBalancer {
        let found = try await context.aws(tolerating: ["LoadBalancerNotFound"]) { $0.elbv2.describeLoadBalancers(names: [names.loadBalancer]) }
        let existing = found?["LoadBalancers"]?.arrayValue.first
        let balancer = if let existing {
            existing
        } else {
            try await context.aws {
                $0.elbv2.createLoadBalancer(name: names.loadBalancer, subnets: network.subnetIDs, securityGroups: [securityGroup],
                                            tags: context.applicationTags)
            }["LoadBalancers"]?.arrayValue.first
        }
        guard let arn = balancer?["LoadBalancerArn"]?.stringValue, let dns = balancer?["DNSName"]?.stringValue else {
            throw StageFailure("Elastic Load Balancing answered without the load balancer's ARN and DNS name")
        }
        return LoadBalancer(arn: arn, dnsName: dns)
    }

    /// Both slots' target groups, found or created side by side.
    func targetGroups(in network: Network, containerPort: Int) async throws -> [Slot: String] {
        let healthCheck = try Self.healthCheck(context.configuration.health)
        async let a = targetGroup(.a, in: network, containerPort: containerPort, healthCheck: healthCheck)
        async let b = targetGroup(.b, in: network, containerPort: containerPort, healthCheck: healthCheck)
        return try await [.a: a, .b: b]
    }

    private func targetGroup(_ slot: Slot, in network: Network, containerPort: Int,
                             healthCheck: TargetGroupHealthCheck) async throws -> String {
        let name = names.targetGroup(slot)
        let found = try await context.aws(tolerating: ["TargetGroupNotFound"]) { $0.elbv2.describeTargetGroups(names: [name]) }
        let existing = found?["TargetGroups"]?.arrayValue.first
        var arn = existing?["TargetGroupArn"]?.stringValue
        if let existing, let arn, !Self.matches(existing, healthCheck) {
            try await context.aws { $0.elbv2.modifyTargetGroup(arn: arn, healthCheck: healthCheck) }
        }
        if arn == nil {
            arn = try await context.aws {
                $0.elbv2.createTargetGroup(name: name, port: containerPort, vpcID: network.vpcID, healthCheck: healthCheck,
                                           tags: context.applicationTags)
            }["TargetGroups"]?.arrayValue.first?["TargetGroupArn"]?.stringValue
        }
        guard let arn else { throw StageFailure("Elastic Load Balancing answered without target group \(name)'s ARN") }
        // Set on existing groups too: full discovery runs once per application and process,
        // so a changed setting reaches what was created before.
        try await context.aws { $0.elbv2.setDeregistrationDelay(targetGroupARN: arn, seconds: settings.deregistrationDelaySeconds) }
        return arn
    }

    /// The target groups' health check, from Panda's health settings.
    static func healthCheck(_ health: PandaConfiguration.Health) throws -> TargetGroupHealthCheck {
        guard HTTPStatusMatcher(health.matcher) != nil else {
            throw StageFailure("health.matcher \(health.matcher) is not a list of HTTP codes or ranges (e.g. 200-399)",
                               errorCode: .unexpectedError)
        }
        return TargetGroupHealthCheck(
            path: health.path, matcher: health.matcher, intervalSeconds: health.targetGroupIntervalSeconds,
            timeoutSeconds: min(health.targetGroupTimeoutSeconds, health.targetGroupIntervalSeconds - 1),
            healthyThreshold: health.healthyThreshold, unhealthyThreshold: health.unhealthyThreshold)
    }

    /// Whether a described target group already checks health this way.
    static func matches(_ group: JSONValue, _ check: TargetGroupHealthCheck) -> Bool {
        group["HealthCheckPath"]?.stringValue == check.path
            && group["Matcher"]?["HttpCode"]?.stringValue == check.matcher
            && group["HealthCheckIntervalSeconds"]?.intValue == check.intervalSeconds
            && group["HealthCheckTimeoutSeconds"]?.intValue == check.timeoutSeconds
            && group["HealthyThresholdCount"]?.intValue == check.healthyThreshold
            && group["UnhealthyThresholdCount"]?.intValue == check.unhealthyThreshold
    }

    /// Production and test listeners; new ones forward production to slot A and test to slot B.
    func listeners(of balancer: LoadBalancer, targetGroups: [Slot: String]) async throws -> (production: Listener, test: Listener) {
        let found = try await context.aws { $0.elbv2.describeListeners(loadBalancerARN: balancer.arn) }
        var listeners = found["Listeners"]?.arrayValue.compactMap(Listener.init) ?? []
        // The missing ones (both, the first time) are created side by side.
        let missing = [(settings.productionPort, Slot.a), (settings.testPort, Slot.b)].filter { port, _ in
            !listeners.contains { $0.port == port }
        }
        listeners += try await withThrowingTaskGroup(of: [Listener].self) { group in
            for (port, slot) in missing {
                group.addTask {
                    let created = try await context.aws {
                        $0.elbv2.createListener(loadBalancerARN: balancer.arn, port: port, targetGroupARN: targetGroups[slot] ?? "",
                                                tags: context.applicationTags)
                    }
                    return created["Listeners"]?.arrayValue.compactMap(Listener.init) ?? []
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        guard let production = listeners.first(where: { $0.port == settings.productionPort }),
              let test = listeners.first(where: { $0.port == settings.testPort }) else {
            throw StageFailure("Could not set up the load balancer's listeners")
        }
        return (production, test)
    }

    func cluster() async throws -> String {
        let name = settings.clusterName
        let found = try await context.aws { $0.ecs.describeClusters(names: [name]) }
        let active = found["clusters"]?.arrayValue.contains { $0["status"]?.stringValue == "ACTIVE" } ?? false
        if !active { try await context.aws { $0.ecs.createCluster(name: name, tags: DeploymentContext.sharedResourceTags) } }
        return name
    }

    /// The log group with the configured retention, also when the group existed (a changed
    /// setting applies at the application's next full discovery).
    func logGroup() async throws {
        _ = try await context.aws(tolerating: ["ResourceAlreadyExistsException"]) {
            $0.logs.createLogGroup(name: names.logGroup, tags: context.applicationTags)
        }
        let days = LogsCommands.retentionDays(atLeast: settings.logRetentionDays)
        try await context.aws { $0.logs.putRetentionPolicy(logGroup: names.logGroup, days: days) }
    }

    /// The configured role, else the account's `ecsTaskExecutionRole`, created when IAM allows
    /// (another deployment may create it first) and with its managed policy attached.
    func executionRole() async throws -> String {
        if !settings.executionRoleARN.isEmpty { return settings.executionRoleARN }
        let roleName = "ecsTaskExecutionRole"
        let policyARN = "arn:\(partition):iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
        do {
            var role = try await context.aws(tolerating: ["NoSuchEntity"]) { $0.iam.getRole(name: roleName) }
            if role == nil {
                role = try await context.aws(tolerating: ["EntityAlreadyExists"]) {
                    $0.iam.createRole(name: roleName, trustedService: "ecs-tasks.amazonaws.com", tags: DeploymentContext.sharedResourceTags)
                }
            }
            if role == nil { role = try await context.aws { $0.iam.getRole(name: roleName) } }
            guard let arn = role?["Role"]?["Arn"]?.stringValue else { throw StageFailure("IAM answered without \(roleName)'s ARN") }
            let attached = try await context.aws { $0.iam.listAttachedRolePolicies(roleName: roleName) }
            if !(attached["AttachedPolicies"]?.arrayValue.contains { $0["PolicyArn"]?.stringValue == policyARN } ?? false) {
                try await context.aws { $0.iam.attachRolePolicy(roleName: roleName, policyARN: policyARN) }
            }
            return arn
        } catch let failure as AWSCallFailure where failure.code == "AccessDenied" {
            throw StageFailure("No usable task execution role: \(roleName) is missing or lacks \(policyARN), and these credentials "
                               + "may not fix that (\(failure.reason)); set aws.executionRoleARN")
        }
    }

    /// ECS needs its service-linked role before it creates a service; the first service of an
    /// account creates it (tolerating a race with another first deployment).
    func serviceLinkedRole() async throws {
        guard try await context.aws(tolerating: ["NoSuchEntity"], { $0.iam.getRole(name: "AWSServiceRoleForECS") }) == nil else { return }
        do {
            try await context.aws { $0.iam.createServiceLinkedRole(awsServiceName: "ecs.amazonaws.com") }
            context.publish("[Stage 3] ECS service-linked role created", details: ["roleName": "AWSServiceRoleForECS"])
        } catch let failure as AWSCallFailure where failure.code == "InvalidInput" && failure.reason.contains("has been taken") {
            return
        }
    }

    /// `aws`, `aws-cn` or `aws-us-gov`, from the caller's ARN.
    var partition: String {
        let parts = context.request.aws.callerARN.split(separator: ":")
        return parts.count > 1 && parts[0] == "arn" ? String(parts[1]) : "aws"
    }

    func registerTaskDefinition(image: String, containerPort: Int, executionRole: String) async throws -> String {
        let container = ECSContainerDefinition(
            name: names.containerName, image: image, containerPort: containerPort,
            logGroup: names.logGroup, region: context.request.aws.region, streamPrefix: "panda")
        let registered = try await context.aws {
            $0.ecs.registerTaskDefinition(family: names.taskFamily, cpu: settings.taskCPU, memory: settings.taskMemory,
                                          executionRoleARN: executionRole, containers: [container],
                                          cpuArchitecture: CPUArchitecture(settings.cpuArchitecture)?.rawValue,
                                          tags: context.applicationTags)
        }
        guard let arn = registered["taskDefinition"]?["taskDefinitionArn"]?.stringValue else {
            throw StageFailure("ECS registered the task definition without an ARN")
        }
        return arn
    }
}

extension [JSONValue] {
    func allowsCIDRs(port: Int, _ cidrs: [String]) -> Bool {
        contains { permission in
            permission["FromPort"]?.intValue == port && permission["ToPort"]?.intValue == port
                && Set(cidrs).isSubset(of: Set(permission["IpRanges"]?.arrayValue.compactMap { $0["CidrIp"]?.stringValue } ?? []))
        }
    }

    func allowsGroup(port: Int, _ groupID: String) -> Bool {
        contains { permission in
            permission["FromPort"]?.intValue == port && permission["ToPort"]?.intValue == port
                && (permission["UserIdGroupPairs"]?.arrayValue.contains { $0["GroupId"]?.stringValue == groupID } ?? false)
        }
    }
}

/// Which subnets an Application Load Balancer and its public tasks can use: one per
/// Availability Zone, each default for its zone or routed to an internet gateway.
struct SubnetChoice {
    struct Subnet { let id: String; let zone: String; let isDefault: Bool; let reachesInternet: Bool }

    let subnets: [Subnet]
    let chosen: [String]

    init(subnets described: JSONValue, routeTables: JSONValue) {
        let tables = routeTables["RouteTables"]?.arrayValue ?? []
        let internetTables = Set(tables.filter(Self.routesToInternet).compactMap { $0["RouteTableId"]?.stringValue })
        let mainTable = tables.first { $0["Associations"]?.arrayValue.contains { $0["Main"] == .bool(true) } ?? false }
        subnets = (described["Subnets"]?.arrayValue ?? []).compactMap { subnet in
            guard let id = subnet["SubnetId"]?.stringValue, let zone = subnet["AvailabilityZone"]?.stringValue else { return nil }
            // A subnet without a table of its own uses the VPC's main table.
            let table = tables.first { $0["Associations"]?.arrayValue.contains { $0["SubnetId"]?.stringValue == id } ?? false } ?? mainTable
            let reaches = table?["RouteTableId"]?.stringValue.map(internetTables.contains) ?? false
            return Subnet(id: id, zone: zone, isDefault: subnet["DefaultForAz"] == .bool(true), reachesInternet: reaches)
        }.sorted { $0.id < $1.id }
        var byZone: [String: Subnet] = [:]
        for subnet in subnets where subnet.isDefault || subnet.reachesInternet {
            // Prefer the zone's default subnet, then one with an internet route.
            if let current = byZone[subnet.zone], current.isDefault || !subnet.isDefault { continue }
            byZone[subnet.zone] = subnet
        }
        chosen = byZone.keys.sorted().compactMap { byZone[$0]?.id }
    }

    private static func routesToInternet(_ table: JSONValue) -> Bool {
        table["Routes"]?.arrayValue.contains {
            $0["DestinationCidrBlock"]?.stringValue == "0.0.0.0/0" && ($0["GatewayId"]?.stringValue?.hasPrefix("igw-") ?? false)
        } ?? false
    }

    /// What was found, for the error message.
    var summary: String {
        guard !subnets.isEmpty else { return "no subnets" }
        return subnets.map { "\($0.id) (\($0.zone), \($0.isDefault ? "default" : $0.reachesInternet ? "internet route" : "no internet route"))" }
            .joined(separator: ", ")
    }
}

/// The tasks' CPU architecture, as ECS names it, and the matching docker platform.
enum CPUArchitecture: String {
    case x86_64 = "X86_64"
    case arm64 = "ARM64"

    init?(_ text: String) { self.init(rawValue: text.uppercased()) }

    var dockerPlatform: String { self == .arm64 ? "linux/arm64" : "linux/amd64" }
}
