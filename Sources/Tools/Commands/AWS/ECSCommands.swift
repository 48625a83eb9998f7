/// ECS operations Panda runs.
public enum ECSOperation: String, AWSOperation {
    case describeClusters = "describe-clusters"
    case createCluster = "create-cluster"
    case registerTaskDefinition = "register-task-definition"
    case describeServices = "describe-services"
    case createService = "create-service"
    case updateService = "update-service"
    case listTasks = "list-tasks"
    case describeTasks = "describe-tasks"
    case deleteService = "delete-service"
    case deregisterTaskDefinition = "deregister-task-definition"
    case deleteTaskDefinitions = "delete-task-definitions"

    public static let service = "ecs"
    public static let iamService = "ecs"

    public var iamActions: [String] {
        switch self {
        case .createCluster, .createService: [iamAction, "ecs:TagResource"]
        // Handing the execution role to ECS is iam:PassRole.
        case .registerTaskDefinition: [iamAction, "ecs:TagResource", "iam:PassRole"]
        default: [iamAction]
        }
    }
}

/// One container of a Fargate task definition: its image, port and `awslogs` logging.
public struct ECSContainerDefinition: Sendable, Equatable, Encodable {
    public struct PortMapping: Sendable, Equatable, Encodable {
        public let containerPort: Int
        public let `protocol` = "tcp"
    }

    public struct LogConfiguration: Sendable, Equatable, Encodable {
        public let logDriver = "awslogs"
        public let options: [String: String]
    }

    public let name: String
    public let image: String
    public let essential = true
    public let portMappings: [PortMapping]
    public let logConfiguration: LogConfiguration

    public init(name: String, image: String, containerPort: Int, logGroup: String, region: String, streamPrefix: String) {
        self.name = name
        self.image = image
        portMappings = [PortMapping(containerPort: containerPort)]
        logConfiguration = LogConfiguration(options: [
            "awslogs-group": logGroup, "awslogs-region": region, "awslogs-stream-prefix": streamPrefix,
        ])
    }
}

/// Where a service registers its tasks: a target group and the container port it forwards to.
public struct ECSLoadBalancerBinding: Sendable, Equatable, Encodable {
    public let targetGroupArn: String
    public let containerName: String
    public let containerPort: Int

    public init(targetGroupARN: String, containerName: String, containerPort: Int) {
        targetGroupArn = targetGroupARN
        self.containerName = containerName
        self.containerPort = containerPort
    }
}

/// `awsvpc` networking of a Fargate service.
public struct ECSNetwork: Sendable, Equatable {
    public let subnets: [String]
    public let securityGroups: [String]
    public let assignPublicIP: Bool

    public init(subnets: [String], securityGroups: [String], assignPublicIP: Bool) {
        self.subnets = subnets
        self.securityGroups = securityGroups
        self.assignPublicIP = assignPublicIP
    }

    var argument: String {
        AWSArgument.json(["awsvpcConfiguration": AWSVPCConfiguration(
            subnets: subnets, securityGroups: securityGroups, assignPublicIp: assignPublicIP ? "ENABLED" : "DISABLED")])
    }

    private struct AWSVPCConfiguration: Encodable {
        let subnets: [String]
        let securityGroups: [String]
        let assignPublicIp: String
    }
}

/// `list-tasks --desired-status`.
public enum ECSTaskStatus: String, Sendable {
    case running = "RUNNING"
    case stopped = "STOPPED"
}

/// `aws ecs …` builders.
public struct ECSCommands: Sendable {
    let cli: AWSCLI

    public func describeClusters(names: [String]) -> Command {
        cli.command(ECSOperation.describeClusters, ["--clusters"] + names)
    }

    public func createCluster(name: String, tags: AWSTags = [:]) -> Command {
        cli.command(ECSOperation.createCluster, ["--cluster-name", name] + Self.tags(tags))
    }

    /// A Fargate (`awsvpc`) task definition; `cpuArchitecture` (`X86_64`, `ARM64`) sets its
    /// Linux runtime platform.
    public func registerTaskDefinition(
        family: String, cpu: Int, memory: Int, executionRoleARN: String,
        containers: [ECSContainerDefinition], cpuArchitecture: String? = nil, tags: AWSTags = [:]
    ) -> Command {
        var arguments = [
            "--family", family, "--requires-compatibilities", "FARGATE", "--network-mode", "awsvpc",
            "--cpu", String(cpu), "--memory", String(memory),
            "--execution-role-arn", executionRoleARN, "--container-definitions", AWSArgument.json(containers),
        ]
        if let cpuArchitecture {
            arguments += ["--runtime-platform", "cpuArchitecture=\(cpuArchitecture),operatingSystemFamily=LINUX"]
        }
        return cli.command(ECSOperation.registerTaskDefinition, arguments + Self.tags(tags))
    }

    public func describeServices(cluster: String, services: [String]) -> Command {
        cli.command(ECSOperation.describeServices, ["--cluster", cluster, "--services"] + services)
    }

    /// A Fargate service behind `loadBalancers`.
    public func createService(
        cluster: String, name: String, taskDefinition: String, desiredCount: Int, network: ECSNetwork,
        loadBalancers: [ECSLoadBalancerBinding], healthCheckGracePeriodSeconds: Int? = nil,
        circuitBreaker: ECSCircuitBreaker? = nil, tags: AWSTags = [:]
    ) -> Command {
        var arguments = [
            "--cluster", cluster, "--service-name", name, "--task-definition", taskDefinition,
            "--desired-count", String(desiredCount), "--launch-type", "FARGATE",
            "--network-configuration", network.argument, "--load-balancers", AWSArgument.json(loadBalancers),
        ]
        if let healthCheckGracePeriodSeconds {
            arguments += ["--health-check-grace-period-seconds", String(healthCheckGracePeriodSeconds)]
        }
        return cli.command(ECSOperation.createService, arguments + (circuitBreaker?.arguments ?? []) + Self.tags(tags))
    }

    /// Changes only what is given.
    public func updateService(
        cluster: String, service: String, taskDefinition: String? = nil, desiredCount: Int? = nil,
        loadBalancers: [ECSLoadBalancerBinding]? = nil, healthCheckGracePeriodSeconds: Int? = nil
    ) -> Command {
        var arguments = ["--cluster", cluster, "--service", service]
        if let taskDefinition { arguments += ["--task-definition", taskDefinition] }
        if let desiredCount { arguments += ["--desired-count", String(desiredCount)] }
        if let loadBalancers { arguments += ["--load-balancers", AWSArgument.json(loadBalancers)] }
        if let healthCheckGracePeriodSeconds {
            arguments += ["--health-check-grace-period-seconds", String(healthCheckGracePeriodSeconds)]
        }
        return cli.command(ECSOperation.updateService, arguments)
    }

    public func listTasks(cluster: String, serviceName: String, desiredStatus: ECSTaskStatus) -> Command {
        cli.command(ECSOperation.listTasks, [
            "--cluster", cluster, "--service-name", serviceName, "--desired-status", desiredStatus.rawValue,
        ])
    }

    /// At most 100 tasks per call (ECS's limit).
    public func describeTasks(cluster: String, tasks: [String]) -> Command {
        cli.command(ECSOperation.describeTasks, ["--cluster", cluster, "--tasks"] + tasks)
    }

    /// ECS spells its tag keys in lower case.
    private static func tags(_ tags: AWSTags) -> [String] {
        AWSArgument.keyValueTags(tags, key: "key", value: "value")
    }
}

extension ECSCommands {
    /// Deletes a service even while it still has tasks (teardown scales it to 0 first).
    public func deleteService(cluster: String, service: String) -> Command {
        cli.command(ECSOperation.deleteService, ["--cluster", cluster, "--service", service, "--force"])
    }

    public func deregisterTaskDefinition(_ taskDefinition: String) -> Command {
        cli.command(ECSOperation.deregisterTaskDefinition, ["--task-definition", taskDefinition])
    }

    /// Deletes inactive revisions, at most 10 per call (ECS's limit).
    public func deleteTaskDefinitions(_ taskDefinitions: [String]) -> Command {
        cli.command(ECSOperation.deleteTaskDefinitions, ["--task-definitions"] + taskDefinitions)
    }
}

/// The deployment circuit breaker: ECS stops a rollout whose tasks keep failing, and with
/// `rollback` returns the service to its last completed deployment.
public struct ECSCircuitBreaker: Sendable, Equatable {
    public let rollback: Bool

    public init(rollback: Bool) { self.rollback = rollback }

    var arguments: [String] {
        ["--deployment-configuration", "deploymentCircuitBreaker={enable=true,rollback=\(rollback)}"]
    }
}

extension AWSCLI {
    public var ecs: ECSCommands { ECSCommands(cli: self) }
}
