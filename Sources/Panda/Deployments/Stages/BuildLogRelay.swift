import Tools

/// Passes a tool's output on to the event log without flooding it: at most one event a
/// second carrying up to `linesPerEvent` of the newest lines; the last lines always go out.
final class BuildLogRelay {
    private let context: DeploymentContext
    private let message: StageMessage
    private let linesPerEvent: Int
    private let interval: Duration
    private var pending: [String] = []
    private var skipped = 0
    private var lastFlush = ContinuousClock.now
    /// The newest lines, for the error message when the tool fails.
    private(set) var tail: [String] = []

    init(context: DeploymentContext, message: StageMessage, linesPerEvent: Int = 5, interval: Duration = .seconds(1)) {
        self.context = context
        self.message = message
        self.linesPerEvent = linesPerEvent
        self.interval = interval
    }

    func receive(_ line: OutputLine) {
        let text = Self.bounded(line.text.trimmingCharacters(in: .whitespaces), maxBytes: context.configuration.events.maxLineBytes)
        guard !text.isEmpty else { return }
        tail.append(text)
        if tail.count > 20 { tail.removeFirst(tail.count - 20) }
        pending.append(text)
        if pending.count > linesPerEvent {
            skipped += pending.count - linesPerEvent
            pending.removeFirst(pending.count - linesPerEvent)
        }
        if ContinuousClock.now - lastFlush >= interval { flush() }
    }

    func flush() {
        lastFlush = .now
        guard !pending.isEmpty else { return }
        context.publishOutput(message, details: [
            "lines": .array(pending.map(JSONValue.string)),
            "skippedLines": .integer(skipped),
        ])
        pending = []
        skipped = 0
    }

    /// A line cut to `maxBytes` (on a character boundary) with a marker saying how much went.
    static func bounded(_ text: String, maxBytes: Int) -> String {
        let size = text.utf8.count
        guard size > maxBytes else { return text }
        var kept = ""
        var keptBytes = 0
        for character in text {
            let width = character.utf8.count
            if keptBytes + width > maxBytes { break }
            kept.append(character)
            keptBytes += width
        }
        return kept + " …[truncated \(size - keptBytes) bytes]"
    }

    func lastLines(_ count: Int) -> String {
        tail.suffix(count).joined(separator: "\n")
    }
}

import Foundation
