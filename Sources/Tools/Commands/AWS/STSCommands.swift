/// STS operations Panda runs.
public enum STSOperation: String, AWSOperation {
    case getCallerIdentity = "get-caller-identity"

    public static let service = "sts"
    public static let iamService = "sts"
}

/// `aws sts …` builders.
public struct STSCommands: Sendable {
    let cli: AWSCLI

    /// Valid credentials answer with the account and ARN (no IAM permission is needed).
    public func getCallerIdentity(timeout: Duration? = nil) -> Command {
        cli.command(STSOperation.getCallerIdentity, timeout: timeout)
    }
}

extension AWSCLI {
    public var sts: STSCommands { STSCommands(cli: self) }
}
