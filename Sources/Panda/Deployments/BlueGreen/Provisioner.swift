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

    func network() async throws -> Network {
        var vpcID = settings.vpcId
        if vpcID.isEmpty {
            let vpcs = try await context.aws { $0.ec2.describeDefaultVPCs() }
            guard let found = vpcs["Vpcs"]?.arrayValue.first?["VpcId"]?.stringValue else {
                throw StageFailure("No default VPC in \(context.request.aws.region); set aws.vpcId and aws.subnetIds")
            }
            vpcID = found
        }
        var subnetIDs = settings.subnetIds
        if subnetIDs.isEmpty {
            let subnets = try await context.aws { $0.ec2.describeSubnets(vpcID: vpcID) }
            subnetIDs = subnets["Subnets"]?.arrayValue.compactMap { $0["SubnetId"]?.stringValue }.sorted() ?? []
        }
        guard subnetIDs.count >= 2 else {
            throw StageFailure("An Application Load Balancer needs two subnets in VPC \(vpcID); found \(subnetIDs.count)")
        }
        return Network(vpcID: vpcID, subnetIDs: subnetIDs)
    }

    /// The load balancer's group (production and test ports open to the allowed CIDRs) and
    /// the tasks' group (the container port open only to the load balancer's group).
    func securityGroups(in network: Network, containerPort: Int) async throws -> (loadBalancer: String, tasks: String) {
        let loadBalancer = try await securityGroup(names.loadBalancerSecurityGroup, vpc: network.vpcID,
                                                   description: "Panda load balancer for \(names.application)")
        // Production is open to aws.allowedCIDRs, the test listener (green before any check) to its own list.
        try await exposePort(settings.productionPort, to: settings.allowedCIDRs, groupID: loadBalancer.id, permissions: loadBalancer.permissions)
        try await exposePort(settings.testPort, to: settings.testListenerCIDRs, groupID: loadBalancer.id, permissions: loadBalancer.permissions)
        let tasks = try await securityGroup(names.taskSecurityGroup, vpc: network.vpcID,
                                            description: "Panda tasks for \(names.application)")
        if !tasks.permissions.allowsGroup(port: containerPort, loadBalancer.id) {
            try await authorize(tasks.id, EC2IngressRule(port: containerPort, from: .securityGroup(loadBalancer.id)))
        }
        return (loadBalancer.id, tasks.id)
    }

    private func securityGroup(_ name: String, vpc: String, description: String) async throws -> (id: String, permissions: [JSONValue]) {
        let found = try await context.aws { $0.ec2.describeSecurityGroups(name: name, vpcID: vpc) }
        if let group = found["SecurityGroups"]?.arrayValue.first, let id = group["GroupId"]?.stringValue {
            return (id, group["IpPermissions"]?.arrayValue ?? [])
        }
        let created = try await context.aws { $0.ec2.createSecurityGroup(name: name, description: description, vpcID: vpc, tags: context.applicationTags) }
        guard let id = created["GroupId"]?.stringValue else { throw StageFailure("EC2 created security group \(name) without an id") }
        return (id, [])
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

    func targetGroups(in network: Network, containerPort: Int) async throws -> [Slot: String] {
        let healthCheck = TargetGroupHealthCheck(path: context.configuration.health.path)
        var arns: [Slot: String] = [:]
        for slot in Slot.allCases {
            let name = names.targetGroup(slot)
            let found = try await context.aws(tolerating: ["TargetGroupNotFound"]) { $0.elbv2.describeTargetGroups(names: [name]) }
            var arn = found?["TargetGroups"]?.arrayValue.first?["TargetGroupArn"]?.stringValue
            if arn == nil {
                arn = try await context.aws {
                    $0.elbv2.createTargetGroup(name: name, port: containerPort, vpcID: network.vpcID, healthCheck: healthCheck,
                                               tags: context.applicationTags)
                }["TargetGroups"]?.arrayValue.first?["TargetGroupArn"]?.stringValue
                if let arn {
                    try await context.aws { $0.elbv2.setDeregistrationDelay(targetGroupARN: arn, seconds: settings.deregistrationDelaySeconds) }
                }
            }
            guard let arn else { throw StageFailure("Elastic Load Balancing answered without target group \(name)'s ARN") }
            arns[slot] = arn
        }
        return arns
    }

    /// Production and test listeners; new ones forward production to slot A and test to slot B.
    func listeners(of balancer: LoadBalancer, targetGroups: [Slot: String]) async throws -> (production: Listener, test: Listener) {
        let found = try await context.aws { $0.elbv2.describeListeners(loadBalancerARN: balancer.arn) }
        var listeners = found["Listeners"]?.arrayValue.compactMap(Listener.init) ?? []
        for (port, slot) in [(settings.productionPort, Slot.a), (settings.testPort, Slot.b)] where !listeners.contains(where: { $0.port == port }) {
            let created = try await context.aws {
                $0.elbv2.createListener(loadBalancerARN: balancer.arn, port: port, targetGroupARN: targetGroups[slot] ?? "",
                                        tags: context.applicationTags)
            }
            listeners += created["Listeners"]?.arrayValue.compactMap(Listener.init) ?? []
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

    func logGroup() async throws {
        let created = try await context.aws(tolerating: ["ResourceAlreadyExistsException"]) {
            $0.logs.createLogGroup(name: names.logGroup, tags: context.applicationTags)
        }
        if created != nil {
            let days = LogsCommands.retentionDays(atLeast: settings.logRetentionDays)
            try await context.aws { $0.logs.putRetentionPolicy(logGroup: names.logGroup, days: days) }
        }
    }

    /// The configured role, else the account's `ecsTaskExecutionRole`, created when IAM allows.
    func executionRole() async throws -> String {
        if !settings.executionRoleARN.isEmpty { return settings.executionRoleARN }
        let roleName = "ecsTaskExecutionRole"
        if let found = try await context.aws(tolerating: ["NoSuchEntity"], { $0.iam.getRole(name: roleName) }),
           let arn = found["Role"]?["Arn"]?.stringValue {
            return arn
        }
        do {
            let created = try await context.aws { $0.iam.createRole(name: roleName, trustedService: "ecs-tasks.amazonaws.com", tags: DeploymentContext.sharedResourceTags) }
            try await context.aws {
                $0.iam.attachRolePolicy(roleName: roleName, policyARN: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
            }
            guard let arn = created["Role"]?["Arn"]?.stringValue else { throw StageFailure("IAM created \(roleName) without an ARN") }
            return arn
        } catch let failure as AWSCallFailure where failure.code == "AccessDenied" {
            throw StageFailure("No task execution role: \(roleName) does not exist and these credentials may not create it (\(failure.reason)); set aws.executionRoleARN")
        }
    }

    func registerTaskDefinition(image: String, containerPort: Int, executionRole: String) async throws -> String {
        let container = ECSContainerDefinition(
            name: names.containerName, image: image, containerPort: containerPort,
            logGroup: names.logGroup, region: context.request.aws.region, streamPrefix: "panda")
        let registered = try await context.aws {
            $0.ecs.registerTaskDefinition(family: names.taskFamily, cpu: settings.taskCPU, memory: settings.taskMemory,
                                          executionRoleARN: executionRole, containers: [container],
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
