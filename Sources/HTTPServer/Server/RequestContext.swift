import Synchronization

/// Per-request state kept in libmicrohttpd's `*con_cls` from the first handler call
/// until the completion callback releases it.
final class RequestContext: @unchecked Sendable {
    // Touched only on the server thread.
    var body: [UInt8] = []
    var bodyTooLarge = false
    var origin: String?
    var dispatched = false

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
}
