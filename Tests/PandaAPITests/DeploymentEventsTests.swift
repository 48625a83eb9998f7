import Foundation
import Testing
import Panda
import PandaTestSupport
@testable import PandaAPI

/// The SSE endpoint, read with a plain socket client exactly as the bytes arrive.
@Suite struct DeploymentEventsTests {
    struct Frame: Equatable, Sendable {
        var id = ""
        var event = ""
        var data = ""
    }

    /// Splits stream text into frames, skipping comments and the `retry` field.
    static func frames(_ text: String) -> [Frame] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var frame = Frame()
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { frame.id = String(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { frame.event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { frame.data = String(line.dropFirst(6)) }
            }
            return frame.id.isEmpty ? nil : frame
        }
    }

    private func startDeployment(_ client: APITestClient, _ engine: EngineServices) async throws -> String {
        let started = try await client.postJSON("/api/v1/deploy", engine.deployBody)
        return try #require((started.json["data"] as? [String: Any])?["deploymentId"] as? String)
    }

    private static func openStream(_ port: UInt16, _ id: String, lastEventID: String? = nil) throws -> RawHTTPClient {
        let stream = try RawHTTPClient(port: port, receiveTimeout: .seconds(15))
        var headers = ["Accept": "text/event-stream"]
        if let lastEventID { headers["Last-Event-ID"] = lastEventID }
        try stream.sendRequest("GET", "/api/v1/deploy/\(id)/events", headers: headers)
        return stream
    }

    @Test func lateSubscriberGetsTheWholeHistoryAndTheStreamEndsAfterTheTerminalEvent() async throws {
        let engine = await EngineServices(configuration: PandaConfiguration()) { [ProcessStage(1, "true", []), ProcessStage(2, "true", [])] }
        try await withPandaServer(services: { _ in engine.services }) { (client: APITestClient) async throws in
            let id = try await startDeployment(client, engine)
            let deployment = try #require(await engine.services.deployments.deployment(id))
            while !deployment.status.isTerminal { try await Task.sleep(for: .milliseconds(50)) }
            let log = deployment.log.events
            let port = client.port
            try await offloaded {
            let stream = try Self.openStream(port, id)
            let (status, headers) = try stream.readHead()
            #expect(status == 200)
            #expect(headers["content-type"] == "text/event-stream")
            #expect(headers["cache-control"] == "no-cache")
            #expect(headers["connection"]?.lowercased() == "keep-alive")
            #expect(headers["x-accel-buffering"] == "no")

            var text = ""
            try stream.readStream(until: "event: done", collected: &text)
            #expect(text.hasPrefix(": deployment \(id)\n\nretry: 5000\n\n"))
            let received = Self.frames(text)
            #expect(received == log.map { Frame(id: $0.id, event: $0.kind.rawValue, data: $0.data) })
            #expect(received.last?.data == #"{"type":"done","message":"Deployment completed successfully"}"#)

            // The server closes the stream about 5 s after the terminal event.
            let terminalSeen = ContinuousClock.now
            _ = try stream.readStreamToEnd()
            let closedAfter = ContinuousClock.now - terminalSeen
            #expect(closedAfter > .seconds(3) && closedAfter < .seconds(8), "closed after \(closedAfter)")

            // A reconnect with the terminal id is told there is nothing more.
            let reconnect = try RawHTTPClient(port: port)
            let reply = try reconnect.request("GET", "/api/v1/deploy/\(id)/events", headers: ["Last-Event-ID": log.last!.id])
            #expect(reply.status == 204)
            }
        }
    }

    @Test func resumingWithLastEventIDLosesAndDuplicatesNothing() async throws {
        let engine = await EngineServices(configuration: PandaConfiguration()) {
            (1...5).map { ProcessStage($0, "sleep", ["0.3"]) }
        }
        try await withPandaServer(configure: { $0.events.closeAfterTerminalSeconds = 0 }, services: { _ in engine.services }) { (client: APITestClient) async throws in
            let id = try await startDeployment(client, engine)
            let port = client.port
            let seen = try await offloaded {
                var first: RawHTTPClient? = try Self.openStream(port, id)
                _ = try first?.readHead()
                var text = ""
                try first?.readStream(until: "[Stage 2] running", collected: &text)
                var seen = Self.frames(text)
                first = nil  // forced disconnect mid-deployment

                let second = try Self.openStream(port, id, lastEventID: seen.last!.id)
                _ = try second.readHead()
                seen += Self.frames(try second.readStreamToEnd())
                return seen
            }

            let log = try #require(await engine.services.deployments.deployment(id)).log.events
            #expect(seen.map(\.id) == log.map(\.id))
            #expect(seen.last?.event == "done")
        }
    }

    @Test func aThousandSubscribersReceiveIdenticalSequences() async throws {
        let engine = await EngineServices(configuration: PandaConfiguration()) {
            (1...3).map { ProcessStage($0, "sleep", ["0.5"]) }
        }
        // All thousand come from 127.0.0.1: lift the per-client connection cap for this test.
        try await withPandaServer(configure: {
            $0.events.closeAfterTerminalSeconds = 0
            $0.server.perClientConnectionLimit = 0
        }, services: { _ in engine.services }) { (client: APITestClient) async throws in
            let id = try await startDeployment(client, engine)
            let port = client.port
            let sequences = try await offloaded {
                let streams = try (0..<1000).map { _ in try Self.openStream(port, id) }
                var sequences: [[Frame]] = []
                for stream in streams {
                    _ = try stream.readHead()
                    sequences.append(Self.frames(try stream.readStreamToEnd()))
                }
                return sequences
            }
            let log = try #require(await engine.services.deployments.deployment(id)).log.events
            let expected = log.map { Frame(id: $0.id, event: $0.kind.rawValue, data: $0.data) }
            #expect(expected.count == 7)
            #expect(sequences.allSatisfy { $0 == expected })
        }
    }
}
