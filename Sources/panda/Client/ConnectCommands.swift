import ArgumentParser
import Foundation
import PandaClient

struct Connect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register a GitHub repository or an AWS account with a Panda server; prints the connection id.",
        discussion: "Secrets come from the environment or stdin, never from the command line.",
        subcommands: [ConnectGitHub.self, ConnectAWS.self])
}

struct ConnectGitHub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "github",
        abstract: "Connect a repository; the token comes from $GITHUB_TOKEN, else the first line of stdin.")

    @OptionGroup var serverOptions: ServerOptions
    @Option(help: "Repository owner.") var owner: String
    @Option(help: "Repository name.") var repo: String
    @Option(help: "Branch to deploy.") var branch: String
    @Flag(help: "Print the whole answer as JSON.") var json = false

    func run() async throws {
        try await runClient { () async throws(ClientError) -> Int32 in
            let server = try serverOptions.makeServer()
            let token = try readSecret(environment: "GITHUB_TOKEN", prompt: "GitHub token")
            let reply = try await server.call("POST", "/api/v1/connect/github",
                                              body: ["owner": owner, "repo": repo, "branch": branch, "token": token])
            Output.write((json ? reply.data.encodedLine() : reply.data["githubConnectionId"]?.string ?? "") + "\n")
            return 0
        }
    }
}

struct ConnectAWS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws",
        abstract: "Connect an AWS account; keys come from $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY and $AWS_SESSION_TOKEN, else stdin (key id, secret, optional session token, one per line).")

    @OptionGroup var serverOptions: ServerOptions
    @Option(help: "AWS region (default: $AWS_REGION, else $AWS_DEFAULT_REGION).") var region: String?
    @Flag(help: "Print the whole answer as JSON.") var json = false

    func run() async throws {
        try await runClient { () async throws(ClientError) -> Int32 in
            let server = try serverOptions.makeServer()
            let environment = ProcessInfo.processInfo.environment
            guard let region = region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"], !region.isEmpty else {
                throw .usage("--region is missing (or set AWS_REGION)")
            }
            // All from the environment when the key id is there, else all from stdin.
            let fromEnvironment = !(environment["AWS_ACCESS_KEY_ID"] ?? "").isEmpty
            let keyID = try readSecret(environment: "AWS_ACCESS_KEY_ID", prompt: "AWS access key id")
            let secret = try readSecret(environment: "AWS_SECRET_ACCESS_KEY", prompt: "AWS secret access key")
            var body = ["region": region, "accessKeyId": keyID, "secretAccessKey": secret]
            let session = fromEnvironment ? environment["AWS_SESSION_TOKEN"] : (isatty(STDIN_FILENO) == 1 ? nil : readLine())
            if let session, !session.isEmpty { body["sessionToken"] = session.trimmingCharacters(in: .whitespaces) }
            let reply = try await server.call("POST", "/api/v1/connect/aws", body: body)
            Output.write((json ? reply.data.encodedLine() : reply.data["awsConnectionId"]?.string ?? "") + "\n")
            return 0
        }
    }
}
