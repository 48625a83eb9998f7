import Foundation
import Tools

/// The real git client against a ``GitFixture``, the way Panda is meant to call it:
/// the token reaches git through `GIT_ASKPASS` and an environment variable, never
/// through arguments or the URL.
extension GitFixture {
    /// An askpass helper: `x-access-token` for the user name, `$PANDA_GIT_TOKEN` for the password.
    public static let askPassScript = """
        #!/bin/sh
        case "$1" in
            Username*) echo x-access-token ;;
            *) printf '%s\\n' "$PANDA_GIT_TOKEN" ;;
        esac

        """

    /// Writes ``askPassScript`` (mode 0700) into `directory` and returns its path.
    public static func writeAskPass(into directory: URL) throws -> URL {
        let url = directory.appendingPathComponent("git-askpass.sh")
        try askPassScript.write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
        return url
    }

    /// `git clone --depth 1 --branch BRANCH --single-branch URL DESTINATION` with the
    /// token through askpass and prompts off. Not checked: failures are results too.
    public static func clone(
        url: String,
        branch: String,
        token: Secret,
        into destination: URL,
        timeout: Duration = .seconds(60)
    ) async throws -> ProcessResult {
        let helper = try TestTemporaryDirectory(prefix: "panda-askpass")
        defer { helper.remove() }
        let askPass = try writeAskPass(into: helper.url)
        let environment = Command.Environment.clean(gitEnvironment(home: helper.url))
            .setting("GIT_ASKPASS", askPass.path)
            .setting("GIT_TERMINAL_PROMPT", "0")
            .setting("PANDA_GIT_TOKEN", secret: token)
        let command = Command(
            "git",
            arguments: ["clone", "--depth", "1", "--branch", branch, "--single-branch", url, destination.path],
            environment: environment,
            timeout: timeout
        )
        return try await TestProcess.runner.run(command)
    }
}
