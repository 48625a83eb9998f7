import HTTPServer

/// Optional API-key authentication for `/api/v1`: `Authorization: Bearer <key>`, or
/// `?access_token=` where a browser's `EventSource` cannot send headers.
struct APIKeyGuard: Sendable {
    private let keys: [[UInt8]]

    init(keys: [String]) {
        self.keys = keys.map { Array($0.utf8) }
    }

    var isEnabled: Bool { !keys.isEmpty }

    func admits(_ request: Request, allowQueryToken: Bool = false) -> Bool {
        guard isEnabled else { return true }
        var presented: String?
        if let authorization = request.headers["Authorization"] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                presented = parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        if presented == nil, allowQueryToken { presented = request.query["access_token"] }
        guard let presented else { return false }
        let candidate = Array(presented.utf8)
        // Check every key, each in constant time, so timing tells nothing about which or how close.
        var matched = false
        for key in keys { matched = Self.constantTimeEquals(candidate, key) || matched }
        return matched
    }

    private static func constantTimeEquals(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        var difference = UInt64(left.count ^ right.count)
        for index in 0..<max(left.count, right.count) {
            let a = index < left.count ? left[index] : 0
            let b = index < right.count ? right[index] : 0
            difference |= UInt64(a ^ b)
        }
        return difference == 0
    }
}
