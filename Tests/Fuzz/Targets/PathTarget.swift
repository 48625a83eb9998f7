import Foundation
@testable import HTTPServer
@testable import Panda
@testable import PandaAPI

/// Request targets against Panda's own router: matching, segment decoding, query decoding.
enum PathTarget {
    /// Panda's routes, built once (services are created but never called here).
    static let router: Router = {
        var configuration = PandaConfiguration()
        configuration.github.apiBaseURL = "http://127.0.0.1:9"
        return PandaHTTPApp(configuration: configuration, services: .live(configuration: configuration, logger: fuzzLogger),
                            logger: fuzzLogger).router()
    }()

    static func check(_ input: [UInt8]) -> String? {
        let target = cString(input)
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0])
        let rawQuery = parts.count > 1 ? parts[1].split(separator: "&").map { pair -> (name: String, value: String) in
            let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(halves[0]), halves.count > 1 ? String(halves[1]) : "")
        } : []
        let query = PercentDecoding.query(rawQuery)
        if query.keys.contains("") { return "a nameless query parameter was kept" }

        for method in ["GET", "POST", "DELETE", "OPTIONS", "HEAD"] {
            switch router.match(Request(method: method, path: path, query: query)) {
            case .found(_, let routed):
                for (name, value) in routed.pathParameters {
                    if value.isEmpty { return "empty path parameter \(name)" }
                    // A decoded parameter, encoded again, decodes to itself and stays one segment.
                    let encoded = GitHubAPIClient.encodePathSegment(value)
                    if encoded.contains("/") { return "parameter \(name) not confined to a segment" }
                    if PercentDecoding.decode(encoded[...]) != value { return "percent-decoding round trip failed for \(value.debugDescription)" }
                }
            case .methodNotAllowed(let allowed):
                if allowed.isEmpty || !allowed.contains("OPTIONS") { return "405 without OPTIONS in Allow: \(allowed)" }
            case .notFound:
                break
            }
        }
        // Every segment decodes, or is refused, without trapping.
        for segment in path.split(separator: "/") { _ = PercentDecoding.decode(segment) }
        return nil
    }
}
