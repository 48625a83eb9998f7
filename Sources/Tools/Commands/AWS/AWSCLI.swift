import Foundation
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
    /// `AWS_MAX_ATTEMPTS`: tries per call, first one included, under the `adaptive` retry mode
    /// (which also slows the client down when AWS throttles it).
    public var maxAttempts: Int

    public static let defaultMaxAttempts = 5

    public init(
        credentials: AWSCredentials,
        region: String,
        endpointURL: String? = nil,
        executable: String = "aws",
        timeout: Duration = Command.defaultTimeout,
        maxAttempts: Int = AWSCLI.defaultMaxAttempts
    ) {
        self.credentials = credentials
        self.region = region
        self.endpointURL = endpointURL.flatMap { $0.isEmpty ? nil : $0 }
        self.executable = executable
        self.timeout = timeout
        self.maxAttempts = max(1, maxAttempts)
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
            .setting("AWS_RETRY_MODE", "adaptive")
            .setting("AWS_MAX_ATTEMPTS", String(maxAttempts))
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

    /// `aws <service> <operation> <arguments…> [--output json]`. Only the service builders
    /// (``ecr``, ``ecs``, ``elbv2``, ``ec2``, ``iam``, ``logs``, ``sts``) call it, so every
    /// operation Panda can run is one of their ``AWSOperation`` cases.
    func command<Operation: AWSOperation>(
        _ operation: Operation,
        _ arguments: [String] = [],
        jsonOutput: Bool = true,
        timeout: Duration? = nil
    ) -> Command {
        Command(
            executable,
            arguments: [Operation.service, operation.rawValue] + arguments + (jsonOutput ? ["--output", "json"] : []),
            environment: environment,
            timeout: timeout ?? self.timeout
        )
    }
}

// Reading the aws CLI's error output.
extension AWSCLI {
    /// AWS's own reason from the CLI's stderr: the message of
    /// `An error occurred (Code) when calling the Op operation: Message`; an unreachable
    /// endpoint is a connection timeout; otherwise the last line. Secrets are masked
    /// (the runner already redacts them; this is the second lock).
    public static func errorReason(fromStderr stderr: String, secrets: [Secret] = []) -> String {
        let lines = stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var reason = "aws CLI failed without a message"
        if let line = lines.last(where: { $0.hasPrefix("An error occurred (") }),
           let marker = line.range(of: " operation: ") {
            reason = String(line[marker.upperBound...])
            if reason.isEmpty, let code = line.split(separator: "(").dropFirst().first?.split(separator: ")").first {
                reason = String(code)
            }
        } else if lines.contains(where: { Self.unreachableMarkers.contains(where: $0.contains) }) {
            reason = "Connection timeout"
        } else if let last = lines.last {
            reason = last
        }
        for secret in secrets where !secret.isEmpty {
            reason = reason.replacingOccurrences(of: secret.reveal(), with: "***")
        }
        return String(reason.prefix(500))
    }

    public static let unreachableMarkers = [
        "Could not connect to the endpoint URL",
        "Connect timeout on endpoint URL",
        "Read timeout on endpoint URL",
        "Connection was closed before we received a valid response",
    ]

    /// `An error occurred (Code) when calling …` → `Code`.
    public static func errorCode(inStderr stderr: String) -> String? {
        guard let start = stderr.range(of: "An error occurred (")?.upperBound,
              let end = stderr[start...].firstIndex(of: ")") else { return nil }
        return String(stderr[start..<end])
    }
}
