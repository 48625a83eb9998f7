/// `git` commands with no user or system configuration and no prompts. A token reaches
/// git only through `GIT_ASKPASS` and the child's environment, never argv or a URL.
public struct GitCLI: Sendable, Equatable {
    /// The askpass helper reads the token from this variable.
    public static let tokenVariable = "PANDA_GIT_TOKEN"

    /// A POSIX shell script for `GIT_ASKPASS`: git asks for a user name, then a password.
    public static let askPassScript = """
        #!/bin/sh
        case "$1" in
        Username*) printf '%s\\n' x-access-token ;;
        *) printf '%s\\n' "$\(tokenVariable)" ;;
        esac

        """

    public var executable: String
    /// Where the askpass script was written (inside the deployment's private workspace).
    public var askPassPath: String
    /// `HOME` for the child, so nothing in the host's home directory is read.
    public var home: String

    public init(executable: String = "git", askPassPath: String, home: String) {
        self.executable = executable
        self.askPassPath = askPassPath
        self.home = home
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
                .setting("GIT_ASKPASS", askPassPath)
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
        Command(executable, arguments: ["-C", directory, "rev-parse", "HEAD"], environment: environment(token: nil), timeout: .seconds(30))
    }
}
