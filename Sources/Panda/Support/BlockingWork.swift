import Dispatch

/// Runs blocking filesystem work (walking a checkout, removing a workspace) on a Dispatch
/// thread instead of Swift's cooperative pool. That pool has one thread per core; a walk
/// that blocks one of them stalls every request and deployment task meanwhile.
enum BlockingWork {
    private static let queue = DispatchQueue(label: "panda.blocking-work", qos: .utility, attributes: .concurrent)

    static func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}
