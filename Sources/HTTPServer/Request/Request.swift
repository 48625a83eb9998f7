/// One HTTP request as the handler sees it: everything already read and decoded.
public struct Request: Sendable {
    public let method: String
    /// The path as sent, still percent-encoded, without the query.
    public let path: String
    /// Percent-decoded values of the route's `{name}` segments.
    public internal(set) var pathParameters: [String: String]
    /// The matched route's path as registered (`/api/v1/deploy/{deploymentId}/events`), `nil` before routing.
    public internal(set) var route: String?
    /// Percent-decoded query parameters (`+` means space); the first value of a repeated name wins.
    public let query: [String: String]
    public let headers: Headers
    public let body: [UInt8]

    public init(
        method: String,
        path: String,
        pathParameters: [String: String] = [:],
        query: [String: String] = [:],
        headers: Headers = Headers(),
        body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.pathParameters = pathParameters
        self.route = nil
        self.query = query
        self.headers = headers
        self.body = body
    }

    public func pathParameter(_ name: String) -> String {
        pathParameters[name] ?? ""
    }
}
