import Foundation

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
            let vpcs = try await context.aws("ec2", "describe-vpcs", ["--filters", "Name=isDefault,Values=true"])
            guard let found = vpcs["Vpcs"]?.arrayValue.first?["VpcId"]?.stringValue else {
                throw StageFailure("No default VPC in \(context.request.aws.region); set aws.vpcId and aws.subnetIds")
            }
            vpcID = found
        }
        var subnetIDs = settings.subnetIds
        if subnetIDs.isEmpty {
            let subnets = try await context.aws("ec2", "describe-subnets", ["--filters", "Name=vpc-id,Values=\(vpcID)"])
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
        for port in [settings.productionPort, settings.testPort] where !loadBalancer.permissions.allowsCIDRs(port: port, settings.allowedCIDRs) {
            let ranges = settings.allowedCIDRs.map { ["CidrIp": $0] }
            try await authorize(loadBalancer.id, [["IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": ranges]])
        }
        let tasks = try await securityGroup(names.taskSecurityGroup, vpc: network.vpcID,
                                            description: "Panda tasks for \(names.application)")
        if !tasks.permissions.allowsGroup(port: containerPort, loadBalancer.id) {
            try await authorize(tasks.id, [["IpProtocol": "tcp", "FromPort": containerPort, "ToPort": containerPort,
                                            "UserIdGroupPairs": [["GroupId": loadBalancer.id]]]])
        }
        return (loadBalancer.id, tasks.id)
    }

    private func securityGroup(_ name: String, vpc: String, description: String) async throws -> (id: String, permissions: [JSONValue]) {
        let found = try await context.aws("ec2", "describe-security-groups", [
            "--filters", "Name=group-name,Values=\(name)", "Name=vpc-id,Values=\(vpc)",
        ])
        if let group = found["SecurityGroups"]?.arrayValue.first, let id = group["GroupId"]?.stringValue {
            return (id, group["IpPermissions"]?.arrayValue ?? [])
        }
        let created = try await context.aws("ec2", "create-security-group", [
            "--group-name", name, "--description", description, "--vpc-id", vpc,
        ])
        guard let id = created["GroupId"]?.stringValue else { throw StageFailure("EC2 created security group \(name) without an id") }
        return (id, [])
    }

    private func authorize(_ groupID: String, _ permissions: [[String: Any]]) async throws {
        _ = try await context.aws("ec2", "authorize-security-group-ingress", ["--group-id", groupID, "--ip-permissions", try awsJSONArgument(permissions)],
                                  tolerating: ["InvalidPermission.Duplicate"])
    }

    struct LoadBalancer { let arn: String; let dnsName: String }

    func loadBalancer(in network: Network, securityGroup: String) async throws -> LoadBalancer {
        let found = try await context.aws("elbv2", "describe-load-balancers", ["--names", names.loadBalancer],
                                          tolerating: ["LoadBalancerNotFound"])
        let existing = found?["LoadBalancers"]?.arrayValue.first
        let balancer = if let existing {
            existing
        } else {
            try await context.aws("elbv2", "create-load-balancer", [
                "--name", names.loadBalancer, "--type", "application", "--scheme", "internet-facing",
                "--subnets"] + network.subnetIDs + ["--security-groups", securityGroup,
            ])["LoadBalancers"]?.arrayValue.first
        }
        guard let arn = balancer?["LoadBalancerArn"]?.stringValue, let dns = balancer?["DNSName"]?.stringValue else {
            throw StageFailure("Elastic Load Balancing answered without the load balancer's ARN and DNS name")
        }
        return LoadBalancer(arn: arn, dnsName: dns)
    }

    func targetGroups(in network: Network, containerPort: Int) async throws -> [Slot: String] {
        var arns: [Slot: String] = [:]
        for slot in Slot.allCases {
            let name = names.targetGroup(slot)
            let found = try await context.aws("elbv2", "describe-target-groups", ["--names", name], tolerating: ["TargetGroupNotFound"])
            var arn = found?["TargetGroups"]?.arrayValue.first?["TargetGroupArn"]?.stringValue
            if arn == nil {
                arn = try await context.aws("elbv2", "create-target-group", [
                    "--name", name, "--protocol", "HTTP", "--port", String(containerPort), "--vpc-id", network.vpcID,
                    "--target-type", "ip", "--health-check-protocol", "HTTP", "--health-check-path", context.configuration.health.path,
                ])["TargetGroups"]?.arrayValue.first?["TargetGroupArn"]?.stringValue
            }
            guard let arn else { throw StageFailure("Elastic Load Balancing answered without target group \(name)'s ARN") }
            arns[slot] = arn
        }
        return arns
    }

    /// Production and test listeners; new ones forward production to slot A and test to slot B.
    func listeners(of balancer: LoadBalancer, targetGroups: [Slot: String]) async throws -> (production: Listener, test: Listener) {
        let found = try await context.aws("elbv2", "describe-listeners", ["--load-balancer-arn", balancer.arn])
        var listeners = found["Listeners"]?.arrayValue.compactMap(Listener.init) ?? []
        for (port, slot) in [(settings.productionPort, Slot.a), (settings.testPort, Slot.b)] where !listeners.contains(where: { $0.port == port }) {
            let created = try await context.aws("elbv2", "create-listener", [
                "--load-balancer-arn", balancer.arn, "--protocol", "HTTP", "--port", String(port),
                "--default-actions", "Type=forward,TargetGroupArn=\(targetGroups[slot] ?? "")",
            ])
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
        let found = try await context.aws("ecs", "describe-clusters", ["--clusters", name])
        let active = found["clusters"]?.arrayValue.contains { $0["status"]?.stringValue == "ACTIVE" } ?? false
        if !active { try await context.aws("ecs", "create-cluster", ["--cluster-name", name]) }
        return name
    }

    func logGroup() async throws {
        _ = try await context.aws("logs", "create-log-group", ["--log-group-name", names.logGroup],
                                  tolerating: ["ResourceAlreadyExistsException"])
    }

    /// The configured role, else the account's `ecsTaskExecutionRole`, created when IAM allows.
    func executionRole() async throws -> String {
        if !settings.executionRoleARN.isEmpty { return settings.executionRoleARN }
        let roleName = "ecsTaskExecutionRole"
        if let found = try await context.aws("iam", "get-role", ["--role-name", roleName], tolerating: ["NoSuchEntity"]),
           let arn = found["Role"]?["Arn"]?.stringValue {
            return arn
        }
        let trust = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
        do {
            let created = try await context.aws("iam", "create-role", ["--role-name", roleName, "--assume-role-policy-document", trust])
            try await context.aws("iam", "attach-role-policy", [
                "--role-name", roleName, "--policy-arn", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
            ])
            guard let arn = created["Role"]?["Arn"]?.stringValue else { throw StageFailure("IAM created \(roleName) without an ARN") }
            return arn
        } catch let failure as AWSCallFailure where failure.code == "AccessDenied" {
            throw StageFailure("No task execution role: \(roleName) does not exist and these credentials may not create it (\(failure.reason)); set aws.executionRoleARN")
        }
    }

    func registerTaskDefinition(image: String, containerPort: Int, executionRole: String) async throws -> String {
        let container: [String: Any] = [
            "name": names.containerName,
            "image": image,
            "essential": true,
            "portMappings": [["containerPort": containerPort, "protocol": "tcp"]],
            "logConfiguration": [
                "logDriver": "awslogs",
                "options": [
                    "awslogs-group": names.logGroup,
                    "awslogs-region": context.request.aws.region,
                    "awslogs-stream-prefix": "panda",
                ],
            ],
        ]
        let definitions = try awsJSONArgument([container])
        let registered = try await context.aws("ecs", "register-task-definition", [
            "--family", names.taskFamily, "--requires-compatibilities", "FARGATE", "--network-mode", "awsvpc",
            "--cpu", String(settings.taskCPU), "--memory", String(settings.taskMemory),
            "--execution-role-arn", executionRole, "--container-definitions", definitions,
        ])
        guard let arn = registered["taskDefinition"]?["taskDefinitionArn"]?.stringValue else {
            throw StageFailure("ECS registered the task definition without an ARN")
        }
        return arn
    }
}

/// A listener and the target group its default action forwards to (plain or `ForwardConfig`).
struct Listener: Equatable {
    let arn: String
    let port: Int
    let targetGroupARN: String?

    init?(_ json: JSONValue) {
        guard let arn = json["ListenerArn"]?.stringValue, let port = json["Port"]?.intValue else { return nil }
        self.arn = arn
        self.port = port
        let action = json["DefaultActions"]?.arrayValue.first
        targetGroupARN = action?["TargetGroupArn"]?.stringValue
            ?? action?["ForwardConfig"]?["TargetGroups"]?.arrayValue.max { ($0["Weight"]?.intValue ?? 0) < ($1["Weight"]?.intValue ?? 0) }?["TargetGroupArn"]?.stringValue
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
