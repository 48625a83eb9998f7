import Panda

enum JSON {
    /// Keys in declaration order (as SPEC.md shows them), `/` unescaped, one line.
    static func encode(_ value: some Encodable) -> [UInt8] {
        // Our DTOs hold only strings, whole numbers and finite rates: encoding cannot fail.
        (try? OrderedJSONEncoder().encodeBytes(value)) ?? Array("{}".utf8)
    }
}
