import Foundation
import Testing
@testable import Panda

@Suite struct EventIDTests {
    /// RFC 9562 layout: version 7, variant 10, Unix milliseconds in the first 48 bits and the
    /// 12-bit fraction of the millisecond after the version (what the fan-out benchmark reads).
    @Test func idIsAUUIDv7CarryingItsTime() throws {
        let date = Date(timeIntervalSince1970: 1_795_769_740.123_456)
        let id = EventID.make(at: date)
        #expect(UUID(uuidString: id) != nil)
        #expect(id == id.lowercased())
        let hex = id.replacingOccurrences(of: "-", with: "")
        #expect(hex.count == 32)
        #expect(Array(hex)[12] == "7")
        #expect("89ab".contains(Array(hex)[16]))
        let milliseconds = try #require(UInt64(hex.prefix(12), radix: 16))
        let fraction = try #require(UInt64(String(Array(hex)[13..<16]), radix: 16))
        let seconds = Double(milliseconds) / 1000 + Double(fraction) / 4096 / 1000
        #expect(abs(seconds - date.timeIntervalSince1970) < 0.000_001)
    }

    @Test func idsAreUniqueAndOrderedByTime() {
        let earlier = EventID.make(at: Date(timeIntervalSince1970: 1_000))
        let later = EventID.make(at: Date(timeIntervalSince1970: 1_000.001))
        #expect(earlier < later)
        let same = Date()
        #expect(EventID.make(at: same) != EventID.make(at: same))
    }
}
