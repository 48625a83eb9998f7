/// Elastic Load Balancing (v2) operations Panda runs.
public enum ELBv2Operation: String, AWSOperation {
    case describeLoadBalancers = "describe-load-balancers"
    case createLoadBalancer = "create-load-balancer"
    case describeTargetGroups = "describe-target-groups"
    case createTargetGroup = "create-target-group"
    case modifyTargetGroup = "modify-target-group"
    case describeListeners = "describe-listeners"
    case createListener = "create-listener"
    case modifyListener = "modify-listener"
    case describeTargetHealth = "describe-target-health"
    case modifyTargetGroupAttributes = "modify-target-group-attributes"
    case addTags = "add-tags"
    case deleteListener = "delete-listener"
    case deleteLoadBalancer = "delete-load-balancer"
    case deleteTargetGroup = "delete-target-group"

    public static let service = "elbv2"
    public static let iamService = "elasticloadbalancing"

    public var iamActions: [String] {
        switch self {
        case .createLoadBalancer, .createTargetGroup, .createListener: [iamAction, "elasticloadbalancing:AddTags"]
        default: [iamAction]
        }
    }
}

/// A target group's own health check: what the load balancer probes and how it judges.
public struct TargetGroupHealthCheck: Sendable, Equatable {
    public var path: String
    /// HTTP codes that count as healthy, e.g. `200-399`.
    public var matcher: String
    public var intervalSeconds: Int
    public var timeoutSeconds: Int
    public var healthyThreshold: Int
    public var unhealthyThreshold: Int

    public init(path: String, matcher: String = "200-399", intervalSeconds: Int = 30, timeoutSeconds: Int = 5,
                healthyThreshold: Int = 5, unhealthyThreshold: Int = 2) {
        self.path = path
        self.matcher = matcher
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
    }

    var arguments: [String] {
        [
            "--health-check-protocol", "HTTP", "--health-check-path", path, "--matcher", "HttpCode=\(matcher)",
            "--health-check-interval-seconds", String(intervalSeconds), "--health-check-timeout-seconds", String(timeoutSeconds),
            "--healthy-threshold-count", String(healthyThreshold), "--unhealthy-threshold-count", String(unhealthyThreshold),
        ]
    }
}

/// `aws elbv2 …` builders.
public struct ELBv2Commands: Sendable {
    let cli: AWSCLI

    public func describeLoadBalancers(names: [String]) -> Command {
        cli.command(ELBv2Operation.describeLoadBalancers, ["--names"] + names)
    }

    /// An internet-facing Application Load Balancer.
    public func createLoadBalancer(name: String, subnets: [String], securityGroups: [String], tags: AWSTags = [:]) -> Command {
        cli.command(ELBv2Operation.createLoadBalancer, [
            "--name", name, "--type", "application", "--scheme", "internet-facing",
            "--subnets"] + subnets + ["--security-groups"] + securityGroups + AWSArgument.keyValueTags(tags))
    }

    public func describeTargetGroups(names: [String]) -> Command {
        cli.command(ELBv2Operation.describeTargetGroups, ["--names"] + names)
    }

    /// An HTTP target group of IP targets (what Fargate tasks register as).
    public func createTargetGroup(name: String, port: Int, vpcID: String, healthCheck: TargetGroupHealthCheck, tags: AWSTags = [:]) -> Command {
        cli.command(ELBv2Operation.createTargetGroup, [
            "--name", name, "--protocol", "HTTP", "--port", String(port), "--vpc-id", vpcID, "--target-type", "ip",
        ] + healthCheck.arguments + AWSArgument.keyValueTags(tags))
    }

    /// Brings an existing target group's health check to `healthCheck`.
    public func modifyTargetGroup(arn: String, healthCheck: TargetGroupHealthCheck) -> Command {
        cli.command(ELBv2Operation.modifyTargetGroup, ["--target-group-arn", arn] + healthCheck.arguments)
    }

    public func describeListeners(loadBalancerARN: String) -> Command {
        cli.command(ELBv2Operation.describeListeners, ["--load-balancer-arn", loadBalancerARN])
    }

    /// An HTTP listener forwarding everything to one target group.
    public func createListener(loadBalancerARN: String, port: Int, targetGroupARN: String, tags: AWSTags = [:]) -> Command {
        cli.command(ELBv2Operation.createListener, [
            "--load-balancer-arn", loadBalancerARN, "--protocol", "HTTP", "--port", String(port),
            "--default-actions", "Type=forward,TargetGroupArn=\(targetGroupARN)",
        ] + AWSArgument.keyValueTags(tags))
    }

    /// Points the listener's default action at one target group.
    public func modifyListener(listenerARN: String, targetGroupARN: String) -> Command {
        cli.command(ELBv2Operation.modifyListener, [
            "--listener-arn", listenerARN, "--default-actions", "Type=forward,TargetGroupArn=\(targetGroupARN)",
        ])
    }

    public func describeTargetHealth(targetGroupARN: String) -> Command {
        cli.command(ELBv2Operation.describeTargetHealth, ["--target-group-arn", targetGroupARN])
    }
}

extension ELBv2Commands {
    public func describeLoadBalancers(arns: [String]) -> Command {
        cli.command(ELBv2Operation.describeLoadBalancers, ["--load-balancer-arns"] + arns)
    }

    /// How long the target group lets in-flight requests finish on a deregistered target.
    public func setDeregistrationDelay(targetGroupARN: String, seconds: Int) -> Command {
        cli.command(ELBv2Operation.modifyTargetGroupAttributes, [
            "--target-group-arn", targetGroupARN, "--attributes", "Key=deregistration_delay.timeout_seconds,Value=\(seconds)",
        ])
    }

    /// Adds or overwrites tags (at most 20 resources per call).
    public func addTags(resourceARNs: [String], tags: AWSTags) -> Command {
        cli.command(ELBv2Operation.addTags, ["--resource-arns"] + resourceARNs + AWSArgument.keyValueTags(tags))
    }

    public func deleteListener(arn: String) -> Command {
        cli.command(ELBv2Operation.deleteListener, ["--listener-arn", arn])
    }

    public func deleteLoadBalancer(arn: String) -> Command {
        cli.command(ELBv2Operation.deleteLoadBalancer, ["--load-balancer-arn", arn])
    }

    public func deleteTargetGroup(arn: String) -> Command {
        cli.command(ELBv2Operation.deleteTargetGroup, ["--target-group-arn", arn])
    }
}

extension AWSCLI {
    public var elbv2: ELBv2Commands { ELBv2Commands(cli: self) }
}
