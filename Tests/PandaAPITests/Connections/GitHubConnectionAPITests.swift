import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import Panda
import PandaTestSupport
@testable import PandaAPI

/// POST /api/v1/connect/github against a fixture that answers like GitHub.
@Suite struct GitHubConnectionAPITests {
    static let token = "ghp_valid0000000000000000000000000000001"
    static let otherToken = "ghp_other0000000000000000000000000000002"
    static let limitedToken = "ghp_limit0000000000000000000000000000003"
    static let repositories = [
        GitHubAPIFixture.Repository(owner: "octocat", name: "hello-world",
                                    branches: ["main": "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d", "feature/login": "aaaabbbbccccddddeeeeffff0000111122223333"]),
        GitHubAPIFixture.Repository(owner: "acme", name: "private-app", defaultBranch: "trunk",
                                    branches: ["trunk": "1111111111111111111111111111111111111111"], visibleTo: [otherToken]),
    ]

    static func body(owner: String = "octocat", repo: String = "hello-world", branch: String = "main", token: String = token) -> String {
        let object = ["owner": owner, "repo": repo, "branch": branch, "token": token]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    func withFixture(_ body: @escaping (GitHubAPIFixture, APITestClient) async throws -> Void) async throws {
        try await GitHubAPIFixture.with(tokens: [Self.token, Self.otherToken], rateLimitedTokens: [Self.limitedToken],
                                        repositories: Self.repositories) { fixture in
            try await withPandaServer(configure: { $0.github.apiBaseURL = fixture.baseURL + "/" }) { client in
                try await body(fixture, client)
            }
        }
    }

    @Test func successAnswersTheContractEnvelopeAndSendsGitHubsHeaders() async throws {
        try await withFixture { fixture, client in
            let reply = try await client.postJSON("/api/v1/connect/github", Self.body())
            #expect(reply.status == 200)
            #expect(reply.json["code"] as? Int == 200)
            #expect(reply.json["message"] as? String == "GitHub 연결에 성공했습니다.")
            let data = try #require(reply.json["data"] as? [String: Any])
            #expect(data.count == 1)
            let id = try #require(data["githubConnectionId"] as? String)
            #expect(id.wholeMatch(of: /gh_[a-z0-9]{10}/) != nil)
            #expect(reply.text.hasPrefix(#"{"code":200,"message":"GitHub 연결에 성공했습니다.","data":{"githubConnectionId":"gh_"#))

            let requests = fixture.requests
            #expect(requests.map(\.path) == ["/repos/octocat/hello-world", "/repos/octocat/hello-world/branches/main"])
            for request in requests {
                #expect(request.headers["accept"] == "application/vnd.github+json")
                #expect(request.headers["x-github-api-version"] == "2022-11-28")
                #expect(request.headers["user-agent"] == "panda")
                #expect(request.headers["authorization"] == "Bearer \(Self.token)")
            }
        }
    }

    @Test func branchWithASlashIsEncodedAsOneSegment() async throws {
        try await withFixture { fixture, client in
            let reply = try await client.postJSON("/api/v1/connect/github", Self.body(branch: "feature/login"))
            #expect(reply.status == 200)
            #expect(fixture.requests.last?.path == "/repos/octocat/hello-world/branches/feature%2Flogin")
        }
    }

    @Test func everyFailureHasTheContractsExactMessage() async throws {
        try await withFixture { _, client in
            let cases: [(String, String)] = [
                (Self.body(token: "ghp_wrong"), "GitHub connection failed: Bad credentials"),
                (Self.body(owner: "octocat", repo: "nothing-here"), "GitHub connection failed: Repository not found: octocat/nothing-here"),
                // A private repository the token may not see is a 404 on GitHub too.
                (Self.body(owner: "acme", repo: "private-app", branch: "trunk"), "GitHub connection failed: Repository not found: acme/private-app"),
                (Self.body(branch: "no-such-branch"), "GitHub connection failed: Branch not found: no-such-branch"),
                (Self.body(branch: "feature/nope"), "GitHub connection failed: Branch not found: feature/nope"),
                (Self.body(token: Self.limitedToken),
                 "GitHub connection failed: API rate limit exceeded (resets at 2024-01-01T12:00:00 UTC)"),
            ]
            for (body, message) in cases {
                expectErrorBody(try await client.postJSON("/api/v1/connect/github", body), status: 400, error: "Deployment Error", message: message)
            }
            // The token that may see the private repository gets it.
            let visible = try await client.postJSON("/api/v1/connect/github",
                                                    Self.body(owner: "acme", repo: "private-app", branch: "trunk", token: Self.otherToken))
            #expect(visible.status == 200)
            // Nothing failed was registered.
            let list = try await client.send("GET", "/api/v1/connections")
            #expect((list.json["data"] as? [Any])?.count == 1)
        }
    }

    @Test func fixtureAcceptsBothAuthorizationSchemes() async throws {
        try await GitHubAPIFixture.with(tokens: [Self.token], repositories: Self.repositories) { fixture in
            for scheme in ["Bearer", "token"] {
                var request = URLRequest(url: URL(string: fixture.baseURL + "/repos/octocat/hello-world")!)
                request.setValue("\(scheme) \(Self.token)", forHTTPHeaderField: "Authorization")
                let (_, response) = try await URLSession.shared.data(for: request)
                #expect((response as? HTTPURLResponse)?.statusCode == 200)
            }
        }
    }

    @Test func unansweredOrRefusedConnectionsAreAConnectionTimeout() async throws {
        let blackhole = try BlackholeListener()
        let closedPort = try FreePort.next()
        for base in [blackhole.url, "http://127.0.0.1:\(closedPort)"] {
            let started = ContinuousClock.now
            try await withPandaServer(configure: {
                $0.github.apiBaseURL = base
                $0.github.timeoutSeconds = 1
            }) { client in
                expectErrorBody(try await client.postJSON("/api/v1/connect/github", Self.body()), status: 400, error: "Deployment Error",
                                message: "GitHub connection failed: Connection timeout")
            }
            #expect(ContinuousClock.now - started < .seconds(30), "\(base)")  // answered, not hung
        }
    }
}
