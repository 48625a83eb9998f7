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

    /// Compact UTF-8 JSON.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 * 1024)
        write(into: &out)
        return out
    }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .string(let text):
            Self.writeString(text, into: &out)
        case .int(let number):
            out.append(contentsOf: Array(String(number).utf8))
        case .double(let number):
            precondition(number.isFinite, "JSON has no representation for \(number)")
            out.append(contentsOf: Array(String(number).utf8))
        case .bool(let flag):
            out.append(contentsOf: Array((flag ? "true" : "false").utf8))
        case .null:
            out.append(contentsOf: Array("null".utf8))
        }
    }

    private static func writeString(_ text: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
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
