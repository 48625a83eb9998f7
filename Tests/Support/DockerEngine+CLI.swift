import Foundation
import Tools

/// The real `docker` client, for tests that need to build, run, log in and push.
/// Every helper runs `docker` with PATH and HOME only, plus `DOCKER_CONFIG` when a
/// private client configuration directory is given (logins never touch ~/.docker).
extension DockerEngine {
    public static func command(
        _ arguments: [String],
        configDirectory: URL? = nil,
        stdin: Command.Input? = nil,
        timeout: Duration = .seconds(120)
    ) -> Command {
        var environment = Command.Environment.safe
        if let configDirectory {
            environment = environment.setting("DOCKER_CONFIG", configDirectory.path)
        }
        return Command("docker", arguments: arguments, environment: environment, stdin: stdin, timeout: timeout)
    }

    /// Runs `docker ARGUMENTS`; throws unless it exits with 0.
    @discardableResult
    public static func docker(
        _ arguments: [String],
        configDirectory: URL? = nil,
        stdin: Command.Input? = nil,
        timeout: Duration = .seconds(120)
    ) async throws -> ProcessResult {
        try await TestProcess.run(command(arguments, configDirectory: configDirectory, stdin: stdin, timeout: timeout))
    }

    /// `docker build -t TAG [-f DOCKERFILE] CONTEXT`.
    @discardableResult
    public static func build(tag: String, context: URL, dockerfile: String? = nil) async throws -> ProcessResult {
        var arguments = ["build", "-t", tag]
        if let dockerfile { arguments += ["-f", dockerfile] }
        arguments.append(context.path)
        return try await docker(arguments, timeout: .seconds(300))
    }

    /// `docker run -d -p 127.0.0.1:HOSTPORT:CONTAINERPORT IMAGE`; returns the container id.
    public static func runDetached(
        image: String,
        hostPort: UInt16,
        containerPort: UInt16 = 8080,
        name: String? = nil
    ) async throws -> String {
        var arguments = ["run", "-d", "-p", "127.0.0.1:\(hostPort):\(containerPort)"]
        if let name { arguments += ["--name", name] }
        arguments.append(image)
        let result = try await docker(arguments)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `docker rm -f` (errors ignored: cleanup).
    public static func removeContainers(_ ids: [String]) async {
        guard !ids.isEmpty else { return }
        _ = try? await TestProcess.runner.run(command(["rm", "-f"] + ids))
    }

    /// `docker rmi -f` (errors ignored: cleanup).
    public static func removeImages(_ references: [String]) async {
        guard !references.isEmpty else { return }
        _ = try? await TestProcess.runner.run(command(["rmi", "-f"] + references))
    }

    /// Whether the local engine has the image.
    public static func imageExists(_ reference: String) async -> Bool {
        (try? await TestProcess.runner.run(command(["image", "inspect", reference])))?.succeeded ?? false
    }

    /// `docker login REGISTRY -u USER --password-stdin`, into `configDirectory`.
    public static func login(registry: String, username: String, password: Secret, configDirectory: URL) async throws {
        try await docker(
            ["login", registry, "-u", username, "--password-stdin"],
            configDirectory: configDirectory,
            stdin: .secret(password)
        )
    }

    /// `docker push REFERENCE` with the client configuration in `configDirectory`.
    @discardableResult
    public static func push(_ reference: String, configDirectory: URL) async throws -> ProcessResult {
        try await docker(["push", reference], configDirectory: configDirectory, timeout: .seconds(300))
    }

    /// A unique, valid image reference for a test (`panda-fixture-NAME:HEX`); remove it afterwards.
    public static func uniqueTag(_ name: String) -> String {
        "panda-fixture-\(name):\(UUID().uuidString.prefix(8).lowercased())"
    }
}
