import Foundation

/// Runs blocking work (socket reads, waits on processes) on a thread of its own.
///
/// Swift's cooperative pool has one thread per core (two here); a test that blocks one in
/// `recv` starves the server's own tasks running in the same process.
public func offloaded<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result_.catching(body))
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

private typealias Result_ = Swift.Result
extension Swift.Result where Failure == any Error {
    fileprivate static func catching(_ body: () throws -> Success) -> Self {
        do { return .success(try body()) } catch { return .failure(error) }
    }
}
