/// Turns a deployment's events into what the CLI writes on stdout:
/// - `terminal`: one line per stage, redrawn in place as the stage moves on, then the outcome;
/// - `plain` (a pipe or a file): one tab-separated line per event, nothing but text;
/// - `json`: one JSON object per event and line: `{"id":…,"event":…,"data":…}`.
public struct ProgressPrinter: Sendable {
    public enum Mode: Sendable, Equatable {
        case terminal(columns: Int)
        case plain
        case json
    }

    public let mode: Mode
    private var currentStage: Int?
    private var lineOpen = false

    public init(mode: Mode) {
        self.mode = mode
    }

    /// Text to write for this event (may be empty).
    public mutating func render(_ event: DeploymentEvent) -> String {
        switch mode {
        case .json:
            let id = event.id.map(Self.jsonString) ?? "null"
            return "{\"id\":\(id),\"event\":\(Self.jsonString(event.kind)),\"data\":\(event.rawData)}\n"
        case .plain:
            return plainLine(event) + "\n"
        case .terminal(let columns):
            return terminalText(event, columns: columns)
        }
    }

    private func plainLine(_ event: DeploymentEvent) -> String {
        switch event.kind {
        case "stage":
            var line = "stage \(event.stage ?? 0)\t\(Self.oneLine(event.message))"
            if case .object(let details)? = event.data["details"] {
                for (key, value) in details.sorted(by: { $0.key < $1.key }) where key != "stage" {
                    switch value {
                    case .string(let text) where !text.contains("\n"): line += "\t\(key)=\(text)"
                    case .number, .bool: line += "\t\(key)=\(value.encodedLine())"
                    default: break
                    }
                }
            }
            return line
        case "error":
            var line = "error\t\(Self.oneLine(event.message))"
            if let code = event.data["errorCode"]?.string { line += "\terrorCode=\(code)" }
            if let stage = event.stage { line += "\tstage=\(stage)" }
            return line
        default:
            return "\(event.kind)\t\(Self.oneLine(event.message))"
        }
    }

    private mutating func terminalText(_ event: DeploymentEvent, columns: Int) -> String {
        var text = ""
        switch event.kind {
        case "stage":
            let stage = event.stage ?? 0
            if lineOpen, stage != currentStage { text += "\n" }  // keep the finished stage's last line
            let label = stage == 0 ? "[queue]" : "[\(stage)/6]"
            text += Self.clearLine + Self.fit("\(label) \(Self.oneLine(event.message))", columns: columns)
            currentStage = stage
            lineOpen = true
        default:
            if lineOpen { text += "\n" }
            lineOpen = false
            let mark = event.kind == "done" ? "✔" : "✘"
            var outcome = "\(mark) \(Self.oneLine(event.message))"
            if let code = event.data["errorCode"]?.string { outcome += " [\(code)]" }
            text += outcome + "\n"
        }
        return text
    }

    /// Whatever must follow the last event (a line left open by an interrupted stream).
    public mutating func finish() -> String {
        defer { lineOpen = false }
        return lineOpen ? "\n" : ""
    }

    /// A message with line breaks (a build's error output) as one line: one event, one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Carriage return, then erase the line: the stage's line is drawn again in place.
    static let clearLine = "\r\u{1B}[2K"

    /// Cut to the terminal's width (wide characters count two), so a redraw never wraps.
    static func fit(_ text: String, columns: Int) -> String {
        let limit = max(columns - 1, 10)
        var width = 0
        var fitted = ""
        for character in text {
            let characterWidth = character.unicodeScalars.contains(where: isWide) ? 2 : 1
            if width + characterWidth > limit {
                return fitted + "…"
            }
            width += characterWidth
            fitted.append(character)
        }
        return fitted
    }

    private static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1FAFF, 0x20000...0x3FFFD: true
        default: false
        }
    }

    static func jsonString(_ text: String) -> String {
        JSONValue.string(text).encodedLine()
    }
}
