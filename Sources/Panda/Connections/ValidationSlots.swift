import Synchronization

/// Caps the validations running at once: each holds a GitHub API request or an `aws`
/// process (a Python start-up, ~1 s of CPU), so an unbounded burst of connect calls
/// would exhaust the machine. Past the cap a caller is refused at once, not queued.
final class ValidationSlots: Sendable {
    let capacity: Int
    private let inUse = Mutex(0)
    /// What a refused client is told to wait; a validation takes about this long.
    static let retryAfterSeconds = 2

    init(capacity: Int) {
        self.capacity = capacity
    }

    func run<Value>(_ body: () async throws -> Value) async throws -> Value {
        let acquired = inUse.withLock { count in
            guard count < capacity else { return false }
            count += 1
            return true
        }
        guard acquired else {
            throw TooManyRequests(
                "Too many connection validations in progress (at most \(capacity) at once); retry shortly",
                retryAfterSeconds: Self.retryAfterSeconds)
        }
        defer { inUse.withLock { $0 -= 1 } }
        return try await body()
    }
}
