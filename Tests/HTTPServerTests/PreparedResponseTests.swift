import Foundation
import Testing
import PandaTestSupport
import HTTPServer

@Suite struct PreparedResponseTests {
    /// One libmicrohttpd response sent to many requests, on one kept-alive connection and
    /// on others; a CORS request still gets its own headers.
    @Test func preparedResponseIsSentAgainAndAgain() async throws {
        let prepared = PreparedResponse(.json(200, Array(#"{"status":"UP"}"#.utf8)))
        let configuration = ServerConfiguration(port: 0, cors: CORSPolicy(allowedOrigins: ["https://dash.example"]))
        try await withTestServer(configuration: configuration, routes: { router in
            router.get("/health") { _ in .prepared(prepared) }
        }) { server in
            let port = server.port
            try await offloaded {
                let client = try RawHTTPClient(port: port)
                for _ in 0..<50 {
                    let reply = try client.request("GET", "/health")
                    #expect(reply.status == 200)
                    #expect(reply.text == #"{"status":"UP"}"#)
                    #expect(reply.headers["content-type"] == "application/json; charset=utf-8")
                    #expect(reply.headers["access-control-allow-origin"] == nil)
                }
                let other = try RawHTTPClient(port: port)
                let cors = try other.request("GET", "/health", headers: ["Origin": "https://dash.example"])
                #expect(cors.status == 200)
                #expect(cors.text == #"{"status":"UP"}"#)
                #expect(cors.headers["access-control-allow-origin"] == "https://dash.example")
            }
        }
    }
}
