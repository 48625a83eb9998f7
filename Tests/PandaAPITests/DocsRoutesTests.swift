import Foundation
import Testing
@testable import PandaAPI

@Suite struct DocsRoutesTests {
    @Test func apiDocsIsAnOpenAPIDocument() async throws {
        try await withPandaServer { (client: APITestClient) async throws in
            let reply = try await client.send("GET", "/api-docs")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true)
            #expect((reply.json["openapi"] as? String)?.hasPrefix("3.") == true)
            // Served as-is: the checked-in file, byte for byte.
            #expect(reply.body == (try OpenAPIDocumentFile.bytes()))
        }
    }

    @Test func missingDocumentIsA404InTheErrorShape() async throws {
        try await withPandaServer(configure: { $0.docs.openAPIFile = "/nonexistent/openapi-\(UUID().uuidString).json" }) {
            (client: APITestClient) async throws in
            let reply = try await client.send("GET", "/api-docs")
            expectErrorBody(reply, status: 404, error: "Not Found")
            #expect((reply.json["message"] as? String)?.contains("docs.openAPIFile") == true)
        }
    }

    @Test func swaggerUIPageIsServedWithLocalAssets() async throws {
        try await withPandaServer { (client: APITestClient) async throws in
            let page = try await client.send("GET", "/swagger-ui.html")
            #expect(page.status == 200)
            #expect(page.text.contains("/api-docs"))
            #expect(try await client.send("GET", "/swagger-ui/..%2F..%2Fetc%2Fpasswd").status == 404)
        }
    }
}
