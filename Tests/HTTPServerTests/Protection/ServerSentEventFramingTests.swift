import Testing
@testable import HTTPServer

/// Found by the fuzzer (Tests/Fuzz): "\r\n" is one Swift Character, equal to neither "\n"
/// nor "\r", so splitting and filtering by Character let a CRLF through into the stream,
/// where it ends the field and starts another one.
@Suite struct ServerSentEventFramingTests {
    @Test func carriageReturnLineFeedCannotAddFieldsOrFrames() {
        let event = ServerSentEvent(id: "1\r\nevent: done", event: "stage\r\ndata: forged", data: "a\r\nid: 2\r\n\r\nb")
        let text = String(decoding: event.encoded(), as: UTF8.self)
        #expect(text == "id: 1event: done\nevent: stagedata: forged\ndata: a\ndata: id: 2\ndata: \ndata: b\n\n")
        #expect(String(decoding: ServerSentEvent.comment("x\r\ny"), as: UTF8.self) == ": xy\n\n")
    }
}
