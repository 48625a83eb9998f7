import Foundation
import Tools

/// The real git client against a ``GitFixture``, called exactly as Panda calls it
/// (``GitCLI``): the token reaches git through a credential helper reading an
/// environment variable, never through arguments, the URL or a file.
extension GitFixture {
    /// `git clone --depth 1 --branch BRANCH --single-branch -- URL DESTINATION` with the
    /// token in the environment and prompts off. Not checked: failures are results too.
    public static func clone(
        url: String,
        branch: String,
        token: Secret,
        into destination: URL,
        timeout: Duration = .seconds(60)
    ) async throws -> ProcessResult {
        let home = try TestTemporaryDirectory(prefix: "panda-git-home")
        defer { home.remove() }
        let command = GitCLI(home: home.url.path)
            .shallowClone(url: url, branch: branch, into: destination.path, token: token, timeout: timeout)
        return try await TestProcess.runner.run(command)
    }
}
