import Testing
@testable import Tools

@Suite struct RedactionTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    private func text(_ lines: [[UInt8]]) -> [String] { lines.map { String(decoding: $0, as: UTF8.self) } }

    @Test func masksEveryOccurrenceLongestFirst() {
        let redactor = Redactor([Secret("abc"), Secret("abcdef"), Secret("")])
        #expect(redactor.redact("x abcdef y abc z") == "x *** y *** z")
        #expect(redactor.redact("nothing here") == "nothing here")
    }

    @Test func secretSplitAcrossChunksIsMasked() {
        var assembler = LineAssembler(redactor: Redactor([Secret("hunter2")]))
        #expect(assembler.feed(bytes("pass=hun")).isEmpty)
        #expect(text(assembler.feed(bytes("ter2 ok\nnext hunt"))) == ["pass=*** ok\n"])
        #expect(text(assembler.feed(bytes("er2"))).isEmpty)
        #expect(text(assembler.finish()) == ["next ***"])
    }

    @Test func overlongLineIsCutWithoutSplittingASecret() {
        let secret = "SECRET-VALUE"
        var assembler = LineAssembler(redactor: Redactor([Secret(secret)]), maxLineLength: 32)
        var emitted: [[UInt8]] = []
        // Feed byte by byte so every possible cut position is exercised.
        let input = String(repeating: "a", count: 30) + secret + String(repeating: "b", count: 40) + secret + "\n"
        for byte in input.utf8 {
            emitted += assembler.feed([byte])
        }
        emitted += assembler.finish()
        let joined = text(emitted).joined()
        #expect(!joined.contains(secret))
        #expect(joined == String(repeating: "a", count: 30) + "***" + String(repeating: "b", count: 40) + "***\n")
        #expect(emitted.count > 1)
    }

    @Test func tailKeepsTheLastBytes() {
        var tail = TailBuffer(limit: 10)
        for index in 0..<100 {
            tail.append(bytes("line\(index)\n"))
        }
        #expect(tail.truncated)
        #expect(tail.text.utf8.count <= 10)
        #expect(tail.text.hasSuffix("line99\n"))
    }

    @Test func tailUnderTheLimitIsComplete() {
        var tail = TailBuffer(limit: 100)
        tail.append(bytes("a\n"))
        tail.append(bytes("b"))
        #expect(!tail.truncated)
        #expect(tail.text == "a\nb")
    }
}
