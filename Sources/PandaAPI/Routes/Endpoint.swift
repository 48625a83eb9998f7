import HTTPServer
import Logging

/// Turns route bodies into server handlers: API-key auth is checked first, and any error
/// becomes the contract's error body. `handler` runs `async` work off the server thread;
/// `immediate` answers on it, for reads of what is already in memory.
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

    func immediate(
        authenticated: Bool = true,
        allowQueryToken: Bool = false,
        _ work: @escaping @Sendable (Request) throws -> Reply
    ) -> Handler {
        { [logger, apiKeys] request in
            if authenticated, !apiKeys.admits(request, allowQueryToken: allowQueryToken) {
                return .now(ErrorResponses.response(for: APIRefusal.unauthorized, logger: logger))
            }
            do {
                return try work(request)
            } catch {
                return .now(ErrorResponses.response(for: error, logger: logger))
            }
        }
    }
}
