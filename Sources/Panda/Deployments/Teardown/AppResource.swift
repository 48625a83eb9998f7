/// One resource Panda created for an application, as the apps API lists it:
/// `type` in AWS's `service:resource` form, `id` its ARN (or name, where AWS uses names).
public struct AppResource: Sendable, Hashable, Codable {
    /// In the order a teardown removes them.
    public enum Kind: String, Sendable, Codable, CaseIterable, Comparable {
        case service = "ecs:service"
        case listener = "elasticloadbalancing:listener"
        case loadBalancer = "elasticloadbalancing:loadbalancer"
        case targetGroup = "elasticloadbalancing:targetgroup"
        case securityGroup = "ec2:security-group"
        case logGroup = "logs:log-group"
        case taskDefinition = "ecs:task-definition"
        case repository = "ecr:repository"

        public static func < (left: Kind, right: Kind) -> Bool {
            allCases.firstIndex(of: left)! < allCases.firstIndex(of: right)!
        }
    }

    public let type: Kind
    /// ARN; the group id for a security group, the name for a log group or ECR repository.
    public let id: String

    public init(type: Kind, id: String) {
        self.type = type
        self.id = id
    }

    /// The resource an ARN from the Resource Groups Tagging API names, when it is one a
    /// teardown removes (tasks, network interfaces and the shared cluster are not).
    public init?(arn: String) {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn" else { return nil }
        let service = parts[2], resource = parts[5]
        switch service {
        case "ecs" where resource.hasPrefix("service/"): self.init(type: .service, id: arn)
        case "ecs" where resource.hasPrefix("task-definition/"): self.init(type: .taskDefinition, id: arn)
        case "elasticloadbalancing" where resource.hasPrefix("loadbalancer/"): self.init(type: .loadBalancer, id: arn)
        case "elasticloadbalancing" where resource.hasPrefix("listener/"): self.init(type: .listener, id: arn)
        case "elasticloadbalancing" where resource.hasPrefix("targetgroup/"): self.init(type: .targetGroup, id: arn)
        case "ec2" where resource.hasPrefix("security-group/"):
            self.init(type: .securityGroup, id: String(resource.dropFirst("security-group/".count)))
        case "logs" where resource.hasPrefix("log-group:"):
            var name = resource.dropFirst("log-group:".count)
            if name.hasSuffix(":*") { name = name.dropLast(2) }
            self.init(type: .logGroup, id: String(name))
        case "ecr" where resource.hasPrefix("repository/"):
            self.init(type: .repository, id: String(resource.dropFirst("repository/".count)))
        default: return nil
        }
    }

    /// `cluster` of an ECS service ARN `…:service/CLUSTER/NAME` (the old form `…:service/NAME` has none).
    var serviceCluster: String? {
        let path = id.split(separator: ":").last?.split(separator: "/") ?? []
        return path.count == 3 ? String(path[1]) : nil
    }

    /// The last path component of the ARN: a service's or target group's name, `family:revision`.
    var shortName: String {
        let resource = id.split(separator: ":", maxSplits: 5).last.map(String.init) ?? id
        let path = resource.split(separator: "/")
        return type == .targetGroup && path.count >= 2 ? String(path[1]) : String(path.last ?? "")
    }
}
