/// Which browser origins may call the server, and what a preflight grants them.
public struct CORSPolicy: Sendable {
    /// Exact origins such as `https://dash.example.com`, or `*` for any.
    public var allowedOrigins: [String]
    public var allowedHeaders: [String]
    public var exposedHeaders: [String]
    public var maxAgeSeconds: Int

    public init(
        allowedOrigins: [String] = [],
        allowedHeaders: [String] = ["Authorization", "Content-Type", "Last-Event-ID"],
        exposedHeaders: [String] = ["Retry-After"],
        maxAgeSeconds: Int = 600
    ) {
        self.allowedOrigins = allowedOrigins
        self.allowedHeaders = allowedHeaders
        self.exposedHeaders = exposedHeaders
        self.maxAgeSeconds = maxAgeSeconds
    }

    func allows(origin: String) -> Bool {
        allowedOrigins.contains("*") || allowedOrigins.contains(origin)
    }

    /// Whether `decorate` adds anything for this `Origin`.
    func decorates(origin: String?) -> Bool {
        guard let origin else { return false }
        return allows(origin: origin)
    }

    /// Adds the CORS headers to any response for an allowed `Origin`.
    func decorate(_ headers: inout Headers, origin: String?) {
        guard let origin, allows(origin: origin) else { return }
        headers["Access-Control-Allow-Origin"] = allowedOrigins.contains("*") ? "*" : origin
        if !allowedOrigins.contains("*") { headers["Vary"] = "Origin" }
        if !exposedHeaders.isEmpty {
            headers["Access-Control-Expose-Headers"] = exposedHeaders.joined(separator: ", ")
        }
    }

    /// The answer to `OPTIONS` on a known path: 204 with what the route allows.
    func preflight(origin: String?, allowedMethods: [String]) -> Response {
        var response = Response.noContent()
        response.headers["Allow"] = allowedMethods.joined(separator: ", ")
        guard let origin, allows(origin: origin) else { return response }
        decorate(&response.headers, origin: origin)
        response.headers["Access-Control-Allow-Methods"] = allowedMethods.joined(separator: ", ")
        response.headers["Access-Control-Allow-Headers"] = allowedHeaders.joined(separator: ", ")
        response.headers["Access-Control-Max-Age"] = String(maxAgeSeconds)
        return response
    }
}
