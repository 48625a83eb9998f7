import HTTPServer
import Logging

/// Turns `async throws` route bodies into server handlers: the work runs off the server
/// thread, API-key auth is checked first, and any error becomes the contract's error body.
struct Endpoint: Sendable {
    let logger: Logger
    let apiKeys: APIKeyGuard

    func handler(
        authenticated: Bool = true,
        allowQueryToken: Bool = false,
        _ work: @escaping @Sendable (Request) async throws -> Response
    ) -> Handler {
        { [logger, apiKeys] request in
            if authenticated, !apiKeys.admits(request, allowQueryToken: allowQueryToken) {
                return .now(ErrorResponses.response(for: APIRefusal.unauthorized, logger: logger))
            }
            return .later {
                do {
                    return try await work(request)
                } catch {
                    return ErrorResponses.response(for: error, logger: logger)
                }
            }
        }
    }
}
