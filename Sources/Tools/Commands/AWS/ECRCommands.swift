/// ECR operations Panda runs.
public enum ECROperation: String, AWSOperation {
    case describeRepositories = "describe-repositories"
    case createRepository = "create-repository"
    case getLoginPassword = "get-login-password"
    case putLifecyclePolicy = "put-lifecycle-policy"
    case listTagsForResource = "list-tags-for-resource"
    case deleteRepository = "delete-repository"

    public static let service = "ecr"
    public static let iamService = "ecr"

    public var iamActions: [String] {
        switch self {
        // The CLI's convenience command calls GetAuthorizationToken; docker push needs the layer actions.
        case .getLoginPassword:
            ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload",
             "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage"]
        case .createRepository: [iamAction, "ecr:TagResource"]
        case .describeRepositories: [iamAction]
        default: [iamAction]
        }
    }
}

/// `aws ecr …` builders.
public struct ECRCommands: Sendable {
    let cli: AWSCLI

    public func describeRepositories(names: [String]) -> Command {
        cli.command(ECROperation.describeRepositories, ["--repository-names"] + names)
    }

    public func createRepository(name: String, scanOnPush: Bool, immutableTags: Bool, tags: AWSTags = [:]) -> Command {
        cli.command(ECROperation.createRepository, [
            "--repository-name", name,
            "--image-scanning-configuration", "scanOnPush=\(scanOnPush)",
            "--image-tag-mutability", immutableTags ? "IMMUTABLE" : "MUTABLE",
        ] + AWSArgument.keyValueTags(tags))
    }

    /// Prints the bare registry password (so no `--output json`).
    public func getLoginPassword() -> Command {
        cli.command(ECROperation.getLoginPassword, jsonOutput: false)
    }
}

extension ECRCommands {
    /// Expires all but the newest `keep` images of the repository.
    public func keepNewestImages(repository: String, keep: Int) -> Command {
        let policy = LifecyclePolicy(rules: [.init(
            rulePriority: 1, description: "Keep the newest \(keep) images",
            selection: .init(tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep),
            action: .init(type: "expire"))])
        return cli.command(ECROperation.putLifecyclePolicy, [
            "--repository-name", repository, "--lifecycle-policy-text", AWSArgument.json(policy),
        ])
    }

    public func listTagsForResource(arn: String) -> Command {
        cli.command(ECROperation.listTagsForResource, ["--resource-arn", arn])
    }

    /// Deletes the repository with every image in it.
    public func deleteRepository(name: String) -> Command {
        cli.command(ECROperation.deleteRepository, ["--repository-name", name, "--force"])
    }

    // ECR's own field names.
    private struct LifecyclePolicy: Encodable {
        struct Rule: Encodable {
            struct Selection: Encodable { let tagStatus: String; let countType: String; let countNumber: Int }
            struct Action: Encodable { let type: String }
            let rulePriority: Int
            let description: String
            let selection: Selection
            let action: Action
        }
        let rules: [Rule]
    }
}

extension AWSCLI {
    public var ecr: ECRCommands { ECRCommands(cli: self) }
}
