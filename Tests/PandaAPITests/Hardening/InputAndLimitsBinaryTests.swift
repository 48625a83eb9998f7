import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PandaTestSupport
import Testing

/// Deploy input rules, the validation cap and the connection cap, through the real `panda` binary.
@Suite(.timeLimit(.minutes(3)))
struct InputAndLimitsBinaryTests {
    /// Branch names git refuses (`git check-ref-format --branch`), each with why.
    static let badBranches: [String] = [
        "bad\u{1}branch", "tab\tbranch", "new\nline", "del\u{7F}", "-x", "--upload-pack=evil", "a..b", "..",
        String(repeating: "a", count: 256), String(repeating: "é", count: 128), "a@{b", "@{-1}", "@", "a b", "a~1", "a^2",
        "a:b", "a?b", "a*b", "a[b", "a\\b", "/a", "a/", "a//b", "a.", ".hidden", "a/.b", "a.lock", "a/b.lock/c",
    ]

    static func client(_ port: UInt16) -> APITestClient {
        APITestClient(port: port, session: URLSession(configuration: .ephemeral))
    }

    static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func everyBadBranchIs400NamingBranchAtDeployAndAtConnect() async throws {
        // GitHub on a closed port: if a rule let something through, the answer would be a
        // `Deployment Error`, not `Bad Request`.
        try await PandaBinary.with(settings: ["github.apiBaseURL=http://127.0.0.1:9"]) { panda in
            let api = Self.client(panda.port)
            for branch in Self.badBranches {
                let deploy = try await api.postJSON("/api/v1/deploy", Self.json([
                    "githubConnectionId": "gh_aaaaaaaaaa", "awsConnectionId": "aws_aaaaaaaaaa",
                    "owner": "octo", "repo": "app", "branch": branch,
                ]))
                expectErrorBody(deploy, status: 400, error: "Bad Request")
                #expect((deploy.json["message"] as? String)?.contains("'branch'") == true, "\(branch.debugDescription): \(deploy.text)")
                let connect = try await api.postJSON("/api/v1/connect/github", Self.json([
                    "owner": "octo", "repo": "app", "branch": branch, "token": "ghp_abc",
                ]))
                expectErrorBody(connect, status: 400, error: "Bad Request")
                #expect((connect.json["message"] as? String)?.contains("'branch'") == true, "\(branch.debugDescription): \(connect.text)")
            }
            for (field, value) in [("owner", "-octo"), ("owner", "oc/to"), ("owner", String(repeating: "o", count: 40)),
                                   ("repo", "a/b"), ("repo", ".."), ("repo", "app\u{0}"), ("repo", String(repeating: "r", count: 101))] {
                var body: [String: Any] = [
                    "githubConnectionId": "gh_aaaaaaaaaa", "awsConnectionId": "aws_aaaaaaaaaa",
                    "owner": "octo", "repo": "app", "branch": "main",
                ]
                body[field] = value
                let reply = try await api.postJSON("/api/v1/deploy", Self.json(body))
                expectErrorBody(reply, status: 400, error: "Bad Request")
                #expect((reply.json["message"] as? String)?.contains("'\(field)'") == true, "\(field)=\(value.debugDescription): \(reply.text)")
            }
            // Well-formed names pass the rules and reach the connection lookup.
            let wellFormed = try await api.postJSON("/api/v1/deploy", Self.json([
                "githubConnectionId": "gh_aaaaaaaaaa", "awsConnectionId": "aws_aaaaaaaaaa",
                "owner": "octo", "repo": "app", "branch": "feature/x-1.2_b",
            ]))
            expectErrorBody(wellFormed, status: 400, error: "Deployment Error", message: "GitHub connection not found")
        }
    }

    @Test func aBranchOtherThanTheConnectionsIsVerifiedWithGitHubBeforeItIsQueued() async throws {
        let token = "ghp_hardening\(UUID().uuidString.prefix(8).lowercased())"
        let github = try GitHubAPIFixture(tokens: [token], repositories: [
            .init(owner: "octo", name: "app", branches: ["main": String(repeating: "a", count: 40), "feature/y": String(repeating: "b", count: 40)]),
        ])
        let moto = try await MotoServer.start()
        do {
            try await PandaBinary.with(settings: [
                "github.apiBaseURL=\(github.baseURL)", "github.gitBaseURL=http://127.0.0.1:9", "aws.endpointURL=\(moto.endpointURL)",
            ]) { panda in
                let api = Self.client(panda.port)
                let connected = try await api.postJSON("/api/v1/connect/github", Self.json([
                    "owner": "octo", "repo": "app", "branch": "main", "token": token,
                ]))
                let githubID = try #require((connected.json["data"] as? [String: Any])?["githubConnectionId"] as? String, "\(connected.text)")
                let aws = try await api.postJSON("/api/v1/connect/aws", Self.json([
                    "region": "us-east-1", "accessKeyId": "AKIAHARDENING0000001", "secretAccessKey": "hardening-secret",
                ]))
                let awsID = try #require((aws.json["data"] as? [String: Any])?["awsConnectionId"] as? String, "\(aws.text)")
                func deploy(_ branch: String) async throws -> APITestClient.Reply {
                    try await api.postJSON("/api/v1/deploy", Self.json([
                        "githubConnectionId": githubID, "awsConnectionId": awsID, "owner": "octo", "repo": "app", "branch": branch,
                    ]))
                }
                let missing = try await deploy("nope")
                expectErrorBody(missing, status: 400, error: "Deployment Error", message: "GitHub connection failed: Branch not found: nope")
                #expect(github.requests.contains { $0.path == "/repos/octo/app/branches/nope" })

                let existing = try await deploy("feature/y")
                #expect(existing.status == 200, "\(existing.text)")
                #expect(github.requests.contains { $0.path == "/repos/octo/app/branches/feature%2Fy" })
                // The connection's own branch was validated at connect: not asked again.
                let asked = github.requests.count
                #expect(try await deploy("main").status == 200)
                #expect(github.requests.count == asked)
            }
        } catch {
            await moto.stop()
            await github.stop()
            throw error
        }
        await moto.stop()
        await github.stop()
    }

    @Test func validationsPastTheCapAre429WithRetryAfterAndNever5xx() async throws {
        let blackhole = try BlackholeListener()
        try await PandaBinary.with(settings: [
            "connections.maxConcurrentValidations=2",
            "github.apiBaseURL=\(blackhole.url)", "github.timeoutSeconds=6",
            "aws.endpointURL=\(blackhole.url)", "aws.validationTimeoutSeconds=6",
        ]) { panda in
            let api = Self.client(panda.port)
            let github = Self.json(["owner": "octo", "repo": "app", "branch": "main", "token": "ghp_abc"])
            let aws = Self.json(["region": "us-east-1", "accessKeyId": "AKIAHARDENING0000001", "secretAccessKey": "hardening-secret"])
            let replies = try await withThrowingTaskGroup(of: APITestClient.Reply.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        index.isMultiple(of: 2)
                            ? try await api.postJSON("/api/v1/connect/github", github)
                            : try await api.postJSON("/api/v1/connect/aws", aws)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status < 500 }, "\(replies.map(\.status))")
            var refused: [APITestClient.Reply] = []
            var validated: [APITestClient.Reply] = []
            for reply in replies {
                if reply.status == 429 { refused.append(reply) } else if reply.status == 400 { validated.append(reply) }
            }
            #expect(validated.count == 2, "\(replies.map { "\($0.status) \($0.text)" })")
            #expect(refused.count == 6, "\(replies.map(\.status))")
            for reply in refused {
                expectErrorBody(reply, status: 429, error: "Too Many Requests")
                #expect(reply.headers["retry-after"].flatMap(Int.init).map { $0 > 0 } == true, "\(reply.headers)")
            }
            for reply in validated {
                #expect((reply.json["message"] as? String)?.hasSuffix("Connection timeout") == true, "\(reply.text)")
            }
            // The slots come back: the next validation runs (and times out) instead of being refused.
            let after = try await api.postJSON("/api/v1/connect/github", github)
            expectErrorBody(after, status: 400, error: "Deployment Error", message: "GitHub connection failed: Connection timeout")
        }
    }

    @Test func storedConnectionsAreCapped() async throws {
        let token = "ghp_capped\(UUID().uuidString.prefix(8).lowercased())"
        let github = try GitHubAPIFixture(tokens: [token], repositories: [
            .init(owner: "octo", name: "app", branches: ["main": String(repeating: "a", count: 40)]),
        ])
        do {
            try await PandaBinary.with(settings: ["connections.max=2", "github.apiBaseURL=\(github.baseURL)"]) { panda in
                let api = Self.client(panda.port)
                let body = Self.json(["owner": "octo", "repo": "app", "branch": "main", "token": token])
                var ids: [String] = []
                for _ in 0..<2 {
                    let reply = try await api.postJSON("/api/v1/connect/github", body)
                    ids.append(try #require((reply.json["data"] as? [String: Any])?["githubConnectionId"] as? String, "\(reply.text)"))
                }
                let asked = github.requests.count
                let full = try await api.postJSON("/api/v1/connect/github", body)
                expectErrorBody(full, status: 400, error: "Deployment Error")
                #expect((full.json["message"] as? String)?.hasPrefix("Connection limit reached: at most 2 connections") == true, "\(full.text)")
                #expect(github.requests.count == asked, "a refused connect still asked GitHub")

                #expect(try await api.send("DELETE", "/api/v1/connections/\(ids[0])").status == 200)
                #expect(try await api.postJSON("/api/v1/connect/github", body).status == 200)
            }
        } catch {
            await github.stop()
            throw error
        }
        await github.stop()
    }
}
