import Foundation
import Testing
import HTTPServer
@testable import PandaAPI

@Suite struct AuthAndCORSTests {
    private let body = #"{"owner":"o","repo":"r","branch":"main","token":"t"}"#

    @Test func apiKeysGuardEveryV1Call() async throws {
        try await withPandaServer(configure: { $0.auth.apiKeys = ["k-123", "k-456"] }) { (client: APITestClient) async throws in
            expectErrorBody(try await client.postJSON("/api/v1/connect/github", body), status: 401, error: "Unauthorized")
            expectErrorBody(try await client.postJSON("/api/v1/connect/github", body, headers: ["Authorization": "Bearer k-12"]),
                            status: 401, error: "Unauthorized")
            expectErrorBody(try await client.send("GET", "/api/v1/deploy/dep_x/result", headers: ["Authorization": "Basic k-123"]),
                            status: 401, error: "Unauthorized")
            // The right key gets through to the route (which then checks the body: no network call).
            let admitted = try await client.postJSON("/api/v1/connect/github", #"{"owner":"o","repo":"r","branch":"..","token":"t"}"#,
                                                     headers: ["Authorization": "Bearer k-456"])
            expectErrorBody(admitted, status: 400, error: "Bad Request")
            // Documentation and health stay open.
            #expect(try await client.send("GET", "/api-docs").status == 200)
            #expect(try await client.send("GET", "/health").status == 200)
        }
    }

    @Test func eventStreamAcceptsAQueryTokenOthersDoNot() async throws {
        try await withPandaServer(configure: { $0.auth.apiKeys = ["k-123"] }) { (client: APITestClient) async throws in
            #expect(try await client.send("GET", "/api/v1/deploy/dep_x/events?access_token=k-123").status != 401)
            #expect(try await client.send("GET", "/api/v1/deploy/dep_x/events?access_token=nope").status == 401)
            #expect(try await client.send("GET", "/api/v1/deploy/dep_x/result?access_token=k-123").status == 401)
        }
    }

    @Test func preflightForConfiguredOriginNeedsNoKey() async throws {
        try await withPandaServer(configure: {
            $0.auth.apiKeys = ["k-123"]
            $0.cors.allowedOrigins = ["https://dash.example"]
        }) { (client: APITestClient) async throws in
            let reply = try await client.send("OPTIONS", "/api/v1/deploy", headers: [
                "Origin": "https://dash.example", "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            ])
            #expect(reply.status == 204)
            #expect(reply.headers["access-control-allow-origin"] == "https://dash.example")
            #expect(reply.headers["access-control-allow-headers"]?.contains("Authorization") == true)
            let unauthorized = try await client.postJSON("/api/v1/deploy", "{}", headers: ["Origin": "https://dash.example"])
            // Even a refusal is readable by the dashboard.
            #expect(unauthorized.headers["access-control-allow-origin"] == "https://dash.example")
        }
    }

    @Test func keyComparisonIsExact() {
        let guardian = APIKeyGuard(keys: ["secret-key"])
        func request(_ header: String) -> Request { .init(method: "GET", path: "/", headers: ["Authorization": header]) }
        #expect(guardian.admits(request("Bearer secret-key")))
        #expect(guardian.admits(request("bearer secret-key")))
        #expect(!guardian.admits(request("Bearer secret-ke")))
        #expect(!guardian.admits(request("Bearer secret-key2")))
        #expect(!guardian.admits(request("Bearer ")))
    }
}
