import Foundation
import Testing
import PandaTestSupport
import HTTPServer

@Suite struct RequestHandlingTests {
    private static func routes(_ router: inout Router) {
        router.get("/json") { _ in .now(json(#"{"ok":true}"#)) }
        router.post("/echo") { request in .now(.json(200, request.body)) }
        router.get("/later/{name}") { request in
            .later {
                try? await Task.sleep(for: .milliseconds(20))
                return json(#"{"name":"\#(request.pathParameter("name"))","q":"\#(request.query["q"] ?? "")"}"#)
            }
        }
    }

    @Test func twoRequestsShareOneKeptAliveConnection() async throws {
        try await withTestServer(routes: Self.routes) { server in
            let port = server.port
            try await offloaded {
            let client = try RawHTTPClient(port: port)
            let first = try client.request("GET", "/json")
            let second = try client.request("GET", "/later/x%20y?q=a+b")
            #expect(first.status == 200)
            #expect(first.headers["connection"]?.lowercased() != "close")
            #expect(second.status == 200)
            #expect(second.text == #"{"name":"x y","q":"a b"}"#)
            }
        }
    }

    @Test func bodyArrivingInPiecesIsAssembled() async throws {
        try await withTestServer(routes: Self.routes) { server in
            let port = server.port
            try await offloaded {
                let client = try RawHTTPClient(port: port)
                let body = String(repeating: "x", count: 40_000)
                try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
                for piece in Array(body.utf8).chunked(into: 7_000) {
                    try client.send(bytes: piece)
                    usleep(5_000)
                }
                let reply = try client.readReply()
                #expect(reply.status == 200)
                #expect(reply.body.count == 40_000)
            }
        }
    }

    @Test func oversizedBodyIsRejectedWith413AndServerStaysHealthy() async throws {
        try await withTestServer(routes: Self.routes) { server in
            let port = server.port
            try await offloaded {
                let client = try RawHTTPClient(port: port)
                try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(1 << 20)\r\n\r\n")
                // Rejected from the headers alone: the body is never needed.
                let reply = try client.readReply()
                #expect(reply.status == 413)
                #expect(reply.text.contains("65536"))

                let fresh = try RawHTTPClient(port: port)
                #expect(try fresh.request("GET", "/json").status == 200)
            }
        }
    }

    @Test func chunkedBodyOverTheLimitIs413() async throws {
        try await withTestServer(routes: Self.routes) { server in
            let port = server.port
            try await offloaded {
                let client = try RawHTTPClient(port: port)
                try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                let chunk = [UInt8](repeating: 65, count: 32 * 1024)
                for _ in 0..<3 {
                    try client.send(bytes: Array("8000\r\n".utf8) + chunk + Array("\r\n".utf8))
                }
                try client.send("0\r\n\r\n")
                #expect(try client.readReply().status == 413)
                #expect(try client.request("GET", "/json").status == 200)
            }
        }
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllow() async throws {
        try await withTestServer(routes: Self.routes) { server in
            let port = server.port
            try await offloaded {
                let client = try RawHTTPClient(port: port)
                #expect(try client.request("GET", "/nope").status == 404)
                let wrongMethod = try client.request("DELETE", "/json")
                #expect(wrongMethod.status == 405)
                #expect(wrongMethod.headers["allow"] == "GET, HEAD, OPTIONS")
            }
        }
    }

    @Test func corsPreflightAndHeadersForConfiguredOrigins() async throws {
        var configuration = ServerConfiguration(port: 0)
        configuration.cors = CORSPolicy(allowedOrigins: ["https://dash.example"])
        try await withTestServer(configuration: configuration, routes: Self.routes) { server in
            let port = server.port
            try await offloaded {
            let client = try RawHTTPClient(port: port)
            let preflight = try client.request("OPTIONS", "/echo", headers: [
                "Origin": "https://dash.example", "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            ])
            #expect(preflight.status == 204)
            #expect(preflight.headers["access-control-allow-origin"] == "https://dash.example")
            #expect(preflight.headers["access-control-allow-methods"]?.contains("POST") == true)
            #expect(preflight.headers["access-control-allow-headers"]?.contains("Content-Type") == true)

            let simple = try client.request("GET", "/json", headers: ["Origin": "https://dash.example"])
            #expect(simple.headers["access-control-allow-origin"] == "https://dash.example")
            #expect(simple.headers["vary"] == "Origin")

            let stranger = try client.request("GET", "/json", headers: ["Origin": "https://evil.example"])
            #expect(stranger.headers["access-control-allow-origin"] == nil)
            }
        }
    }

    /// libmicrohttpd 0.9.75's internal epoll thread stalls when one wait returns exactly
    /// 128 events. Requests that all arrive while the server thread is busy must all be answered.
    @Test(arguments: [128, 129, 1000])
    func requestsArrivingWhileBusyAreAllAnswered(connections: Int) async throws {
        try await withTestServer(routes: { router in
            Self.routes(&router)
            // Blocks the server thread on purpose, so the next requests pile up in one epoll batch.
            router.get("/busy") { _ in
                usleep(300_000)
                return .now(json("{}"))
            }
        }) { server in
            let port = server.port
            try await offloaded {
                let clients = try (0...connections).map { _ in try RawHTTPClient(port: port, receiveTimeout: .seconds(3)) }
                for client in clients { #expect(try client.request("GET", "/json").status == 200) }

                try clients[0].sendRequest("GET", "/busy")
                usleep(50_000)
                for client in clients.dropFirst() { try client.sendRequest("GET", "/json") }

                var answered = 0
                for client in clients.dropFirst() where (try? client.readReply().status) == 200 { answered += 1 }
                #expect(answered == connections)
                #expect(try clients[0].readReply().status == 200)
            }
        }
    }
}

extension Array {
    func chunked(into size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
