import Logging
import Synchronization

/// A swift-log handler that keeps every message with its metadata as text, to check what was logged.
public struct LogCapture: LogHandler {
    public final class Store: Sendable {
        private let lines = Mutex<[String]>([])
        public init() {}
        public var all: String { lines.withLock { $0.joined(separator: "\n") } }
        public var count: Int { lines.withLock { $0.count } }
        func append(_ line: String) { lines.withLock { $0.append(line) } }
    }

    public let store: Store
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init(store: Store) { self.store = store }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        store.append("\(event.level) [\(event.source)] \(event.message) \(merged)")
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// A logger at trace level whose every line lands in the returned store.
    public static func logger(label: String = "test") -> (Logger, Store) {
        let store = Store()
        var logger = Logger(label: label) { _ in LogCapture(store: store) }
        logger.logLevel = .trace
        return (logger, store)
    }
}
