/// `docker` commands. Registry credentials go in through stdin (`--password-stdin`) and
/// land in a per-deployment `DOCKER_CONFIG`, never in the host's docker configuration.
public struct DockerCLI: Sendable, Equatable {
    public var executable: String
    /// A private directory for `config.json` (credentials); `nil` uses docker's default.
    public var configDirectory: String?
    /// The limit for the short commands (tag, login, image ls/rm); build and push take their own.
    public var timeout: Duration

    public init(executable: String = "docker", configDirectory: String? = nil, timeout: Duration = .seconds(120)) {
        self.executable = executable
        self.configDirectory = configDirectory
        self.timeout = timeout
    }

    private var environment: Command.Environment {
        var environment = Command.Environment(base: .inherit(["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "DOCKER_HOST"]))
            .setting("DOCKER_CLI_HINTS", "false")
        if let configDirectory { environment = environment.setting("DOCKER_CONFIG", configDirectory) }
        return environment
    }

    private func docker(_ arguments: [String], stdin: Command.Input? = nil, timeout: Duration) -> Command {
        Command(executable, arguments: arguments, environment: environment, stdin: stdin, timeout: timeout)
    }

    /// `docker build --force-rm [--platform P] -f DOCKERFILE -t TAG CONTEXT`. `--force-rm` removes
    /// the intermediate containers of a failed build too (by default they stay behind, stopped).
    public func build(dockerfile: String, tag: String, context: String, platform: String? = nil, labels: [String: String] = [:],
                      timeout: Duration) -> Command {
        var arguments = ["build", "--force-rm"]
        if let platform { arguments += ["--platform", platform] }
        arguments += ["-f", dockerfile, "-t", tag]
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) { arguments += ["--label", "\(key)=\(value)"] }
        return docker(arguments + ["--", context], timeout: timeout)
    }

    /// `OS/ARCHITECTURE` of a local image (`linux/arm64`).
    public func imagePlatform(_ image: String) -> Command {
        docker(["image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", "--", image], timeout: timeout)
    }

    public func tag(_ source: String, _ target: String) -> Command {
        docker(["tag", source, target], timeout: timeout)
    }

    public func login(registry: String, username: String, password: Secret) -> Command {
        docker(["login", "--username", username, "--password-stdin", registry], stdin: .secret(password), timeout: timeout)
    }

    public func push(_ image: String, timeout: Duration) -> Command {
        docker(["push", image], timeout: timeout)
    }

    /// Lines of `ID<TAB>REFERENCE<TAB>CREATED` for images carrying `label`, newest first.
    public func listImages(label: String) -> Command {
        docker(["image", "ls", "--filter", "label=\(label)", "--format", "{{.ID}}\t{{.Repository}}:{{.Tag}}\t{{.CreatedAt}}"], timeout: timeout)
    }

    public func removeImages(_ references: [String]) -> Command {
        docker(["image", "rm", "--force"] + references, timeout: timeout)
    }
}
