import CSQLite
import Foundation
import Synchronization

/// One SQLite connection, as thin as the C API allows: statements with bound values,
/// rows read by column. `@unchecked Sendable`: not thread-safe by itself, it is only used
/// inside a ``LockedDatabase``.
final class SQLiteDatabase: @unchecked Sendable {
    /// A value to bind or one read back.
    enum Value: Equatable {
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])
        case null

        static func integer(_ value: Int?) -> Value { value.map { .integer(Int64($0)) } ?? .null }
        static func text(_ value: String?) -> Value { value.map(Value.text) ?? .null }
        static func real(_ value: Double?) -> Value { value.map(Value.real) ?? .null }
    }

    typealias Row = [Value]

    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    init(path: String) throws(StorageError) {
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let reason = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(opened)
            throw StorageError("cannot open the database \(path): \(reason)")
        }
        handle = opened
        sqlite3_extended_result_codes(handle, 1)
        // A writer waits for another instance's lock rather than failing at once.
        sqlite3_busy_timeout(handle, 5000)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Runs SQL without results (schema, pragmas); several statements allowed.
    func execute(_ sql: String) throws(StorageError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else {
            throw StorageError(message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code)), sqliteCode: code)
        }
    }

    /// Runs one statement with `values` bound in order and returns every row.
    @discardableResult
    func query(_ sql: String, _ values: [Value] = []) throws(StorageError) -> [Row] {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (index, value) in values.enumerated() {
            try check(bind(value, at: Int32(index + 1), in: statement))
        }
        var rows: [Row] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { try check(code); break }
            rows.append((0..<sqlite3_column_count(statement)).map { column(at: $0, of: statement) })
        }
        return rows
    }

    /// Runs `body` in one transaction: all of it is stored, or none.
    func transaction<Result>(_ body: () throws(StorageError) -> Result) throws(StorageError) -> Result {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    var changes: Int { Int(sqlite3_changes(handle)) }

    private func prepared(_ sql: String) throws(StorageError) -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        try check(sqlite3_prepare_v2(handle, sql, -1, &statement, nil))
        guard let statement else { throw StorageError("empty statement") }
        statements[sql] = statement
        return statement
    }

    private func bind(_ value: Value, at index: Int32, in statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let number): sqlite3_bind_int64(statement, index, number)
        case .real(let number): sqlite3_bind_double(statement, index, number)
        case .text(let text): sqlite3_bind_text(statement, index, text, -1, panda_sqlite_transient())
        case .blob(let bytes):
            bytes.withUnsafeBytes { raw in
                sqlite3_bind_blob(statement, index, raw.baseAddress, Int32(raw.count), panda_sqlite_transient())
            }
        case .null: sqlite3_bind_null(statement, index)
        }
    }

    private func column(at index: Int32, of statement: OpaquePointer) -> Value {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(statement, index)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, index))
            guard count > 0, let bytes = sqlite3_column_blob(statement, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }

    private func check(_ code: Int32) throws(StorageError) {
        guard code != SQLITE_OK, code != SQLITE_DONE, code != SQLITE_ROW else { return }
        throw StorageError(String(cString: sqlite3_errmsg(handle)), sqliteCode: code)
    }
}

extension SQLiteDatabase.Value {
    var int: Int? { if case .integer(let value) = self { Int(value) } else { nil } }
    var double: Double? {
        switch self {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }
    var string: String? { if case .text(let value) = self { value } else { nil } }
    var bytes: [UInt8]? { if case .blob(let value) = self { value } else { nil } }
}

/// A connection used by one caller at a time.
final class LockedDatabase: Sendable {
    private let database: Mutex<SQLiteDatabase>

    init(_ database: SQLiteDatabase) {
        self.database = Mutex(database)
    }

    func use<Result>(_ body: (SQLiteDatabase) throws(StorageError) -> Result) throws(StorageError) -> Result {
        try database.withLock { database throws(StorageError) in try body(database) }
    }
}
