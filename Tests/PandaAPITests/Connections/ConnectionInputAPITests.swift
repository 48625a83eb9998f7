import Foundation
import Testing
import Panda
import PandaTestSupport
@testable import PandaAPI

/// Bad input is refused with 400 `Bad Request` naming the field, before any network call or process.
@Suite struct ConnectionInputAPITests {
    static let longString = String(repeating: "a", count: 10 * 1024)

    nonisolated(unsafe) static let github: [(field: String, value: Any)] = [
        ("owner", ""), ("owner", "-octo"), ("owner", "octo-"), ("owner", "oc--to"), ("owner", "octo;id"), ("owner", "$(id)"),
        ("owner", "../etc"), ("owner", "octo\n"), ("owner", longString), ("owner", 42), ("owner", true), ("owner", ["a"]),
        ("owner", ["k": "v"]),
        ("repo", "."), ("repo", ".."), ("repo", "a/b"), ("repo", "r`id`"), ("repo", "r|x"), ("repo", "r\nx"), ("repo", longString),
        ("repo", 1.5), ("repo", false),
        ("branch", ".."), ("branch", "a..b"), ("branch", "-rf"), ("branch", "--upload-pack=x"), ("branch", "a b"),
        ("branch", "main\n"), ("branch", "a;rm -rf /"), ("branch", "@"), ("branch", "x.lock"), ("branch", "/x"), ("branch", "a//b"),
        ("branch", "a@{0}"), ("branch", longString), ("branch", 7), ("branch", NSNull()),
        ("token", ""), ("token", "ghp x"), ("token", "ghp\nx"), ("token", "ghp\u{0}x"), ("token", longString), ("token", 123),
    ]

    nonisolated(unsafe) static let aws: [(field: String, value: Any)] = [
        ("region", ""), ("region", "us-east"), ("region", "US-EAST-1"), ("region", "us-east-1;id"), ("region", "$(id)"),
        ("region", "../us-east-1"), ("region", "-us-east-1"), ("region", "us-east-1\n"), ("region", longString), ("region", 1),
        ("accessKeyId", ""), ("accessKeyId", "AKIA X"), ("accessKeyId", "AKIA\n"), ("accessKeyId", longString), ("accessKeyId", ["x"]),
        ("secretAccessKey", ""), ("secretAccessKey", "s s"), ("secretAccessKey", "s\t"), ("secretAccessKey", longString),
        ("secretAccessKey", NSNull()), ("secretAccessKey", 0),
        ("sessionToken", "tok en"), ("sessionToken", "tok\n"), ("sessionToken", 5), ("sessionToken", String(repeating: "t", count: 9000)),
    ]

    static func json(_ base: [String: Any], _ field: String, _ value: Any) -> String {
        var object = base
        object[field] = value
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func everyBadFieldIsNamedAndNothingIsCalled() async throws {
        let token = "ghp_inputtest0000000000000000000000000001"
        let (logger, logs) = LogCapture.logger()
        try await GitHubAPIFixture.with(tokens: [token], repositories: GitHubConnectionAPITests.repositories) { fixture in
            try await withPandaServer(configure: {
                $0.github.apiBaseURL = fixture.baseURL
                $0.aws.endpointURL = "http://127.0.0.1:1"
            }, logger: logger) { client in
                let githubBase: [String: Any] = ["owner": "octocat", "repo": "hello-world", "branch": "main", "token": token]
                for (field, value) in Self.github {
                    let reply = try await client.postJSON("/api/v1/connect/github", Self.json(githubBase, field, value))
                    expectErrorBody(reply, status: 400, error: "Bad Request")
                    let message = reply.json["message"] as? String ?? ""
                    #expect(message.contains("'\(field)'") || message.hasSuffix(": \(field)"), "\(field)=\(value): \(message)")
                    #expect(message.utf8.count < 200)
                }
                let awsBase: [String: Any] = ["region": "us-east-1", "accessKeyId": "AKIAINPUT", "secretAccessKey": "secret"]
                for (field, value) in Self.aws {
                    let reply = try await client.postJSON("/api/v1/connect/aws", Self.json(awsBase, field, value))
                    expectErrorBody(reply, status: 400, error: "Bad Request")
                    let message = reply.json["message"] as? String ?? ""
                    #expect(message.contains("'\(field)'") || message.hasSuffix(": \(field)"), "\(field)=\(value): \(message)")
                }
                #expect(fixture.requests.isEmpty, "GitHub was called for invalid input")
                #expect(!logs.all.contains("running process"), "aws ran for invalid input")
            }
        }
    }
}
