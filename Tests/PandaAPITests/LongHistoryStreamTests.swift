import Foundation
import Testing
import Panda
import PandaTestSupport
@testable import PandaAPI

/// A history bigger than a stream's 4 MiB pending buffer is delivered whole: the stream
/// pulls it page by page from the store as the client reads.
@Suite struct LongHistoryStreamTests {
    /// Publishes `count` stage events of about 1 KiB each.
    struct FloodStage: Stage {
        let number = 1
        let name = "flood"
        let failureCode = ErrorCode.unexpectedError
        let count: Int

        func run(in context: DeploymentContext) async throws {
            let filler = String(repeating: "p", count: 1000)
            for index in 1...count {
                context.publish("[Stage 1] flood \(index)", details: ["filler": .string(filler)])
            }
        }
    }

    @Test func aHistoryOverTheStreamBufferArrivesWholeAndInOrder() async throws {
        let engine = await EngineServices(configuration: PandaConfiguration()) { [FloodStage(count: 6000)] }
        try await withPandaServer(services: { _ in engine.services }) { (client: APITestClient) async throws in
            let started = try await client.postJSON("/api/v1/deploy", engine.deployBody)
            let id = try #require((started.json["data"] as? [String: Any])?["deploymentId"] as? String)
            let deployment = try #require(await engine.services.deployments.deployment(id))
            while !deployment.status.isTerminal { try await Task.sleep(for: .milliseconds(50)) }
            let expected = deployment.log.events.map(\.id)
            #expect(expected.count == 6001)
            let port = client.port
            let text = try await offloaded { () throws -> String in
                let stream = try RawHTTPClient(port: port, receiveTimeout: .seconds(30))
                try stream.sendRequest("GET", "/api/v1/deploy/\(id)/events", headers: ["Accept": "text/event-stream"])
                #expect(try stream.readHead().0 == 200)
                return try stream.readStreamToEnd()
            }
            #expect(text.utf8.count > 6 * 1024 * 1024)
            let frames = DeploymentEventsTests.frames(text)
            #expect(frames.map(\.id) == expected)
            #expect(frames.last?.event == "done")
        }
    }
}

/// SIGTERM's first step, seen by a client: new deployments get 503 with `Retry-After`.
@Suite struct ShutdownAPITests {
    @Test func aDeployWhileShuttingDownIs503WithRetryAfter() async throws {
        let engine = await EngineServices(configuration: PandaConfiguration()) { [ProcessStage(1, "true", [])] }
        try await withPandaServer(services: { _ in engine.services }) { (client: APITestClient) async throws in
            await engine.services.deployments.shutDown(drain: .zero)
            let reply = try await client.postJSON("/api/v1/deploy", engine.deployBody)
            expectErrorBody(reply, status: 503, error: "Service Unavailable", message: "Panda is shutting down; try again shortly")
            #expect(reply.headers["retry-after"] == "10")
            // Reads go on as before.
            #expect(try await client.send("GET", "/api/v1/connections").status == 200)
        }
    }
}
