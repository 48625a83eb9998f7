/// A route path such as `/api/v1/deploy/{deploymentId}/events`.
struct PathPattern: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    let segments: [Segment]

    init(_ pattern: String) {
        segments = pattern.split(separator: "/").map { part in
            if part.hasPrefix("{"), part.hasSuffix("}") {
                .parameter(String(part.dropFirst().dropLast()))
            } else {
                .literal(String(part))
            }
        }
    }

    /// The decoded parameters when `path` (still percent-encoded) fits, else `nil`.
    func match(_ pathSegments: [Substring]) -> [String: String]? {
        guard pathSegments.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, pathSegments) {
            switch segment {
            case .literal(let literal):
                guard part == literal else { return nil }
            case .parameter(let name):
                guard let value = PercentDecoding.decode(part), !value.isEmpty else { return nil }
                parameters[name] = value
            }
        }
        return parameters
    }
}
