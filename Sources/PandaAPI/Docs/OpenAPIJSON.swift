import Panda

/// A JSON value whose objects keep their keys in the order written, so the OpenAPI
/// document reads top-down (`code`, `message`, `data`; paths in route order) and
/// serializes byte-identically on every platform. Non-ASCII text is written as raw
/// UTF-8, so the Korean messages appear in the bytes exactly as SPEC.md spells them.
indirect enum OpenAPIJSON: Sendable, Equatable {
    case object([(key: String, value: OpenAPIJSON)])
    case array([OpenAPIJSON])
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null

    static func == (lhs: OpenAPIJSON, rhs: OpenAPIJSON) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(a), .array(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.int(a), .int(b)): a == b
        case let (.double(a), .double(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    /// The value for `key` when this is an object.
    subscript(key: String) -> OpenAPIJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// This object with `members` appended (keys already present are replaced in place).
    func merging(_ members: [(key: String, value: OpenAPIJSON)]) -> OpenAPIJSON {
        guard case .object(var existing) = self else { return self }
        for member in members {
            if let index = existing.firstIndex(where: { $0.key == member.key }) {
                existing[index].value = member.value
            } else {
                existing.append(member)
            }
        }
        return .object(existing)
    }

    /// Compact UTF-8 JSON, keys in the order written.
    var bytes: [UInt8] {
        // Only finite numbers are ever written into the document: encoding cannot fail.
        (try? OrderedJSONEncoder().encodeBytes(self)) ?? Array("{}".utf8)
    }
}

extension OpenAPIJSON: Encodable {
    private struct MemberName: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        switch self {
        case .object(let members):
            var container = encoder.container(keyedBy: MemberName.self)
            for member in members { try container.encode(member.value, forKey: MemberName(stringValue: member.key)) }
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .int(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .double(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        }
    }
}

extension OpenAPIJSON: ExpressibleByDictionaryLiteral {
    init(dictionaryLiteral elements: (String, OpenAPIJSON)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
}

extension OpenAPIJSON: ExpressibleByArrayLiteral {
    init(arrayLiteral elements: OpenAPIJSON...) { self = .array(elements) }
}

extension OpenAPIJSON: ExpressibleByStringLiteral {
    init(stringLiteral value: String) { self = .string(value) }
}

extension OpenAPIJSON: ExpressibleByIntegerLiteral {
    init(integerLiteral value: Int) { self = .int(value) }
}

extension OpenAPIJSON: ExpressibleByFloatLiteral {
    init(floatLiteral value: Double) { self = .double(value) }
}

extension OpenAPIJSON: ExpressibleByBooleanLiteral {
    init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension OpenAPIJSON: ExpressibleByNilLiteral {
    init(nilLiteral: ()) { self = .null }
}
