import Foundation
import Testing
import Panda

/// The encoder is total over `Codable`: each primitive and container shape encodes, in the
/// order written, to JSON that Foundation's parser reads back as the same value.
@Suite struct OrderedJSONEncoderTests {
    static func encoded(_ value: some Encodable) throws -> String {
        try OrderedJSONEncoder().encode(value)
    }

    /// A single-field wrapper, so each primitive goes through a keyed container as DTO fields do.
    struct Field<Value: Encodable>: Encodable {
        let value: Value
    }

    @Test func signedIntegersOfEveryWidth() throws {
        #expect(try Self.encoded(Int.min) == "\(Int.min)")
        #expect(try Self.encoded(Int8.min) == "-128")
        #expect(try Self.encoded(Int16.max) == "32767")
        #expect(try Self.encoded(Int32.min) == "-2147483648")
        #expect(try Self.encoded(Int64.max) == "9223372036854775807")
        #expect(try Self.encoded(Field(value: Int32(-7))) == #"{"value":-7}"#)
        #expect(try Self.encoded([Int8(1), Int8(-2)]) == "[1,-2]")
    }

    @Test func unsignedIntegersOfEveryWidth() throws {
        #expect(try Self.encoded(UInt.max) == "18446744073709551615")
        #expect(try Self.encoded(UInt8.max) == "255")
        #expect(try Self.encoded(UInt16.max) == "65535")
        #expect(try Self.encoded(UInt32.max) == "4294967295")
        #expect(try Self.encoded(UInt64.max) == "18446744073709551615")
        #expect(try Self.encoded(Field(value: UInt(3))) == #"{"value":3}"#)
    }

    @Test func floatingPointNumbers() throws {
        #expect(try Self.encoded(0.25) == "0.25")
        #expect(try Self.encoded(3.0) == "3")
        #expect(try Self.encoded(-0.5) == "-0.5")
        #expect(try Self.encoded(1e300) == "1e+300")
        #expect(try Self.encoded(Float(0.1)) == "0.1")
        #expect(try Self.encoded(Float(2)) == "2")
        #expect(try Self.encoded(Field(value: Float(1.5))) == #"{"value":1.5}"#)
        #expect(try Self.encoded(Decimal(string: "12.75")!) == "12.75")
        for text in [try Self.encoded(1e300), try Self.encoded(Float(0.1)), try Self.encoded(1e-7)] {
            #expect(try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed) is NSNumber, "\(text)")
        }
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteNumbersThrow(_ number: Double) {
        #expect(throws: EncodingError.self) { try Self.encoded(Field(value: number)) }
        #expect(throws: EncodingError.self) { try Self.encoded(Float(number)) }
    }

    @Test func boolsStringsAndNil() throws {
        #expect(try Self.encoded(true) == "true")
        #expect(try Self.encoded(Field(value: false)) == #"{"value":false}"#)
        #expect(try Self.encoded("a/b \"q\" \\ \n\t\u{01} 한글") == #""a/b \"q\" \\ \n\t\u0001 한글""#)
        struct Optionals: Encodable { let absent: String?; let present: Int? }
        // Synthesized conformances leave a nil optional out, as Foundation does; a generic one writes null.
        #expect(try Self.encoded(Optionals(absent: nil, present: 1)) == #"{"present":1}"#)
        #expect(try Self.encoded(Field<String?>(value: nil)) == #"{"value":null}"#)
        #expect(try Self.encoded(String?.none) == "null")
        #expect(try Self.encoded([1, nil, 3] as [Int?]) == "[1,null,3]")
    }

    /// Keyed, unkeyed and single-value containers nested in each other, and both super-encoders.
    struct Everything: Encodable {
        enum Keys: String, CodingKey { case zeta, alpha, list, object, wrapped, parent }

        func encode(to encoder: Encoder) throws {
            var keyed = encoder.container(keyedBy: Keys.self)
            try keyed.encode(UInt8(1), forKey: .zeta)
            try keyed.encodeNil(forKey: .alpha)
            var list = keyed.nestedUnkeyedContainer(forKey: .list)
            try list.encode(Int16(2))
            try list.encodeNil()
            var inner = list.nestedContainer(keyedBy: Keys.self)
            try inner.encode(Float(0.5), forKey: .zeta)
            var deeper = list.nestedUnkeyedContainer()
            try deeper.encode(true)
            try Field(value: "x").encode(to: list.superEncoder())
            #expect(list.count == 5)
            var object = keyed.nestedContainer(keyedBy: Keys.self, forKey: .object)
            try object.encode(UInt64(4), forKey: .alpha)
            var single = keyed.superEncoder(forKey: .wrapped).singleValueContainer()
            try single.encode(Int32(5))
            var superList = keyed.superEncoder().unkeyedContainer()
            try superList.encode("s")
        }
    }

    @Test func nestedContainersAndSuperEncodersKeepTheirOrder() throws {
        #expect(try Self.encoded(Everything())
            == #"{"zeta":1,"alpha":null,"list":[2,null,{"zeta":0.5},[true],{"value":"x"}],"object":{"alpha":4},"wrapped":5,"super":["s"]}"#)
    }

    @Test func synthesizedKeysComeInDeclarationOrder() throws {
        struct Body: Encodable {
            let zulu = 1
            let alpha: [String] = ["a"]
            let mike = Field(value: UInt16(2))
        }
        #expect(try Self.encoded(Body()) == #"{"zulu":1,"alpha":["a"],"mike":{"value":2}}"#)
    }

    @Test func foundationTypesGetTheirJSONForms() throws {
        #expect(try Self.encoded(Date(timeIntervalSince1970: 0)) == #""1970-01-01T00:00:00""#)
        #expect(try Self.encoded(Data([0, 1, 255])) == #""AAH/""#)
        #expect(try Self.encoded(URL(string: "https://example.com/a?b=c")!) == #""https://example.com/a?b=c""#)
    }

    @Test func dictionariesAreWrittenWithSortedKeys() throws {
        let dictionary: [String: [String: Int]] = ["b": ["z": 1, "a": 2], "a": [:], "c": ["m": 3]]
        #expect(try Self.encoded(dictionary) == #"{"a":{},"b":{"a":2,"z":1},"c":{"m":3}}"#)
    }

    @Test func aValueThatEncodesNothingIsAnEmptyObject() throws {
        struct Nothing: Encodable { func encode(to encoder: Encoder) throws {} }
        #expect(try Self.encoded(Field(value: Nothing())) == #"{"value":{}}"#)
    }

    /// Whatever the shape, Foundation reads back what Foundation's own encoder would write.
    @Test func agreesWithFoundationOnContent() throws {
        struct Mixed: Encodable {
            let a: Int8 = -1, b: UInt32 = 7, c: Float = 0.75, d: Double = 1e-3, e = [[true, false]], f: String? = "x"
            let g: [String: Double] = ["k": 2.5], h = Field(value: [UInt(1), 2])
        }
        let ours = try JSONSerialization.jsonObject(with: Data(try Self.encoded(Mixed()).utf8)) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Mixed())) as? NSDictionary
        #expect(ours != nil && ours == theirs)
    }

    /// The flat writer of error bodies escapes as the encoder does, plain text and hard text alike.
    @Test func theObjectWriterEscapesAsTheEncoderDoes() throws {
        let texts = ["plain", "", "배포 완료", "say \"hi\"", "back\\slash", "line\nbreak\ttab\r", "\u{01}bell",
                     "sep\u{2028}and\u{2029}", "a longer message past the small-string size, still plain"]
        for text in texts {
            var writer = JSONObjectWriter()
            writer.add("message", text)
            writer.add("status", 400)
            writer.add("absent", nil as String?)
            let written = String(decoding: writer.finished(), as: UTF8.self)
            #expect(written == "{\"message\":\(OrderedJSONEncoder.quoted(text)),\"status\":400}")
            let parsed = try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String: Any]
            #expect(parsed?["message"] as? String == text)
        }
    }
}
