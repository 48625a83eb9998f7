import Synchronization

/// Whether this instance should get traffic. Any part of Panda that can make it unfit
/// (shutting down, the store unable to write) says so here under its own name, and clears it
/// when fit again; `GET /ready` answers from this. Liveness (`/health`) does not look at it.
public final class Readiness: Sendable {
    private struct State {
        var reasons: [String: String] = [:]
        var rechecks: [String: @Sendable () -> Void] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// `component` keeps Panda from being ready because of `reason`; `nil` clears it.
    public func set(_ component: String, notReadyBecause reason: String?) {
        state.withLock { $0.reasons[component] = reason }
    }

    /// How `component` looks again while it keeps Panda unready. A probe's load balancer
    /// sends no traffic to an unready instance, so nothing else would find out it recovered.
    public func onRecheck(_ component: String, _ recheck: @escaping @Sendable () -> Void) {
        state.withLock { $0.rechecks[component] = recheck }
    }

    /// Runs the rechecks of the components that are unready now (before answering a probe).
    public func recheck() {
        let due = state.withLock { state in state.reasons.keys.compactMap { state.rechecks[$0] } }
        for recheck in due { recheck() }
    }

    /// Shutting down: finish what runs, take nothing new.
    public func markDraining() {
        set("shutdown", notReadyBecause: "draining")
    }

    /// Why Panda is not ready, one reason per component, sorted; empty when ready.
    public var notReadyReasons: [String] {
        state.withLock { $0.reasons.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" } }
    }

    public var isReady: Bool { state.withLock { $0.reasons.isEmpty } }
}
