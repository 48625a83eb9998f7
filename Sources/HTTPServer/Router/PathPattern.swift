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

    /// `path`'s segments between slashes, empty ones left out (`//a/` is `["a"]`).
    /// Byte-wise: splitting by `Character` would run grapheme breaking on every request.
    static func segments(of path: String) -> [Substring] {
        var parts: [Substring] = []
        parts.reserveCapacity(8)
        let utf8 = path.utf8
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex {
            if utf8[index] == UInt8(ascii: "/") {
                if start != index { parts.append(path[start..<index]) }
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        if start != index { parts.append(path[start..<index]) }
        return parts
    }

    /// The decoded parameters when `path` (still percent-encoded) fits, else `nil`.
    func match(_ pathSegments: [Substring]) -> [String: String]? {
        guard pathSegments.count == segments.count else { return nil }
        // Literals first: a path that does not fit costs no decoding.
        for (segment, part) in zip(segments, pathSegments) {
            if case .literal(let literal) = segment, part != literal { return nil }
        }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, pathSegments) {
            guard case .parameter(let name) = segment else { continue }
            guard let value = PercentDecoding.decode(part), !value.isEmpty else { return nil }
            parameters[name] = value
        }
        return parameters
    }
}
