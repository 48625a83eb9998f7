import Foundation

/// Encodes `Encodable` values as one line of JSON with object keys in the order they were
/// encoded (declaration order for synthesized conformances), `/` unescaped and non-ASCII
/// text as raw UTF-8. Foundation's encoder on Linux does not keep key order, and the
/// contract's bodies and events read best in the order SPEC.md gives them.
///
/// Total over `Codable`: every standard number type, `Bool`, `String`, `nil`, nested keyed,
/// unkeyed and single-value containers and super-encoders. Like Foundation's encoder, `Date`,
/// `Data`, `URL` and `Decimal` get JSON forms of their own (a UTC timestamp, base64, the
/// absolute string, a number), a value that encodes nothing is `{}`, a non-finite number
/// throws, and `[String: …]` dictionaries, which have no order of their own, are written with
/// sorted keys so the same value always gives the same bytes.
public struct OrderedJSONEncoder: Sendable {
    public init() {}

    public func encode(_ value: some Encodable) throws -> String {
        let root = Node()
        try encodeValue(value, into: root, codingPath: [])
        var output = ""
        root.write(to: &output)
        return output
    }

    public func encodeBytes(_ value: some Encodable) throws -> [UInt8] {
        Array(try encode(value).utf8)
    }

    /// `text` as a JSON string literal, quotes included, escaped as this encoder escapes.
    public static func quoted(_ text: String) -> String { Node.quoted(text) }
}

/// One flat JSON object written field by field, in the order given, straight to bytes:
/// for small fixed shapes on hot paths (error bodies), where the `Encodable` machinery
/// costs more than the rest of the answer. Absent optionals are left out.
public struct JSONObjectWriter {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func add(_ key: String, _ value: String?) {
        guard let value else { return }
        appendKey(key)
        appendQuoted(value)
    }

    public mutating func add(_ key: String, _ value: Int?) {
        guard let value else { return }
        appendKey(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func finished() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    private mutating func appendKey(_ key: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        appendQuoted(key)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Text that needs no escape (nearly all) is copied as it is, with no string in between.
    private mutating func appendQuoted(_ text: String) {
        let plain = text.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            guard !Node.needsEscaping(utf8) else { return false }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
            return true
        }
        if plain != true { bytes.append(contentsOf: OrderedJSONEncoder.quoted(text).utf8) }
    }
}

/// One value in the tree being built; containers fill it in as they are used.
private final class Node {
    enum Content {
        case empty
        case literal(String)
        case array([Node])
        case object([(String, Node)])
    }

    var content = Content.empty

    func write(to output: inout String) {
        switch content {
        case .empty: output += "{}"
        case .literal(let text): output += text
        case .array(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                item.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { output += "," }
                output += Self.quoted(key)
                output += ":"
                value.write(to: &output)
            }
            output += "}"
        }
    }

    static func quoted(_ text: String) -> String {
        // Most text needs no escape: one scan of its bytes, then a single copy.
        if !needsEscaping(text) { return "\"" + text + "\"" }
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Control characters, `"`, `\\`, and the lead byte of U+2028/U+2029 (E2) send `quoted` the slow way.
    private static func needsEscaping(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { needsEscaping($0) } ?? needsEscaping(text.utf8)
    }

    static func needsEscaping(_ utf8: some Sequence<UInt8>) -> Bool {
        for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0xE2 {
            return true
        }
        return false
    }

    /// A finite binary floating-point number in its shortest round-tripping form (`3`, not `3.0`).
    static func number<Number: BinaryFloatingPoint & LosslessStringConvertible>(
        _ value: Number, codingPath: [any CodingKey]
    ) throws -> String {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "JSON has no \(value)"))
        }
        if value == value.rounded(), abs(value) < 1e15, let integer = Int64(exactly: value) { return String(integer) }
        return value.description
    }

    func appendMember(_ key: String) -> Node {
        let child = Node()
        if case .object(var members) = content {
            content = .empty  // drop the second reference, so the append below does not copy
            if members.contains(where: { $0.0 == key }) { members.removeAll { $0.0 == key } }
            members.append((key, child))
            content = .object(members)
        } else {
            content = .object([(key, child)])
        }
        return child
    }

    func appendItem() -> Node {
        let child = Node()
        if case .array(var items) = content {
            content = .empty  // drop the second reference, so the append below does not copy
            items.append(child)
            content = .array(items)
        } else {
            content = .array([child])
        }
        return child
    }
}

private struct NodeEncoder: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.content {} else { node.content = .object([]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.content {} else { node.content = .array([]) }
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(node: node, codingPath: codingPath)
    }
}

/// Writes scalars as JSON literals; anything else encodes itself into the node. The standard
/// scalars must all be caught here: their own `encode(to:)` asks a single-value container to
/// encode `self`, which would come straight back.
private func encodeValue(_ value: some Encodable, into node: Node, codingPath: [any CodingKey]) throws {
    switch value {
    case let text as String: node.content = .literal(Node.quoted(text))
    case let flag as Bool: node.content = .literal(flag ? "true" : "false")
    case let number as any BinaryInteger: node.content = .literal(String(describing: number))
    case let number as Double: node.content = .literal(try Node.number(number, codingPath: codingPath))
    case let number as Float: node.content = .literal(try Node.number(number, codingPath: codingPath))
    #if arch(arm64) || arch(x86_64)
    case let number as Float16: node.content = .literal(try Node.number(number, codingPath: codingPath))
    #endif
    case let number as Decimal:
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, .init(codingPath: codingPath, debugDescription: "JSON has no \(number)"))
        }
        node.content = .literal(number.description)
    case let date as Date: node.content = .literal(Node.quoted(UTCTimestamp.string(from: date)))
    case let data as Data: node.content = .literal(Node.quoted(data.base64EncodedString()))
    case let url as URL: node.content = .literal(Node.quoted(url.absoluteString))
    case let dictionary as [String: any Encodable]:
        node.content = .object([])
        for key in dictionary.keys.sorted() {
            try encodeValue(dictionary[key]!, into: node.appendMember(key), codingPath: codingPath + [MemberName(key)])
        }
    default: try value.encode(to: NodeEncoder(node: node, codingPath: codingPath))
    }
}

/// A dictionary key as a coding key.
private struct MemberName: CodingKey {
    let stringValue: String
    init(_ name: String) { stringValue = name }
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.appendMember(key.stringValue).content = .literal("null") }

    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        try encodeValue(value, into: node.appendMember(key.stringValue), codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: node.appendMember(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        NodeEncoder(node: node.appendMember(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.appendMember("super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { NodeEncoder(node: node.appendMember(key.stringValue), codingPath: codingPath) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    var count: Int {
        if case .array(let items) = node.content { return items.count }
        return 0
    }

    mutating func encodeNil() throws { node.appendItem().content = .literal("null") }
    mutating func encode(_ value: some Encodable) throws { try encodeValue(value, into: node.appendItem(), codingPath: codingPath) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: node.appendItem(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        NodeEncoder(node: node.appendItem(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.appendItem(), codingPath: codingPath) }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.content = .literal("null") }
    mutating func encode(_ value: some Encodable) throws { try encodeValue(value, into: node, codingPath: codingPath) }
}
