/// One event of a `text/event-stream`.
public struct ServerSentEvent: Sendable, Equatable {
    public var id: String?
    public var event: String
    /// The `data:` lines joined with newlines (Panda sends one line of JSON).
    public var data: String
}

/// Turns the bytes of a `text/event-stream` into events (WHATWG rules: `\n`, `\r\n` or `\r`
/// end lines, a blank line dispatches, `:` starts a comment). Bytes of an unfinished event
/// stay buffered, so a stream cut mid-event yields nothing of it.
public struct ServerSentEventParser: Sendable {
    private var buffer: [UInt8] = []
    private var lastWasCarriageReturn = false
    private var id: String?
    private var event = ""
    private var dataLines: [String] = []
    /// The latest `retry:` the server sent, in milliseconds.
    public private(set) var retryMilliseconds: Int?

    public init() {}

    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n"), lastWasCarriageReturn {
                lastWasCarriageReturn = false
                continue  // the second half of a CRLF
            }
            lastWasCarriageReturn = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if let event = endLine() { events.append(event) }
            } else {
                buffer.append(byte)
            }
        }
        return events
    }

    private mutating func endLine() -> ServerSentEvent? {
        let line = String(decoding: buffer, as: UTF8.self)
        buffer.removeAll(keepingCapacity: true)
        if line.isEmpty { return dispatch() }
        if line.hasPrefix(":") { return nil }
        let name: Substring, value: Substring
        if let colon = line.firstIndex(of: ":") {
            name = line[..<colon]
            var rest = line[line.index(after: colon)...]
            if rest.hasPrefix(" ") { rest = rest.dropFirst() }
            value = rest
        } else {
            name = Substring(line)
            value = ""
        }
        switch name {
        case "id" where !value.contains("\0"): id = String(value)
        case "event": event = String(value)
        case "data": dataLines.append(String(value))
        case "retry": if let milliseconds = Int(value) { retryMilliseconds = milliseconds }
        default: break
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            event = ""
            dataLines = []
        }
        guard !dataLines.isEmpty else { return nil }
        return ServerSentEvent(id: id, event: event.isEmpty ? "message" : event, data: dataLines.joined(separator: "\n"))
    }
}
