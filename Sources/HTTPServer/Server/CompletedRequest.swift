/// What the server reports about each answered request, for access logs and metrics.
/// The server knows routes only as templates, so metrics stay bounded whatever the paths.
public struct CompletedRequest: Sendable {
    public let method: String
    /// The matched route's template (`/api/v1/deploy/{deploymentId}/events`); `nil` when none matched.
    public let route: String?
    /// Decoded values of the route's `{name}` segments.
    public let pathParameters: [String: String]
    public let status: Int
    /// From the request's first byte of headers to the end of the response; for an event
    /// stream that is the stream's whole life.
    public let duration: Duration

    public init(method: String, route: String?, pathParameters: [String: String], status: Int, duration: Duration) {
        self.method = method
        self.route = route
        self.pathParameters = pathParameters
        self.status = status
        self.duration = duration
    }
}

/// Called once per answered request, on the server thread: keep it short.
public typealias RequestObserver = @Sendable (CompletedRequest) -> Void
