import Foundation
import Testing
import Panda
import PandaTestSupport
@testable import PandaAPI

/// GET /api/v1/connections and DELETE /api/v1/connections/{id} (beyond the original).
@Suite struct ConnectionListAPITests {
    @Test func listsWithoutSecretsAndForgets() async throws {
        let token = "ghp_listtoken000000000000000000000000001"
        try await GitHubAPIFixture.with(tokens: [token], repositories: GitHubConnectionAPITests.repositories) { fixture in
            try await withPandaServer(configure: { $0.github.apiBaseURL = fixture.baseURL }) { client in
                let empty = try await client.send("GET", "/api/v1/connections")
                #expect(empty.status == 200)
                #expect(empty.text == #"{"code":200,"message":"Connections listed","data":[]}"#)

                let before = Date()
                let created = try await client.postJSON("/api/v1/connect/github",
                                                        GitHubConnectionAPITests.body(branch: "feature/login", token: token))
                let id = try #require((created.json["data"] as? [String: Any])?["githubConnectionId"] as? String)

                let list = try await client.send("GET", "/api/v1/connections")
                #expect(list.json["message"] as? String == "Connections listed")
                let entries = try #require(list.json["data"] as? [[String: Any]])
                #expect(entries.count == 1)
                let entry = try #require(entries.first)
                #expect(Set(entry.keys) == ["id", "kind", "owner", "repo", "branch", "createdAt"])
                #expect(entry["id"] as? String == id)
                #expect(entry["kind"] as? String == "github")
                #expect(entry["owner"] as? String == "octocat")
                #expect(entry["repo"] as? String == "hello-world")
                #expect(entry["branch"] as? String == "feature/login")
                let createdAt = try #require(entry["createdAt"] as? String)
                #expect(createdAt.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/) != nil)
                #expect(createdAt >= UTCTimestamp.string(from: before))
                #expect(!list.text.contains(token))

                let deleted = try await client.send("DELETE", "/api/v1/connections/\(id)")
                #expect(deleted.status == 200)
                #expect(deleted.text == #"{"code":200,"message":"Connection deleted","data":{"connectionId":"\#(id)"}}"#)
                #expect((try await client.send("GET", "/api/v1/connections").json["data"] as? [Any])?.isEmpty == true)

                expectErrorBody(try await client.send("DELETE", "/api/v1/connections/\(id)"), status: 400, error: "Deployment Error",
                                message: "Connection not found: \(id)")
                expectErrorBody(try await client.send("DELETE", "/api/v1/connections/aws_zzzzzzzzzz"), status: 400,
                                error: "Deployment Error", message: "Connection not found: aws_zzzzzzzzzz")
            }
        }
    }

    @Test func environmentErrorsAnswer500WithTheirMessage() {
        let response = ErrorResponses.response(for: EnvironmentError("aws CLI not found in PATH"), logger: .init(label: "test"))
        guard case .bytes(let bytes) = response.body else { Issue.record("expected bytes"); return }
        let body = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
        #expect(response.status == 500)
        #expect(body["error"] as? String == "Internal Server Error")
        #expect(body["message"] as? String == "aws CLI not found in PATH")
        #expect(body["exceptionClass"] as? String == "EnvironmentError")
        #expect(body["errorCode"] as? String == "UNEXPECTED_ERROR")
    }
}
