/// AWS credentials as the aws CLI takes them. Every part is a ``Secret``: never printed,
/// only revealed into a child's environment.
public struct AWSCredentials: Sendable, Hashable {
    public let accessKeyId: Secret
    public let secretAccessKey: Secret
    /// STS session token for temporary credentials; `nil` (or empty) means none.
    public let sessionToken: Secret?

    public init(accessKeyId: Secret, secretAccessKey: Secret, sessionToken: Secret? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken.flatMap { $0.isEmpty ? nil : $0 }
    }

    public var secrets: [Secret] {
        [accessKeyId, secretAccessKey] + (sessionToken.map { [$0] } ?? [])
    }
}

/// Builds `aws <service> <operation> <arguments…> --output json` commands for one set of
/// credentials, region and (optional) endpoint.
///
/// Credentials, region and endpoint travel only in the child's environment, never in its
/// arguments. The environment is sealed off from the host: no inherited `AWS_*` variable,
/// config and credentials files pointed at `/dev/null` (the aws CLI reads it as an empty
/// file), `HOME` pointed at a directory that does not exist (so `~/.aws/cli/alias`,
/// `~/.aws/models` and friends are never read), no instance-metadata lookups. The child
/// sees only what this builder puts there plus `PATH` and locale/timezone variables.
public struct AWSCLI: Sendable, Equatable {
    /// What the host may contribute: how to find `aws` (and Python), and text encoding.
    public static let inheritedKeys: Set<String> = ["PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR"]
    /// An empty file every aws CLI (v1 and v2) accepts as config and credentials file.
    public static let emptyFile = "/dev/null"
    /// `HOME` for the child: never exists, so nothing of the host's home directory is read.
    public static let isolatedHome = "/nonexistent/panda-aws-home"

    public var credentials: AWSCredentials
    public var region: String
    /// Sent as `AWS_ENDPOINT_URL` (every service); `nil` or empty means the real AWS endpoints.
    public var endpointURL: String?
    /// `aws` from `PATH`, or a path.
    public var executable: String
    /// Default limit for commands built here; each call may override it.
    public var timeout: Duration

    public init(
        credentials: AWSCredentials,
        region: String,
        endpointURL: String? = nil,
        executable: String = "aws",
        timeout: Duration = Command.defaultTimeout
    ) {
        self.credentials = credentials
        self.region = region
        self.endpointURL = endpointURL.flatMap { $0.isEmpty ? nil : $0 }
        self.executable = executable
        self.timeout = timeout
    }

    /// The child's complete environment.
    public var environment: Command.Environment {
        var environment = Command.Environment(base: .inherit(Self.inheritedKeys))
            .setting("HOME", Self.isolatedHome)
            .setting("AWS_CONFIG_FILE", Self.emptyFile)
            .setting("AWS_SHARED_CREDENTIALS_FILE", Self.emptyFile)
            .setting("AWS_EC2_METADATA_DISABLED", "true")
            .setting("AWS_STS_REGIONAL_ENDPOINTS", "regional")
            .setting("AWS_PAGER", "")
            .setting("AWS_CLI_AUTO_PROMPT", "off")
            .setting("AWS_DEFAULT_REGION", region)
            .setting("AWS_REGION", region)
            .setting("AWS_ACCESS_KEY_ID", secret: credentials.accessKeyId)
            .setting("AWS_SECRET_ACCESS_KEY", secret: credentials.secretAccessKey)
        if let token = credentials.sessionToken {
            environment = environment.setting("AWS_SESSION_TOKEN", secret: token)
        }
        if let endpointURL {
            environment = environment.setting("AWS_ENDPOINT_URL", endpointURL)
        }
        return environment
    }

    /// `aws <service> <operation> <arguments…> --output json`.
    public func command(
        _ service: String,
        _ operation: String,
        _ arguments: [String] = [],
        stdin: Command.Input? = nil,
        timeout: Duration? = nil
    ) -> Command {
        Command(
            executable,
            arguments: [service, operation] + arguments + ["--output", "json"],
            environment: environment,
            stdin: stdin,
            timeout: timeout ?? self.timeout
        )
    }

    /// `aws sts get-caller-identity --output json`: valid credentials answer with the account and ARN.
    public func getCallerIdentity(timeout: Duration? = nil) -> Command {
        command("sts", "get-caller-identity", timeout: timeout)
    }
}
