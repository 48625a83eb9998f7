/// IAM operations Panda runs.
public enum IAMOperation: String, AWSOperation {
    case getRole = "get-role"
    case createRole = "create-role"
    case attachRolePolicy = "attach-role-policy"
    case listAttachedRolePolicies = "list-attached-role-policies"
    case createServiceLinkedRole = "create-service-linked-role"

    public static let service = "iam"
    public static let iamService = "iam"

    public var iamActions: [String] {
        switch self {
        case .createRole: [iamAction, "iam:TagRole"]  // tags on create
        default: [iamAction]
        }
    }
}

/// `aws iam …` builders.
public struct IAMCommands: Sendable {
    let cli: AWSCLI

    public func getRole(name: String) -> Command {
        cli.command(IAMOperation.getRole, ["--role-name", name])
    }

    /// A role that `trustedService` (e.g. `ecs-tasks.amazonaws.com`) may assume.
    public func createRole(name: String, trustedService: String, tags: AWSTags = [:]) -> Command {
        let trust = TrustPolicy(Statement: [Grant(Principal: ["Service": trustedService])])
        return cli.command(IAMOperation.createRole, [
            "--role-name", name, "--assume-role-policy-document", AWSArgument.json(trust),
        ] + AWSArgument.keyValueTags(tags))
    }

    public func attachRolePolicy(roleName: String, policyARN: String) -> Command {
        cli.command(IAMOperation.attachRolePolicy, ["--role-name", roleName, "--policy-arn", policyARN])
    }

    public func listAttachedRolePolicies(roleName: String) -> Command {
        cli.command(IAMOperation.listAttachedRolePolicies, ["--role-name", roleName])
    }

    /// E.g. `ecs.amazonaws.com` → `AWSServiceRoleForECS`.
    public func createServiceLinkedRole(awsServiceName: String) -> Command {
        cli.command(IAMOperation.createServiceLinkedRole, ["--aws-service-name", awsServiceName])
    }

    // IAM's own field names.
    private struct TrustPolicy: Encodable {
        let Version = "2012-10-17"
        let Statement: [Grant]
    }

    private struct Grant: Encodable {
        let Effect = "Allow"
        let Principal: [String: String]
        let Action = "sts:AssumeRole"
    }
}

extension AWSCLI {
    public var iam: IAMCommands { IAMCommands(cli: self) }
}
