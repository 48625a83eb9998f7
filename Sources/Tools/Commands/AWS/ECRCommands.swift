/// ECR operations Panda runs.
public enum ECROperation: String, AWSOperation {
    case describeRepositories = "describe-repositories"
    case createRepository = "create-repository"
    case getLoginPassword = "get-login-password"

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

extension AWSCLI {
    public var ecr: ECRCommands { ECRCommands(cli: self) }
}
