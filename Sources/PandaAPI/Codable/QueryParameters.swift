import HTTPServer
import Panda

/// A request's query parameters, read one by one so that every error names its parameter.
/// Empty values mean "not given"; parameters nobody asks for are ignored.
struct QueryParameters {
    private let values: [String: String]

    init(_ request: Request) {
        values = request.query
    }

    func optionalString(_ name: String, maxLength: Int = RequestLimits.queryValue) throws -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        guard value.utf8.count <= maxLength else { throw Self.invalid(name, "must be at most \(maxLength) bytes") }
        return value
    }

    func requiredString(_ name: String, maxLength: Int = 256) throws -> String {
        guard let value = try optionalString(name, maxLength: maxLength) else {
            throw InvalidRequest("Missing required query parameter: \(name)")
        }
        return value
    }

    /// `true` or `false`, spelled so.
    func boolean(_ name: String, default fallback: Bool) throws -> Bool {
        guard let text = try optionalString(name) else { return fallback }
        switch text {
        case "true": return true
        case "false": return false
        default: throw Self.invalid(name, "must be true or false")
        }
    }

    func integer(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let text = try optionalString(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw Self.invalid(name, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// One of an enumeration's raw values, spelled exactly.
    func oneOf<Value: RawRepresentable & CaseIterable>(_ name: String, _: Value.Type) throws -> Value?
    where Value.RawValue == String {
        guard let text = try optionalString(name) else { return nil }
        guard let value = Value(rawValue: text) else {
            throw Self.invalid(name, "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    static func invalid(_ name: String, _ reason: String) -> InvalidRequest {
        InvalidRequest("Invalid query parameter '\(name)': \(reason)")
    }
}
