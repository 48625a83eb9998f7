import Synchronization

/// Per-request state kept in libmicrohttpd's `*con_cls` from the first handler call
/// until the completion callback releases it.
final class RequestContext: @unchecked Sendable {
    // Touched only on the server thread.
    var body: [UInt8] = []
    var bodyTooLarge = false
    var origin: String?
    var dispatched = false
    // For the request observer.
    let startedAt = ContinuousClock.now
    var method = ""
    var route: String?
    var pathParameters: [String: String] = [:]
    /// Set when a response is queued; a request that never got one is not reported.
    var status: Int?

    /// Set by the task doing `.later` work, taken on the server thread after resume.
    private let deferredResponse = Mutex<Response?>(nil)

    func complete(with response: Response) {
        deferredResponse.withLock { $0 = response }
    }

    func takeDeferredResponse() -> Response? {
        deferredResponse.withLock { response in
            defer { response = nil }
            return response
        }
    }

    func completedRequest(at end: ContinuousClock.Instant) -> CompletedRequest? {
        guard let status else { return nil }
        return CompletedRequest(method: method, route: route, pathParameters: pathParameters, status: status,
                                duration: end - startedAt)
    }
}
