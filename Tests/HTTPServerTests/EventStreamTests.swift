import Foundation
import Testing
import PandaTestSupport
import HTTPServer

@Suite struct EventStreamTests {
    private static func routes(group: EventStreamGroup, lifetime: Duration? = nil) -> (inout Router) -> Void {
        { router in
            router.get("/events") { _ in
                let stream = EventStream(lifetime: lifetime)
                stream.sendComment("connected")
                stream.send(bytes: Array("retry: 5000\n\n".utf8))
                group.add(stream)
                return .now(.eventStream(stream))
            }
        }
    }

    @Test func framingHeadersAndLiveEvents() async throws {
        let group = EventStreamGroup()
        try await withTestServer(routes: Self.routes(group: group)) { server in
            let client = try RawHTTPClient(port: server.port)
            try await offloaded {
                try client.sendRequest("GET", "/events", headers: ["Accept": "text/event-stream"])
                let (status, headers) = try client.readHead()
                #expect(status == 200)
                #expect(headers["content-type"] == "text/event-stream")
                #expect(headers["cache-control"] == "no-cache")
                #expect(headers["x-accel-buffering"] == "no")
                var received = ""
                try client.readStream(until: "retry: 5000\n\n", collected: &received)
                #expect(received == ": connected\n\nretry: 5000\n\n")
            }
            #expect(await eventually { group.count == 1 })
            group.broadcast(ServerSentEvent(id: "e1", event: "stage", data: #"{"type":"stage"}"#))
            try await offloaded {
                var received = ""
                try client.readStream(until: "\n\n", collected: &received)
                #expect(received == "id: e1\nevent: stage\ndata: {\"type\":\"stage\"}\n\n")
            }
        }
    }

    @Test func idleStreamsGetKeepAliveComments() async throws {
        let group = EventStreamGroup()
        var configuration = ServerConfiguration(port: 0)
        configuration.keepAliveInterval = .milliseconds(500)
        try await withTestServer(configuration: configuration, routes: Self.routes(group: group)) { server in
            let port = server.port
            try await offloaded {
                let client = try RawHTTPClient(port: port)
                try client.sendRequest("GET", "/events")
                _ = try client.readHead()
                var received = ""
                try client.readStream(until: ": keep-alive\n\n", collected: &received)
                #expect(received.hasSuffix(": keep-alive\n\n"))
            }
        }
    }

    @Test func streamEndsCleanlyAtItsDeadline() async throws {
        let group = EventStreamGroup()
        try await withTestServer(routes: Self.routes(group: group, lifetime: .milliseconds(600))) { server in
            let port = server.port
            try await offloaded {
                let client = try RawHTTPClient(port: port)
                try client.sendRequest("GET", "/events")
                _ = try client.readHead()
                let started = ContinuousClock.now
                let everything = try client.readStreamToEnd()  // returns at the terminating chunk
                #expect(everything.hasPrefix(": connected"))
                #expect(ContinuousClock.now - started < .seconds(3))
            }
            #expect(await eventually { group.count == 0 })
        }
    }

    @Test func finishEndsTheStreamAfterPendingEvents() async throws {
        let group = EventStreamGroup()
        try await withTestServer(routes: Self.routes(group: group)) { server in
            let client = try RawHTTPClient(port: server.port)
            try await offloaded {
                try client.sendRequest("GET", "/events")
                _ = try client.readHead()
            }
            #expect(await eventually { group.count == 1 })
            group.broadcast(ServerSentEvent(event: "done", data: "{}"))
            group.finishAll()
            try await offloaded {
                let everything = try client.readStreamToEnd()
                #expect(everything.hasSuffix("event: done\ndata: {}\n\n"))
                // The connection stays usable after the stream ends.
                #expect(try client.request("GET", "/nope").status == 404)
            }
        }
    }

    @Test func disconnectedClientFreesItsStream() async throws {
        let group = EventStreamGroup()
        var configuration = ServerConfiguration(port: 0)
        configuration.keepAliveInterval = .milliseconds(200)
        try await withTestServer(configuration: configuration, routes: Self.routes(group: group)) { server in
            let port = server.port
            try await offloaded {
                let client = try RawHTTPClient(port: port)
                try client.sendRequest("GET", "/events")
                _ = try client.readHead()
                // Leaving scope closes the socket.
            }
            // Noticed on the next write (a keep-alive comment), then the stream is released.
            #expect(await eventually { group.count == 0 })
        }
    }

    @Test func twoThousandStreamsEachReceiveOneBroadcast() async throws {
        let group = EventStreamGroup()
        try await withTestServer(routes: Self.routes(group: group)) { server in
            let port = server.port
            let clients = try await offloaded {
                let clients = try (0..<2000).map { _ in try RawHTTPClient(port: port, receiveTimeout: .seconds(10)) }
                for client in clients { try client.sendRequest("GET", "/events") }
                for client in clients {
                    _ = try client.readHead()
                    var preamble = ""
                    try client.readStream(until: "retry: 5000\n\n", collected: &preamble)
                }
                return clients
            }
            #expect(await eventually { group.count == 2000 })
            group.broadcast(ServerSentEvent(id: "b1", event: "stage", data: "hello"))
            let delivered = try await offloaded {
                var delivered = 0
                for client in clients {
                    var received = ""
                    try client.readStream(until: "data: hello\n\n", collected: &received)
                    if received == "id: b1\nevent: stage\ndata: hello\n\n" { delivered += 1 }
                }
                return delivered
            }
            #expect(delivered == 2000)
        }
    }

    @Test func shutdownWithFiveHundredOpenStreamsEndsThemAndStops() async throws {
        let group = EventStreamGroup()
        var router = Router()
        Self.routes(group: group)(&router)
        let server = HTTPServer(configuration: ServerConfiguration(port: 0), router: router) { status, _ in .json(status, []) }
        try server.start()
        let port = server.port
        let clients = try await offloaded {
            let clients = try (0..<500).map { _ in try RawHTTPClient(port: port) }
            for client in clients { try client.sendRequest("GET", "/events") }
            for client in clients { _ = try client.readHead() }
            return clients
        }
        #expect(await eventually { group.count == 500 })

        let started = ContinuousClock.now
        await server.shutdown()
        #expect(ContinuousClock.now - started < .seconds(5))
        let ended = try await offloaded {
            clients.filter { (try? $0.readStreamToEnd()) != nil }.count
        }
        #expect(ended == 500)
    }
}
