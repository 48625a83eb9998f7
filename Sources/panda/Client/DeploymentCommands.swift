import ArgumentParser
import Foundation
import PandaClient

struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a deployment; prints its id, or with --follow its progress (exit 0 completed, 1 failed).")

    @OptionGroup var serverOptions: ServerOptions
    @Option(help: "The GitHub connection (gh_…).") var githubConnection: String
    @Option(help: "The AWS connection (aws_…).") var awsConnection: String
    @Option(help: "Repository owner.") var owner: String
    @Option(help: "Repository name.") var repo: String
    @Option(help: "Branch to deploy.") var branch: String
    @Flag(help: "Follow the deployment to its end.") var follow = false
    @Flag(help: "JSON: the answer, or with --follow one event per line.") var json = false

    func run() async throws {
        try await runClient { () async throws(ClientError) -> Int32 in
            let server = try serverOptions.makeServer()
            let reply = try await server.call("POST", "/api/v1/deploy", body: [
                "githubConnectionId": githubConnection, "awsConnectionId": awsConnection,
                "owner": owner, "repo": repo, "branch": branch,
            ])
            guard let id = reply.data["deploymentId"]?.string else { throw .unreadable("no deploymentId in \(reply.data.encodedLine())") }
            guard follow else {
                Output.write((json ? reply.data.encodedLine() : id) + "\n")
                return ClientExit.completed
            }
            // stdout carries the events; the id goes to stderr so scripts can still log it.
            FileHandle.standardError.write(Data("deployment \(id)\n".utf8))
            return try await PandaCLI.follow(id, on: server, json: json)
        }
    }
}

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow a deployment's events from the start to its end (exit 0 completed, 1 failed, 3 not found).")

    @OptionGroup var serverOptions: ServerOptions
    @Argument(help: "The deployment id (dep_…).") var deploymentID: String
    @Flag(help: "One JSON event per line.") var json = false

    func run() async throws {
        try await runClient { () async throws(ClientError) -> Int32 in
            try await PandaCLI.follow(deploymentID, on: try serverOptions.makeServer(), json: json)
        }
    }
}

struct ShowResult: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "result",
        abstract: "Print a deployment's result as JSON (exit 0 completed, 1 failed, 3 not found, 4 still running without --wait).")

    @OptionGroup var serverOptions: ServerOptions
    @Argument(help: "The deployment id (dep_…).") var deploymentID: String
    @Flag(help: "Wait until the deployment has ended.") var wait = false
    @Option(help: "Seconds between polls with --wait.") var interval: Double = 2

    func validate() throws {
        guard interval > 0, interval <= 3600 else { throw ValidationError("--interval must be between 0 and 3600 seconds") }
    }

    func run() async throws {
        try await runClient { () async throws(ClientError) -> Int32 in
            let server = try serverOptions.makeServer()
            let path = "/api/v1/deploy/\(PandaServer.pathSegment(deploymentID))/result"
            while true {
                let reply = try await server.call("GET", path)
                let code = PandaCLI.exitCode(forResult: reply)
                if code != ClientExit.stillRunning || !wait {
                    Output.write(reply.data.encodedLine() + "\n")
                    if code == ClientExit.stillRunning {
                        Output.error("\(deploymentID) is still \(reply.data["status"]?.string ?? "running"); add --wait to wait for its end")
                    }
                    return code
                }
                try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            }
        }
    }
}

struct Deployments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List deployments, newest first: one tab-separated line each (id, kind, status, owner/repo, branch, startedAt, stage, errorCode).")

    @OptionGroup var serverOptions: ServerOptions
    @Option(help: "Only this owner's.") var owner: String?
    @Option(help: "Only this repository's.") var repo: String?
    @Option(help: "QUEUED, IN_PROGRESS, COMPLETED or FAILED.") var status: String?
    @Option(help: "At most this many (1–100).") var limit: Int?
    @Option(help: "The next page: the cursor the previous one printed.") var cursor: String?
    @Flag(help: "Print the answer as JSON.") var json = false

    func run() async throws {
        try await runClient { () async throws(ClientError) -> Int32 in
            let server = try serverOptions.makeServer()
            var query: [(String, String)] = []
            if let owner { query.append(("owner", owner)) }
            if let repo { query.append(("repo", repo)) }
            if let status { query.append(("status", status)) }
            if let limit { query.append(("limit", String(limit))) }
            if let cursor { query.append(("cursor", cursor)) }
            let reply = try await server.call("GET", "/api/v1/deployments", query: query)
            if json {
                Output.write(reply.data.encodedLine() + "\n")
                return 0
            }
            guard case .array(let deployments)? = reply.data["deployments"] else {
                throw .unreadable("no deployments list in \(reply.data.encodedLine())")
            }
            for item in deployments {
                let fields = [
                    item["deploymentId"]?.string, item["kind"]?.string, item["status"]?.string,
                    "\(item["owner"]?.string ?? "")/\(item["repo"]?.string ?? "")", item["branch"]?.string,
                    item["startedAt"]?.string, item["currentStage"]?.int.map(String.init), item["errorCode"]?.string,
                ]
                Output.write(fields.map { $0 ?? "-" }.joined(separator: "\t") + "\n")
            }
            if let next = reply.data["nextCursor"]?.string {
                Output.error("more: --cursor \(next)")
            }
            return 0
        }
    }
}

struct Apps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the applications Panda manages in an AWS account: one tab-separated line each (owner/repo, region, production URL, slot, image, last deployment).")

    @OptionGroup var serverOptions: ServerOptions
    @Option(help: "The AWS connection (aws_…).") var awsConnection: String
    @Flag(help: "Print the answer as JSON.") var json = false

    func run() async throws {
        try await runClient { () async throws(ClientError) -> Int32 in
            let server = try serverOptions.makeServer()
            let reply = try await server.call("GET", "/api/v1/apps", query: [("awsConnectionId", awsConnection)])
            if json {
                Output.write(reply.data.encodedLine() + "\n")
                return 0
            }
            guard case .array(let apps)? = reply.data["apps"] else {
                throw .unreadable("no apps list in \(reply.data.encodedLine())")
            }
            for app in apps {
                let fields = [
                    "\(app["owner"]?.string ?? "")/\(app["repo"]?.string ?? "")", app["region"]?.string,
                    app["productionUrl"]?.string, app["productionSlot"]?.string, app["image"]?.string,
                    app["lastDeploymentId"]?.string,
                ]
                Output.write(fields.map { $0 ?? "-" }.joined(separator: "\t") + "\n")
            }
            return 0
        }
    }
}
