/// EC2 (network) operations Panda runs.
public enum EC2Operation: String, AWSOperation {
    case describeVpcs = "describe-vpcs"
    case describeSubnets = "describe-subnets"
    case describeRouteTables = "describe-route-tables"
    case describeSecurityGroups = "describe-security-groups"
    case createSecurityGroup = "create-security-group"
    case authorizeSecurityGroupIngress = "authorize-security-group-ingress"
    case revokeSecurityGroupIngress = "revoke-security-group-ingress"
    case deleteSecurityGroup = "delete-security-group"

    public static let service = "ec2"
    public static let iamService = "ec2"

    public var iamActions: [String] {
        switch self {
        case .createSecurityGroup: [iamAction, "ec2:CreateTags"]  // tags on create
        default: [iamAction]
        }
    }
}

/// One inbound TCP port, open to address ranges or to another security group.
public struct EC2IngressRule: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case cidrs([String])
        case securityGroup(String)
    }

    public let port: Int
    public let source: Source

    public init(port: Int, from source: Source) {
        self.port = port
        self.source = source
    }

    fileprivate var permission: Permission {
        switch source {
        case .cidrs(let cidrs):
            Permission(FromPort: port, ToPort: port, IpRanges: cidrs.map { ["CidrIp": $0] }, UserIdGroupPairs: nil)
        case .securityGroup(let id):
            Permission(FromPort: port, ToPort: port, IpRanges: nil, UserIdGroupPairs: [["GroupId": id]])
        }
    }

    // EC2's own field names.
    fileprivate struct Permission: Encodable {
        let IpProtocol = "tcp"
        let FromPort: Int
        let ToPort: Int
        let IpRanges: [[String: String]]?
        let UserIdGroupPairs: [[String: String]]?
    }
}

/// `aws ec2 …` builders.
public struct EC2Commands: Sendable {
    let cli: AWSCLI

    /// The region's default VPC (none in an account whose default VPC was deleted).
    public func describeDefaultVPCs() -> Command {
        cli.command(EC2Operation.describeVpcs, ["--filters", "Name=isDefault,Values=true"])
    }

    public func describeSubnets(vpcID: String) -> Command {
        cli.command(EC2Operation.describeSubnets, ["--filters", "Name=vpc-id,Values=\(vpcID)"])
    }

    /// The VPC's route tables, to tell which subnets reach an internet gateway.
    public func describeRouteTables(vpcID: String) -> Command {
        cli.command(EC2Operation.describeRouteTables, ["--filters", "Name=vpc-id,Values=\(vpcID)"])
    }

    public func describeSecurityGroups(name: String, vpcID: String) -> Command {
        cli.command(EC2Operation.describeSecurityGroups, ["--filters", "Name=group-name,Values=\(name)", "Name=vpc-id,Values=\(vpcID)"])
    }

    public func createSecurityGroup(name: String, description: String, vpcID: String, tags: AWSTags = [:]) -> Command {
        var arguments = ["--group-name", name, "--description", description, "--vpc-id", vpcID]
        if !tags.isEmpty {
            arguments += ["--tag-specifications", AWSArgument.json([TagSpecification(ResourceType: "security-group", Tags: AWSArgument.tagList(tags))])]
        }
        return cli.command(EC2Operation.createSecurityGroup, arguments)
    }

    public func authorizeSecurityGroupIngress(groupID: String, rules: [EC2IngressRule]) -> Command {
        cli.command(EC2Operation.authorizeSecurityGroupIngress, [
            "--group-id", groupID, "--ip-permissions", AWSArgument.json(rules.map(\.permission)),
        ])
    }

    private struct TagSpecification: Encodable {
        let ResourceType: String
        let Tags: [[String: String]]
    }
}

extension EC2Commands {
    public func revokeSecurityGroupIngress(groupID: String, rules: [EC2IngressRule]) -> Command {
        cli.command(EC2Operation.revokeSecurityGroupIngress, [
            "--group-id", groupID, "--ip-permissions", AWSArgument.json(rules.map(\.permission)),
        ])
    }

    public func deleteSecurityGroup(groupID: String) -> Command {
        cli.command(EC2Operation.deleteSecurityGroup, ["--group-id", groupID])
    }
}

extension AWSCLI {
    public var ec2: EC2Commands { EC2Commands(cli: self) }
}
