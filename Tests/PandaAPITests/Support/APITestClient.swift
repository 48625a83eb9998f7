import Foundation
import Testing
import HTTPServer
import Logging
import Panda
@testable import PandaAPI
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs the real Panda app on an ephemeral port and talks to it with URLSession (libcurl underneath).
struct APITestClient {
    let port: UInt16
    let session: URLSession

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func send(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var lowered: [String: String] = [:]
        for (name, value) in http.allHeaderFields { lowered["\(name)".lowercased()] = "\(value)" }
        return Reply(status: http.statusCode, headers: lowered, body: data)
    }

    func postJSON(_ path: String, _ text: String, headers: [String: String] = [:]) async throws -> Reply {
        var all = headers
        all["Content-Type"] = all["Content-Type"] ?? "application/json"
        return try await send("POST", path, headers: all, body: Data(text.utf8))
    }
}

func withPandaServer<Result>(
    configure: (inout PandaConfiguration) -> Void = { _ in },
    services: ((PandaConfiguration) async -> PandaServices)? = nil,
    logger: Logger = Logger(label: "test"),
    _ body: (APITestClient) async throws -> Result
) async throws -> Result {
    var configuration = PandaConfiguration()
    configuration.server.port = 0
    configure(&configuration)
    let chosen = if let services { await services(configuration) } else { PandaServices.live(configuration: configuration, logger: logger) }
    let server = PandaHTTPApp(configuration: configuration, services: chosen, logger: logger).makeServer(logger: logger)
    try server.start()
    let session = URLSession(configuration: .ephemeral)
    do {
        let result = try await body(APITestClient(port: server.port, session: session))
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

/// Every error answer has exactly the contract's shape.
func expectErrorBody(_ reply: APITestClient.Reply, status: Int, error: String, message: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    let body = reply.json
    #expect(reply.status == status, sourceLocation: sourceLocation)
    #expect(body["status"] as? Int == status, sourceLocation: sourceLocation)
    #expect(body["error"] as? String == error, sourceLocation: sourceLocation)
    if let message { #expect(body["message"] as? String == message, sourceLocation: sourceLocation) }
    let timestamp = body["timestamp"] as? String ?? ""
    #expect(timestamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/) != nil, "timestamp \(timestamp)", sourceLocation: sourceLocation)
    #expect(reply.headers["content-type"] == "application/json; charset=utf-8", sourceLocation: sourceLocation)
}
