import Foundation
import Testing
import Panda
@testable import PandaAPI

@Suite struct ContractErrorTests {
    @Test func missingFieldIsNamed() async throws {
        try await withPandaServer { (client: APITestClient) async throws in
            let reply = try await client.postJSON("/api/v1/connect/github", #"{"owner":"o","repo":"r","branch":"main"}"#)
            expectErrorBody(reply, status: 400, error: "Bad Request", message: "Missing required field: token")
        }
    }

    @Test func mistypedFieldIsNamed() async throws {
        try await withPandaServer { (client: APITestClient) async throws in
            let reply = try await client.postJSON("/api/v1/connect/aws", #"{"region":42,"accessKeyId":"a","secretAccessKey":"s"}"#)
            expectErrorBody(reply, status: 400, error: "Bad Request", message: "Invalid field 'region': must be a string")
            let empty = try await client.postJSON("/api/v1/deploy", #"{"githubConnectionId":"","awsConnectionId":"a","owner":"o","repo":"r","branch":"b"}"#)
            expectErrorBody(empty, status: 400, error: "Bad Request", message: "Invalid field 'githubConnectionId': must not be empty")
        }
    }

    @Test func malformedJSONAndNonObjectBodies() async throws {
        try await withPandaServer { (client: APITestClient) async throws in
            expectErrorBody(try await client.postJSON("/api/v1/deploy", "{not json"), status: 400, error: "Bad Request",
                            message: "Malformed JSON in request body")
            expectErrorBody(try await client.postJSON("/api/v1/deploy", "[1,2]"), status: 400, error: "Bad Request",
                            message: "Request body must be a JSON object")
        }
    }

    @Test func nonJSONPostIs415() async throws {
        try await withPandaServer { (client: APITestClient) async throws in
            let reply = try await client.send("POST", "/api/v1/deploy", headers: ["Content-Type": "text/plain"], body: Data("owner=o".utf8))
            expectErrorBody(reply, status: 415, error: "Unsupported Media Type")
        }
    }

    @Test func unknownRouteIs404AndWrongMethodIs405() async throws {
        try await withPandaServer { (client: APITestClient) async throws in
            expectErrorBody(try await client.send("GET", "/api/v1/nothing"), status: 404, error: "Not Found")
            let reply = try await client.send("DELETE", "/api/v1/deploy")
            expectErrorBody(reply, status: 405, error: "Method Not Allowed")
            #expect(reply.headers["allow"] == "POST, OPTIONS")
        }
    }

    @Test func oversizedBodyIs413() async throws {
        try await withPandaServer { (client: APITestClient) async throws in
            let big = Data(("{\"owner\":\"" + String(repeating: "a", count: 1 << 20) + "\"}").utf8)
            let reply = try await client.send("POST", "/api/v1/deploy", headers: ["Content-Type": "application/json"], body: big)
            expectErrorBody(reply, status: 413, error: "Payload Too Large")
            #expect(try await client.send("GET", "/health").status == 200)
        }
    }

    @Test func featuresNotBuiltYetAnswer501NeverAFakeSuccess() {
        let response = ErrorResponses.response(for: NotImplemented("Something"), logger: .init(label: "test"))
        guard case .bytes(let bytes) = response.body else { Issue.record("expected bytes"); return }
        let body = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
        #expect(response.status == 501)
        #expect(body["error"] as? String == "Not Implemented")
        #expect(body["message"] as? String == "Something is not implemented yet")
    }

    @Test func unexpectedErrorsCarryOnlyTheirTypeName() {
        struct DiskOnFire: Error { let path = "/secret/internal/path" }
        let response = ErrorResponses.response(for: DiskOnFire(), logger: .init(label: "test"))
        guard case .bytes(let bytes) = response.body else { Issue.record("expected bytes"); return }
        let body = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
        #expect(response.status == 500)
        #expect(body["error"] as? String == "Internal Server Error")
        #expect(body["exceptionClass"] as? String == "DiskOnFire")
        #expect(body["errorCode"] as? String == "UNEXPECTED_ERROR")
        #expect(!String(decoding: bytes, as: UTF8.self).contains("/secret"))
    }

    @Test func queueFullCarriesRetryAfterAndErrorCode() {
        let error = DeploymentError("Deployment queue is full", errorCode: .deploymentQueueFull, retryAfterSeconds: 30)
        let response = ErrorResponses.response(for: error, logger: .init(label: "test"))
        guard case .bytes(let bytes) = response.body else { Issue.record("expected bytes"); return }
        let body = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
        #expect(response.status == 400)
        #expect(response.headers["Retry-After"] == "30")
        #expect(body["error"] as? String == "Deployment Error")
        #expect(body["errorCode"] as? String == "DEPLOYMENT_QUEUE_FULL")
    }
}
