import Foundation

/// The contract's timestamp: UTC, `yyyy-MM-dd'T'HH:mm:ss`, no zone suffix.
public enum UTCTimestamp {
    public static func string(from date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Digits written directly: error bodies carry one, and String(format:) costs microseconds.
        var text = [UInt8]()
        text.reserveCapacity(19)
        func digits(_ value: Int32, _ width: Int) {
            var divisor: Int32 = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8((value / divisor) % 10))
                divisor /= 10
            }
        }
        digits(parts.tm_year + 1900, 4); text.append(UInt8(ascii: "-"))
        digits(parts.tm_mon + 1, 2); text.append(UInt8(ascii: "-"))
        digits(parts.tm_mday, 2); text.append(UInt8(ascii: "T"))
        digits(parts.tm_hour, 2); text.append(UInt8(ascii: ":"))
        digits(parts.tm_min, 2); text.append(UInt8(ascii: ":"))
        digits(parts.tm_sec, 2)
        return String(decoding: text, as: UTF8.self)
    }
}
