/// A refusal that belongs to HTTP itself rather than to the domain (415, 401).
struct APIRefusal: Error {
    let status: Int
    let message: String

    static func unsupportedMediaType(_ contentType: String?) -> APIRefusal {
        APIRefusal(status: 415, message: "Content-Type must be application/json, got \(contentType.map { "'\($0)'" } ?? "none")")
    }

    /// `GET /ready` while Panda should get no traffic.
    static func notReady(_ reasons: [String]) -> APIRefusal {
        APIRefusal(status: 503, message: "Not ready: \(reasons.joined(separator: "; "))")
    }

    static let unauthorized = APIRefusal(status: 401, message: "A valid API key is required: Authorization: Bearer <key>")
}
