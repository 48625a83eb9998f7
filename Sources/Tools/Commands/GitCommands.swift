/// `git` commands with no user or system configuration and no prompts. A token reaches
/// git only through the child's environment, never argv, a URL or a file.
public struct GitCLI: Sendable, Equatable {
    /// The credential helper reads the token from this variable.
    public static let tokenVariable = "PANDA_GIT_TOKEN"

    /// A shell credential helper, given to git through `GIT_CONFIG_*` variables. It is not a
    /// script file on purpose: executing a file written at run time fails with "Text file busy"
    /// whenever a child forked by another thread still holds the file's write descriptor.
    public static let credentialHelper =
        #"!f() { test "$1" = get && printf 'username=x-access-token\npassword=%s\n' "$"# + tokenVariable + #""; }; f"#

    public var executable: String
    /// `HOME` for the child, so nothing in the host's home directory is read.
    public var home: String
    /// The limit for local commands (`rev-parse`); a clone takes its own.
    public var timeout: Duration

    public init(executable: String = "git", home: String, timeout: Duration = .seconds(30)) {
        self.executable = executable
        self.home = home
        self.timeout = timeout
    }

    func environment(token: Secret?) -> Command.Environment {
        var environment = Command.Environment(base: .inherit(["PATH", "LANG", "LC_ALL", "TZ", "TMPDIR"]))
            .setting("HOME", home)
            .setting("GIT_CONFIG_GLOBAL", "/dev/null")
            .setting("GIT_CONFIG_NOSYSTEM", "1")
            .setting("GIT_TERMINAL_PROMPT", "0")
            .setting("GIT_LFS_SKIP_SMUDGE", "1")
        if let token {
            environment = environment
                .setting("GIT_CONFIG_COUNT", "1")
                .setting("GIT_CONFIG_KEY_0", "credential.helper")
                .setting("GIT_CONFIG_VALUE_0", Self.credentialHelper)
                .setting(Self.tokenVariable, secret: token)
        }
        return environment
    }

    /// `git clone --depth 1 --branch B --single-branch -- URL DIR`
    public func shallowClone(url: String, branch: String, into directory: String, token: Secret, timeout: Duration) -> Command {
        Command(
            executable,
            arguments: ["clone", "--depth", "1", "--branch", branch, "--single-branch", "--no-tags", "--", url, directory],
            environment: environment(token: token),
            timeout: timeout)
    }

    /// `git -C DIR rev-parse HEAD`
    public func headCommit(in directory: String) -> Command {
        Command(executable, arguments: ["-C", directory, "rev-parse", "HEAD"], environment: environment(token: nil), timeout: timeout)
    }
}
