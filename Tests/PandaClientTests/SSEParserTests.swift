import Foundation
@testable import PandaClient
import Testing

struct ServerSentEventParserTests {
    @Test func framesSplitAnywhereComeOutWhole() {
        let text = ": deployment dep_x\nretry: 5000\n\nid: 1\nevent: stage\ndata: {\"a\":1}\n\nid: 2\r\nevent: done\r\ndata: {\"b\":2}\r\n\r\n"
        let bytes = Array(text.utf8)
        for split in 0...bytes.count {
            var parser = ServerSentEventParser()
            let events = parser.feed(bytes[..<split]) + parser.feed(bytes[split...])
            #expect(events == [
                ServerSentEvent(id: "1", event: "stage", data: "{\"a\":1}"),
                ServerSentEvent(id: "2", event: "done", data: "{\"b\":2}"),
            ], "split at \(split)")
            #expect(parser.retryMilliseconds == 5000)
        }
    }

    @Test func aStreamCutInsideAnEventYieldsNothingOfIt() {
        var parser = ServerSentEventParser()
        let events = parser.feed(Array("id: 1\nevent: stage\ndata: {\"a\":1}\n\nid: 2\nevent: stage\ndata: {\"b\"".utf8))
        #expect(events.map(\.id) == ["1"])
    }

    @Test func multiLineDataJoinsWithNewlinesAndCommentsAreSkipped() {
        var parser = ServerSentEventParser()
        let events = parser.feed(Array(": keep-alive\ndata: one\ndata:two\n\n".utf8))
        #expect(events == [ServerSentEvent(id: nil, event: "message", data: "one\ntwo")])
    }
}

struct ProgressPrinterTests {
    static func event(_ kind: String, _ data: String, id: String = "x") -> DeploymentEvent {
        DeploymentEvent(id: id, kind: kind, rawData: data, data: JSONValue.decode(Data(data.utf8)) ?? .null)
    }

    static let events = [
        event("stage", #"{"type":"stage","message":"[Stage 1] 클론 중","details":{"stage":1}}"#),
        event("stage", #"{"type":"stage","message":"[Stage 1] 빌드 완료","details":{"stage":1,"imageName":"a-b"}}"#),
        event("stage", #"{"type":"stage","message":"[Stage 2] Push","details":{"stage":2}}"#),
        event("error", #"{"type":"error","message":"Deployment failed: boom","errorCode":"ECR_PUSH_FAILED","stage":2}"#),
    ]

    @Test func terminalRedrawsOneLinePerStage() {
        var printer = ProgressPrinter(mode: .terminal(columns: 80))
        let text = Self.events.map { printer.render($0) }.joined() + printer.finish()
        #expect(text == "\r\u{1B}[2K[1/6] [Stage 1] 클론 중\r\u{1B}[2K[1/6] [Stage 1] 빌드 완료\n"
                + "\r\u{1B}[2K[2/6] [Stage 2] Push\n✘ Deployment failed: boom [ECR_PUSH_FAILED]\n")
    }

    @Test func plainLinesCarryTheDetailsAndNoEscapes() {
        var printer = ProgressPrinter(mode: .plain)
        let text = Self.events.map { printer.render($0) }.joined()
        #expect(text == "stage 1\t[Stage 1] 클론 중\nstage 1\t[Stage 1] 빌드 완료\timageName=a-b\nstage 2\t[Stage 2] Push\n"
                + "error\tDeployment failed: boom\terrorCode=ECR_PUSH_FAILED\tstage=2\n")
    }

    @Test func jsonLinesKeepTheServersData() {
        var printer = ProgressPrinter(mode: .json)
        #expect(printer.render(Self.events[2]) == #"{"id":"x","event":"stage","data":{"type":"stage","message":"[Stage 2] Push","details":{"stage":2}}}"# + "\n")
    }

    @Test func wideCharactersCountTwoColumns() {
        #expect(ProgressPrinter.fit("가나다라마바사아자차", columns: 11) == "가나다라마…")
    }
}
