import Foundation

enum JSON {
    /// Field order as declared, `/` unescaped (URLs stay readable), one line (SSE needs that).
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static func encode(_ value: some Encodable) -> [UInt8] {
        // Our DTOs hold only strings and numbers: encoding cannot fail.
        (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }
}
