import Synchronization

/// Whether this instance should get traffic. Any part of Panda that can make it unfit
/// (shutting down, the store unreachable) says so here under its own name, and clears it
/// when fit again; `GET /ready` answers from this. Liveness (`/health`) does not look at it.
public final class Readiness: Sendable {
    private let reasons = Mutex<[String: String]>([:])

    public init() {}

    /// `component` keeps Panda from being ready because of `reason`; `nil` clears it.
    public func set(_ component: String, notReadyBecause reason: String?) {
        reasons.withLock { $0[component] = reason }
    }

    /// Shutting down: finish what runs, take nothing new.
    public func markDraining() {
        set("shutdown", notReadyBecause: "draining")
    }

    /// Why Panda is not ready, one reason per component, sorted; empty when ready.
    public var notReadyReasons: [String] {
        reasons.withLock { $0.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" } }
    }

    public var isReady: Bool { reasons.withLock { $0.isEmpty } }
}
