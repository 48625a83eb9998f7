import Foundation
import Testing
import Panda
import PandaTestSupport
import Tools
@testable import PandaAPI

/// Fails (a real `test` process exits 1) when the deployment's branch is `broken`.
private struct BranchCheckStage: Stage {
    let number = 1
    let name = "branch check"
    var failureCode: ErrorCode { .dockerBuildFailed }

    func run(in context: DeploymentContext) async throws {
        let result = try await context.run(Command("test", arguments: [context.request.branch, "!=", "broken"], timeout: .seconds(10)))
        guard result.succeeded else { throw StageFailure("branch \(context.request.branch) is broken") }
        context.publish("[Stage 1] branch checked")
    }
}

@Suite struct DeploymentListAPITests {
    static let otherGitHubID = "gh_test000002"

    /// Services with a second repository (`octo/other`) connected next to `octo/app`.
    static func engine(_ configuration: PandaConfiguration = PandaConfiguration(),
                       stages: @escaping @Sendable () -> [any Stage] = { [BranchCheckStage()] }) async -> EngineServices {
        let engine = await EngineServices(configuration: configuration, stages: stages)
        await engine.services.connections.registry.add(GitHubConnection(
            id: otherGitHubID, owner: "octo", repo: "other", branch: "main", token: Secret("ghp_test"),
            fullName: "octo/other", defaultBranch: "main", headCommitSHA: "0000000000000000000000000000000000000000"))
        return engine
    }

    static func deploy(_ client: APITestClient, _ engine: EngineServices, repo: String = "app", branch: String = "main") async throws -> String {
        let github = repo == "app" ? engine.githubID : otherGitHubID
        let body = #"{"githubConnectionId":"\#(github)","awsConnectionId":"\#(engine.awsID)","owner":"octo","repo":"\#(repo)","branch":"\#(branch)"}"#
        let reply = try await client.postJSON("/api/v1/deploy", body)
        try #require(reply.status == 200, "\(reply.text)")
        return try #require((reply.json["data"] as? [String: Any])?["deploymentId"] as? String)
    }

    static func waitUntilFinished(_ client: APITestClient, _ ids: [String]) async throws {
        for id in ids {
            for _ in 0..<200 where try await client.send("GET", "/api/v1/deploy/\(id)/result").status == 202 {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    static func list(_ client: APITestClient, _ query: String = "") async throws -> (items: [[String: Any]], next: String?) {
        let reply = try await client.send("GET", "/api/v1/deployments" + (query.isEmpty ? "" : "?" + query))
        try #require(reply.status == 200, "\(query): \(reply.text)")
        #expect(reply.json["code"] as? Int == 200)
        #expect(reply.json["message"] as? String == "배포 목록 조회 성공")
        let data = try #require(reply.json["data"] as? [String: Any])
        let next = data["nextCursor"]
        #expect(next is String || next is NSNull, "nextCursor is always present")
        return (try #require(data["deployments"] as? [[String: Any]]), next as? String)
    }

    static func ids(_ items: [[String: Any]]) -> [String] { items.compactMap { $0["deploymentId"] as? String } }

    @Test func listsNewestFirstWithEveryFieldAndFilters() async throws {
        let engine = await Self.engine()
        try await withPandaServer(services: { _ in engine.services }) { (client: APITestClient) async throws in
            var started: [String] = []
            for (repo, branch) in [("app", "main"), ("other", "main"), ("app", "broken"), ("other", "main"), ("app", "main")] {
                started.append(try await Self.deploy(client, engine, repo: repo, branch: branch))
                try await Self.waitUntilFinished(client, [started.last!])
            }

            let all = try await Self.list(client)
            #expect(Self.ids(all.items) == started.reversed())
            #expect(all.next == nil)
            let raw = try await client.send("GET", "/api/v1/deployments?limit=1")
            #expect(raw.text.contains(#""deployments":[{"deploymentId":"\#(started[4])","kind":"DEPLOY","status":"COMPLETED","owner":"octo","repo":"app","branch":"main","startedAt":""#),
                    "fields in SPEC order: \(raw.text)")
            for item in all.items {
                #expect(Array(item.keys).sorted() == ["branch", "completedAt", "currentStage", "deploymentId", "errorCode",
                                                      "kind", "owner", "repo", "startedAt", "status"])
                #expect((item["startedAt"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/) != nil)
                #expect((item["completedAt"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/) != nil)
                #expect(item["currentStage"] as? Int == 1)
            }
            let broken = try #require(all.items.first { $0["deploymentId"] as? String == started[2] })
            #expect(broken["status"] as? String == "FAILED")
            #expect(broken["errorCode"] as? String == "DOCKER_BUILD_FAILED")
            #expect(all.items.filter { $0["errorCode"] is NSNull }.count == 4)

            #expect(Self.ids(try await Self.list(client, "repo=other").items) == [started[3], started[1]])
            #expect(Self.ids(try await Self.list(client, "owner=OCTO&repo=App").items) == [started[4], started[2], started[0]])
            #expect(Self.ids(try await Self.list(client, "status=FAILED").items) == [started[2]])
            #expect(Self.ids(try await Self.list(client, "repo=app&status=COMPLETED").items) == [started[4], started[0]])
            #expect(try await Self.list(client, "owner=someone-else").items.isEmpty)
            // Empty values mean "not given"; parameters the route does not know are ignored.
            #expect(Self.ids(try await Self.list(client, "owner=&status=&unknown=1").items) == started.reversed())
        }
    }

    @Test func cursorPagesCoverEverythingOnceEvenWhileNewDeploymentsArrive() async throws {
        let engine = await Self.engine()
        try await withPandaServer(services: { _ in engine.services }) { (client: APITestClient) async throws in
            var started: [String] = []
            for index in 0..<5 {
                started.append(try await Self.deploy(client, engine, repo: index.isMultiple(of: 2) ? "app" : "other"))
            }
            try await Self.waitUntilFinished(client, started)

            let first = try await Self.list(client, "limit=2")
            #expect(Self.ids(first.items) == [started[4], started[3]])
            let cursor = try #require(first.next)
            #expect(cursor.wholeMatch(of: /[A-Za-z0-9_-]+/) != nil, "URL-safe as given: \(cursor)")

            // A deployment accepted after the first page does not shift the later pages.
            let newer = try await Self.deploy(client, engine)
            try await Self.waitUntilFinished(client, [newer])

            let second = try await Self.list(client, "limit=2&cursor=\(cursor)")
            #expect(Self.ids(second.items) == [started[2], started[1]])
            let third = try await Self.list(client, "limit=2&cursor=\(try #require(second.next))")
            #expect(Self.ids(third.items) == [started[0]])
            #expect(third.next == nil)

            // Filters and cursors together: repo=app one at a time.
            var seen: [String] = []
            var next: String? = nil
            repeat {
                let page = try await Self.list(client, "repo=app&limit=1" + (next.map { "&cursor=\($0)" } ?? ""))
                #expect(page.items.count <= 1)
                seen += Self.ids(page.items)
                next = page.next
            } while next != nil && seen.count < 10
            #expect(seen == [newer, started[4], started[2], started[0]])
            #expect(try await Self.list(client, "limit=100").items.count == 6)
        }
    }

    @Test func queuedAndRunningDeploymentsShowWhereTheyAre() async throws {
        var configuration = PandaConfiguration()
        configuration.deployments.maxConcurrent = 1
        let engine = await Self.engine(configuration) { [ProcessStage(1, "sleep", ["30"])] }
        try await withPandaServer(configure: { $0.deployments.maxConcurrent = 1 },
                                  services: { _ in engine.services }) { (client: APITestClient) async throws in
            let running = try await Self.deploy(client, engine)
            let queued = try await Self.deploy(client, engine, repo: "other")
            try await Task.sleep(for: .milliseconds(300))

            let inProgress = try await Self.list(client, "status=IN_PROGRESS")
            #expect(Self.ids(inProgress.items) == [running])
            #expect(inProgress.items.first?["currentStage"] as? Int == 1)
            #expect(inProgress.items.first?["startedAt"] is String)
            #expect(inProgress.items.first?["completedAt"] is NSNull)

            let waiting = try await Self.list(client, "status=QUEUED")
            #expect(Self.ids(waiting.items) == [queued])
            for field in ["startedAt", "completedAt", "currentStage", "errorCode"] {
                #expect(waiting.items.first?[field] is NSNull, "\(field) of a queued deployment")
            }

            for id in [queued, running] { _ = try await client.send("POST", "/api/v1/deploy/\(id)/cancel") }
            try await Self.waitUntilFinished(client, [running, queued])
            let cancelled = try await Self.list(client, "status=FAILED")
            #expect(Set(Self.ids(cancelled.items)) == [running, queued])
            #expect(cancelled.items.allSatisfy { $0["errorCode"] as? String == "DEPLOYMENT_CANCELLED" })
        }
    }

    @Test(arguments: [
        ("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"), ("limit=-1", "limit"), ("limit=2.5", "limit"),
        ("status=DONE", "status"), ("status=completed", "status"),
        ("cursor=not-a-cursor", "cursor"), ("cursor=aGVsbG8", "cursor"), ("cursor=%00", "cursor"),
        ("owner=" + String(repeating: "o", count: 300), "owner"), ("repo=" + String(repeating: "r", count: 300), "repo"),
    ])
    func badQueryValuesAreRefusedNamingTheParameter(query: String, parameter: String) async throws {
        let engine = await Self.engine()
        try await withPandaServer(services: { _ in engine.services }) { (client: APITestClient) async throws in
            let reply = try await client.send("GET", "/api/v1/deployments?\(query)")
            expectErrorBody(reply, status: 400, error: "Bad Request")
            let message = reply.json["message"] as? String ?? ""
            #expect(message.hasPrefix("Invalid query parameter '\(parameter)': "), "\(query): \(message)")
        }
    }

    @Test func theListNeedsTheAPIKeyWhenKeysAreSet() async throws {
        let engine = await Self.engine()
        try await withPandaServer(configure: { $0.auth.apiKeys = ["list-key"] },
                                  services: { _ in engine.services }) { (client: APITestClient) async throws in
            #expect(try await client.send("GET", "/api/v1/deployments").status == 401)
            #expect(try await client.send("GET", "/api/v1/deployments?access_token=list-key").status == 401,
                    "the query token is only for event streams")
            let allowed = try await client.send("GET", "/api/v1/deployments", headers: ["Authorization": "Bearer list-key"])
            #expect(allowed.status == 200)
        }
    }
}

@Suite struct DeploymentCursorTests {
    @Test func tokensRoundTripAndOrderNewestFirst() throws {
        let date = Date(timeIntervalSince1970: 1_795_769_740.123456)
        let cursor = DeploymentCursor(acceptedAt: date, id: "dep_abcdefghij")
        let decoded = try #require(DeploymentCursor(token: cursor.token))
        #expect(decoded == cursor)
        #expect(cursor.token.wholeMatch(of: /[A-Za-z0-9_-]+/) != nil)
        #expect(DeploymentCursor(acceptedAt: date, id: "dep_a") < DeploymentCursor(acceptedAt: date, id: "dep_b"))
        #expect(DeploymentCursor(acceptedAt: date, id: "dep_z") < DeploymentCursor(acceptedAt: date.addingTimeInterval(0.001), id: "dep_a"))
        for garbage in ["", "!!!", "aGVsbG8", "LTEvZGVw", "MTIzLw", String(repeating: "A", count: 200)] {
            #expect(DeploymentCursor(token: garbage) == nil, "\(garbage)")
        }
    }
}
