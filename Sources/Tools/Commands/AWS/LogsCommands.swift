/// CloudWatch Logs operations Panda runs.
public enum LogsOperation: String, AWSOperation {
    case createLogGroup = "create-log-group"
    case putRetentionPolicy = "put-retention-policy"
    case deleteLogGroup = "delete-log-group"

    public static let service = "logs"
    public static let iamService = "logs"

    public var iamActions: [String] {
        switch self {
        case .createLogGroup: [iamAction, "logs:TagResource"]  // tags on create
        default: [iamAction]
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

extension LogsCommands {
    /// `days` must be one CloudWatch accepts (see ``retentionDays(atLeast:)``).
    public func putRetentionPolicy(logGroup: String, days: Int) -> Command {
        cli.command(LogsOperation.putRetentionPolicy, ["--log-group-name", logGroup, "--retention-in-days", String(days)])
    }

    public func deleteLogGroup(name: String) -> Command {
        cli.command(LogsOperation.deleteLogGroup, ["--log-group-name", name])
    }

    /// The retention periods CloudWatch Logs accepts, in days.
    public static let retentionPeriods = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]

    /// The shortest accepted period of at least `days` (the longest when none is that long).
    public static func retentionDays(atLeast days: Int) -> Int {
        retentionPeriods.first { $0 >= days } ?? retentionPeriods[retentionPeriods.count - 1]
    }
}

extension AWSCLI {
    public var logs: LogsCommands { LogsCommands(cli: self) }
}
