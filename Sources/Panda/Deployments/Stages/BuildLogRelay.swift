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
        let text = line.text.trimmingCharacters(in: .whitespaces)
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
        context.publish(message, details: [
            "lines": .array(pending.map(JSONValue.string)),
            "skippedLines": .integer(skipped),
        ])
        pending = []
        skipped = 0
    }

    func lastLines(_ count: Int) -> String {
        tail.suffix(count).joined(separator: "\n")
    }
}

import Foundation
