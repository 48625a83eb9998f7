/// Maps method and path to a handler. Unknown paths are 404, known paths with another
/// method are 405 with `Allow`, and `OPTIONS` on a known path answers for CORS preflight.
public struct Router: Sendable {
    /// One registered route: its method and its path as written (e.g. `/api/v1/deploy/{deploymentId}/result`).
    public struct Route: Sendable {
        public let method: String
        public let template: String
        let pattern: PathPattern
        let handler: Handler
    }

    public enum Match: Sendable {
        case found(Handler, Request)
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    /// Every route in the order added, so an API description can be checked against them.
    public private(set) var routes: [Route] = []
    /// The routes again, in the order added, grouped by how many segments their path has:
    /// a request is compared only with the routes it could fit.
    private var routesBySegmentCount: [[Route]] = []

    public init() {}

    public mutating func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        let route = Route(method: method.uppercased(), template: path, pattern: PathPattern(path), handler: handler)
        routes.append(route)
        let count = route.pattern.segments.count
        if routesBySegmentCount.count <= count {
            routesBySegmentCount.append(contentsOf: repeatElement([], count: count + 1 - routesBySegmentCount.count))
        }
        routesBySegmentCount[count].append(route)
    }

    public mutating func get(_ path: String, _ handler: @escaping Handler) { add("GET", path, handler) }
    public mutating func post(_ path: String, _ handler: @escaping Handler) { add("POST", path, handler) }
    public mutating func delete(_ path: String, _ handler: @escaping Handler) { add("DELETE", path, handler) }

    public func match(_ request: Request) -> Match {
        let segments = PathPattern.segments(of: request.path)
        guard segments.count < routesBySegmentCount.count else { return .notFound }
        var allowed: [String] = []
        for route in routesBySegmentCount[segments.count] {
            guard let parameters = route.pattern.match(segments) else { continue }
            if route.method == request.method || (request.method == "HEAD" && route.method == "GET") {
                var routed = request
                routed.pathParameters = parameters
                routed.route = route.template
                return .found(route.handler, routed)
            }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        if allowed.isEmpty { return .notFound }
        if allowed.contains("GET"), !allowed.contains("HEAD") { allowed.append("HEAD") }
        allowed.append("OPTIONS")
        return .methodNotAllowed(allowed: allowed)
    }
}
