import CSQLite

/// The store could not read or write (directory not writable, disk full, a broken file).
/// Writes answer 503 with `Retry-After`: what is already stored stays as it was.
public struct StorageError: PandaError, Equatable, CustomStringConvertible {
    public let reason: String
    /// SQLite's extended result code, when SQLite said it.
    public let sqliteCode: Int32?

    public init(_ reason: String, sqliteCode: Int32? = nil) {
        self.reason = reason
        self.sqliteCode = sqliteCode
    }

    public var category: ErrorCategory { .unavailable }
    public var retryAfterSeconds: Int? { 30 }
    public var message: String {
        isDiskFull ? "Storage unavailable: the disk is full" : "Storage unavailable: \(reason)"
    }
    public var description: String { message }

    public var isDiskFull: Bool { sqliteCode.map { $0 & 0xff == SQLITE_FULL } ?? false }
}
