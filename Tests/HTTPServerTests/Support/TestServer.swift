import Foundation
import HTTPServer

/// A real server on an ephemeral loopback port with the given routes.
func withTestServer<Result>(
    configuration: ServerConfiguration = ServerConfiguration(port: 0),
    routes: (inout Router) -> Void,
    _ body: (HTTPServer) async throws -> Result
) async throws -> Result {
    var router = Router()
    routes(&router)
    var configuration = configuration
    configuration.port = 0
    let server = HTTPServer(configuration: configuration, router: router) { status, message in
        .json(status, Array(#"{"status":\#(status),"message":"\#(message)"}"#.utf8))
    }
    try server.start()
    do {
        let result = try await body(server)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

func json(_ text: String) -> Response { .json(200, Array(text.utf8)) }

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
