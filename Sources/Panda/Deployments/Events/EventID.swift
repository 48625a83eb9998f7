import Foundation

/// Event ids are UUIDv7 (RFC 9562): time-ordered, and the time they carry tells a client
/// when the event was published: Unix milliseconds, then a 12-bit fraction of the
/// millisecond in place of `rand_a` (the RFC's method 3), then 62 random bits.
enum EventID {
    static func make(at date: Date) -> String {
        let nanoseconds = UInt64((date.timeIntervalSince1970 * 1e9).rounded(.down))
        let milliseconds = nanoseconds / 1_000_000
        let fraction = (nanoseconds % 1_000_000) * 4096 / 1_000_000
        var random = SystemRandomNumberGenerator()
        let tail = random.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        bytes[6] = 0x70 | UInt8(truncatingIfNeeded: fraction >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: fraction)
        for index in 8..<16 { bytes[index] = UInt8(truncatingIfNeeded: tail >> (8 * (15 - index))) }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // the RFC 4122/9562 variant
        let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }
}
