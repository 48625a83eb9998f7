import Foundation
import HTTPServer
import PandaTestSupport
import Synchronization
import Testing

/// The server reports each answered request by route template, whatever the path.
@Suite struct RequestObserverTests {
    @Test func everyAnsweredRequestIsReportedWithItsRouteTemplate() async throws {
        let seen = Mutex<[CompletedRequest]>([])
        var router = Router()
        router.get("/items/{id}") { request in .now(.json(200, Array(#"{"id":"\#(request.pathParameter("id"))"}"#.utf8))) }
        router.post("/items/{id}/slow") { _ in
            .later {
                try? await Task.sleep(for: .milliseconds(50))
                return .json(201, Array("{}".utf8))
            }
        }
        let server = HTTPServer(
            configuration: ServerConfiguration(port: 0, maxBodyBytes: 16), router: router,
            errorResponder: { status, _ in .json(status, Array("{}".utf8)) },
            requestObserver: { request in seen.withLock { $0.append(request) } })
        try server.start()
        let port = server.port
        try await offloaded {
            let client = try RawHTTPClient(port: port)
            #expect(try client.request("GET", "/items/a%2Fb").status == 200)
            #expect(try client.request("POST", "/items/7/slow").status == 201)
            #expect(try client.request("GET", "/nowhere").status == 404)
            #expect(try client.request("DELETE", "/items/7").status == 405)
            #expect(try client.request("POST", "/items/7/slow", body: Array(String(repeating: "x", count: 64).utf8)).status == 413)
        }
        #expect(await eventually { seen.withLock { $0.count } == 5 })
        await server.shutdown()
        let reported = seen.withLock { $0 }
        #expect(reported.map(\.method) == ["GET", "POST", "GET", "DELETE", "POST"])
        #expect(reported.map(\.route) == ["/items/{id}", "/items/{id}/slow", nil, nil, nil])
        #expect(reported.map(\.status) == [200, 201, 404, 405, 413])
        #expect(reported[0].pathParameters == ["id": "a/b"])
        #expect(reported[1].duration >= .milliseconds(50))
    }
}
