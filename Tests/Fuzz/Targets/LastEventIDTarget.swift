import Synchronization
import Foundation
@testable import HTTPServer
@testable import Panda

/// `Last-Event-ID` against a deployment's log (resume and the 204 decision), and an
/// event carrying the input (a build log line is repository-controlled) through SSE framing.
enum LastEventIDTarget {
    static func check(_ input: [UInt8]) -> String? {
        let text = cString(input)
        let log = EventLog()
        var events: [DeploymentEvent] = []
        for index in 0..<3 {
            let event = DeploymentEvent.stage("[Stage \(index + 1)] \(text)", stage: index + 1, details: ["line": .string(text)])
            events.append(event)
            log.append(event)
        }

        // Resuming after an arbitrary id: the suffix after a known id, else everything.
        for lastEventID in [text, events[1].id, events[1].id + text] {
            let delivered = Mutex<[String]>([])
            let token = log.subscribe(.after(lastEventID)) { event in delivered.withLock { $0.append(event.id) } }
            if let token { log.unsubscribe(token) }
            let expected: [String] = if let index = events.firstIndex(where: { $0.id == lastEventID }) {
                events[(index + 1)...].map(\.id)
            } else {
                events.map(\.id)
            }
            if delivered.withLock({ $0 }) != expected { return "resume after \(lastEventID.debugDescription) delivered the wrong events" }
            if log.hasDelivered(allUpTo: lastEventID) { return "204 for a log that has not ended" }
        }
        let terminal = DeploymentEvent.error("Deployment failed: \(text)", errorCode: .unexpectedError, stage: nil)
        log.append(terminal)
        if log.hasDelivered(allUpTo: text) != (text == terminal.id) { return "204 decided for \(text.debugDescription)" }
        if !log.hasDelivered(allUpTo: terminal.id) { return "no 204 after the terminal event" }

        // One event in, exactly one frame out, with its JSON intact, however hostile the text.
        for event in [events[0], terminal] {
            let frame = ServerSentEvent(id: event.id, event: event.kind.rawValue, data: event.data).encoded()
            guard let parsed = SSEParser.parse(frame), parsed.count == 1 else { return "one event did not give one SSE frame" }
            if parsed[0].id != event.id || parsed[0].event != event.kind.rawValue { return "SSE id/event fields altered" }
            guard parsed[0].data == withoutCR(event.data) else { return "SSE data altered" }
            guard (try? JSONSerialization.jsonObject(with: Data(parsed[0].data.utf8))) is [String: Any] else {
                return "event data is not one JSON object"
            }
        }
        // Arbitrary id/event text cannot add fields or frames either.
        let hostile = ServerSentEvent(id: text, event: text, data: text).encoded()
        guard let parsed = SSEParser.parse(hostile), parsed.count == 1 else { return "hostile fields split the frame" }
        if parsed[0].data != withoutCR(text) { return "hostile data altered" }
        return nil
    }

    static func withoutCR(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.append(contentsOf: text.unicodeScalars.lazy.filter { $0 != "\r" })
        return result
    }
}

/// A strict reading of the `text/event-stream` format, by bytes as browsers read it (lines
/// end in LF, CRLF or CR; one space after the colon is dropped). By Characters it would go
/// wrong: a space followed by a combining mark is one Character.
enum SSEParser {
    struct Frame { var id = ""; var event = ""; var data = "" }

    static func parse(_ bytes: [UInt8]) -> [Frame]? {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                lines.append(bytes[start..<index])
                if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                start = index + 1
            }
            index += 1
        }
        var frames: [Frame] = []
        var current = Frame()
        var dataLines: [String]?
        for line in lines {
            if line.isEmpty {
                if let dataLines {
                    current.data = dataLines.joined(separator: "\n")
                    frames.append(current)
                }
                current = Frame()
                dataLines = nil
                continue
            }
            if line.first == UInt8(ascii: ":") { continue }
            let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
            let name = String(decoding: line[..<colon], as: UTF8.self)
            var valueStart = colon < line.endIndex ? colon + 1 : colon
            if valueStart < line.endIndex, line[valueStart] == 0x20 { valueStart += 1 }
            let value = String(decoding: line[valueStart...], as: UTF8.self)
            switch name {
            case "id": current.id = value
            case "event": current.event = value
            case "data": dataLines = (dataLines ?? []) + [value]
            case "retry": break
            default: return nil
            }
        }
        return frames
    }
}
