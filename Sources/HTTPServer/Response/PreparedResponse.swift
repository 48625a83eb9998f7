import CMicroHTTPD

/// A response built once and sent many times: a fixed answer, or a document that no
/// longer changes. libmicrohttpd keeps one copy of its bytes and headers and counts the
/// connections still sending it, so answering with it copies and allocates nothing.
/// Create it on any thread; release it whenever (libmicrohttpd frees the bytes after
/// the last connection that uses them).
public final class PreparedResponse: @unchecked Sendable {
    /// The same answer as a plain response: used when a request needs headers of its own (CORS).
    public let response: Response
    /// `nil` when libmicrohttpd could not allocate it; the plain response is sent instead.
    let handle: OpaquePointer?

    /// - Parameter response: a response with a `.bytes` body (an event stream cannot be prepared).
    public init(_ response: Response) {
        self.response = response
        guard case .bytes(let bytes) = response.body else {
            preconditionFailure("only a response with a body of bytes can be prepared")
        }
        handle = HTTPServer.makeMHDResponse(bytes: bytes, headers: response.headers)
    }

    deinit {
        if let handle { MHD_destroy_response(handle) }
    }
}
