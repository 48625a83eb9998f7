/// One Server-Sent Events frame, encoded as the `text/event-stream` format requires.
public struct ServerSentEvent: Sendable, Equatable {
    public var id: String?
    public var event: String?
    public var data: String
    public var retryMilliseconds: Int?

    public init(id: String? = nil, event: String? = nil, data: String, retryMilliseconds: Int? = nil) {
        self.id = id
        self.event = event
        self.data = data
        self.retryMilliseconds = retryMilliseconds
    }

    public func encoded() -> [UInt8] {
        var text = ""
        if let id { text += "id: \(Self.singleLine(id))\n" }
        if let event { text += "event: \(Self.singleLine(event))\n" }
        if let retryMilliseconds { text += "retry: \(retryMilliseconds)\n" }
        // A newline inside data would end the field early: each line becomes its own `data:`.
        // By scalar, not Character: "\r\n" is one Character, equal to neither "\n" nor "\r".
        for line in data.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: "
            text.unicodeScalars.append(contentsOf: line.lazy.filter { $0 != "\r" })
            text += "\n"
        }
        text += "\n"
        return Array(text.utf8)
    }

    /// A comment frame: ignored by clients, useful as a greeting or keep-alive.
    public static func comment(_ text: String) -> [UInt8] {
        Array(": \(singleLine(text))\n\n".utf8)
    }

    private static func singleLine(_ text: String) -> String {
        var line = ""
        line.unicodeScalars.append(contentsOf: text.unicodeScalars.lazy.filter { $0 != "\n" && $0 != "\r" })
        return line
    }
}
