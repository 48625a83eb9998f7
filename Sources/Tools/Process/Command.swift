/// One child process to run, as a value: what to run, with which environment,
/// input and limits. Tool builders (git, docker, aws) return these; one
/// ``ProcessRunner`` executes any of them.
///
/// Secrets travel in ``environment`` or ``stdin``, never in ``arguments``.
public struct Command: Sendable, Equatable {
    /// A program name looked up in the child's `PATH`, or a path (anything containing `/`).
    public var executable: String
    public var arguments: [String]
    public var environment: Environment
    public var workingDirectory: String?
    public var stdin: Input?
    /// Wall-clock limit; on expiry the process group is terminated.
    public var timeout: Duration
    /// Extra values to scrub from output, logs and errors. Secrets in
    /// ``environment`` and ``stdin`` are registered automatically.
    public var redactions: [Secret]
    /// Bytes of stdout and of stderr kept (the last ones) in a ``ProcessResult``.
    public var outputLimit: Int

    public static let defaultTimeout: Duration = .seconds(600)
    public static let defaultOutputLimit = 1 << 20

    public init(
        _ executable: String,
        arguments: [String] = [],
        environment: Environment = .safe,
        workingDirectory: String? = nil,
        stdin: Input? = nil,
        timeout: Duration = Command.defaultTimeout,
        redactions: [Secret] = [],
        outputLimit: Int = Command.defaultOutputLimit
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.stdin = stdin
        self.timeout = timeout
        self.redactions = redactions
        self.outputLimit = outputLimit
    }

    /// Bytes written to the child's standard input, after which it is closed.
    /// A command without input gets an empty, already closed stdin.
    public enum Input: Sendable, Equatable {
        case bytes([UInt8])
        case secret(Secret)

        public static func text(_ text: String) -> Input {
            .bytes(Array(text.utf8))
        }

        var bytes: [UInt8] {
            switch self {
            case .bytes(let bytes): bytes
            case .secret(let secret): Array(secret.reveal().utf8)
            }
        }
    }

    /// Every secret this command carries, for redaction.
    public var secrets: [Secret] {
        var all = redactions + environment.secrets
        if case .secret(let secret) = stdin {
            all.append(secret)
        }
        return all
    }

    /// The same command with more values to scrub.
    public func redacting(_ secrets: Secret...) -> Command {
        var copy = self
        copy.redactions += secrets
        return copy
    }
}

extension Command {
    /// The tool this command runs (`git`, `docker`, `aws`, `curl`, else `other`): for timings and metrics.
    public var tool: String { ProcessMetrics.tool(of: executable) }
}
