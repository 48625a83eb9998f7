/// CloudWatch Logs operations Panda runs.
public enum LogsOperation: String, AWSOperation {
    case createLogGroup = "create-log-group"

    public static let service = "logs"
    public static let iamService = "logs"

    public var iamActions: [String] {
        switch self {
        case .createLogGroup: [iamAction, "logs:TagResource"]  // tags on create
        }
    }
}

/// `aws logs …` builders.
public struct LogsCommands: Sendable {
    let cli: AWSCLI

    public func createLogGroup(name: String, tags: AWSTags = [:]) -> Command {
        // Log groups take their tags as a map, not as a list.
        let tagArguments = tags.isEmpty ? [] : ["--tags", AWSArgument.json(tags)]
        return cli.command(LogsOperation.createLogGroup, ["--log-group-name", name] + tagArguments)
    }
}

extension AWSCLI {
    public var logs: LogsCommands { LogsCommands(cli: self) }
}
