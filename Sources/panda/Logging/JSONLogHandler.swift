import Foundation
import Panda
import Logging
import Synchronization

/// One JSON object per line on stderr: `timestamp` (UTC, milliseconds), `level`, `label`,
/// `message`, then the metadata (a deployment's lines carry `deploymentId`).
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    /// Lines from many threads must not interleave.
    private static let output = Mutex(())

    init(label: String, level: Logger.Level) {
        self.label = label
        logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = event.metadata.map { metadata.merging($0) { _, new in new } } ?? metadata
        var text = "{\"timestamp\":\(Self.quoted(Self.timestamp())),\"level\":\(Self.quoted(event.level.rawValue))"
        text += ",\"label\":\(Self.quoted(label)),\"message\":\(Self.quoted(event.message.description))"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where !Self.reserved.contains(key) {
            text += ",\(Self.quoted(key)):\(Self.json(value))"
        }
        text += "}\n"
        let bytes = Data(text.utf8)
        Self.output.withLock { _ in FileHandle.standardError.write(bytes) }
    }

    private static let reserved: Set<String> = ["timestamp", "level", "label", "message"]

    private static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .stringConvertible(let convertible): quoted(convertible.description)
        case .array(let items): "[" + items.map(json).joined(separator: ",") + "]"
        case .dictionary(let fields):
            "{" + fields.sorted { $0.key < $1.key }.map { "\(quoted($0.key)):\(json($0.value))" }.joined(separator: ",") + "}"
        }
    }

    /// Strings are escaped exactly as response bodies and events are.
    private static func quoted(_ text: String) -> String { OrderedJSONEncoder.quoted(text) }

    /// `2026-11-29T15:04:05.123Z`.
    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = Int(now.tv_nsec / 1_000_000)
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
    }
}

enum LogSetup {
    /// Bootstraps swift-log from `log.format` and `log.level` (already validated by the loader).
    static func bootstrap(_ settings: PandaConfiguration.Log) {
        let level = Logger.Level(rawValue: settings.level) ?? .info
        if settings.format == "json" {
            LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        } else {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
