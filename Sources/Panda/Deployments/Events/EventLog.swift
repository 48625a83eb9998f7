import Synchronization

/// A deployment's append-only, ordered event log with live subscribers.
///
/// Delivery happens under the log's lock so that every subscriber sees history and live
/// events in one order, with nothing lost or repeated between the two. Subscribers must
/// therefore be quick and non-blocking (an SSE stream only appends to its buffer), and
/// publishing never waits on a client.
public final class EventLog: Sendable {
    public typealias Subscriber = @Sendable (DeploymentEvent) -> Void

    /// What a subscriber asked to resume after, relative to the log.
    public enum Resume: Sendable, Equatable {
        /// Replay everything (no `Last-Event-ID`, or one this log does not know).
        case fromStart
        /// Replay what came after the given event.
        case after(String)
    }

    private struct State {
        var events: [DeploymentEvent] = []
        var subscribers: [Int: Subscriber] = [:]
        var nextToken = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func append(_ event: DeploymentEvent) {
        state.withLock { state in
            guard !(state.events.last?.isTerminal ?? false) else { return }
            state.events.append(event)
            for subscriber in state.subscribers.values { subscriber(event) }
        }
    }

    public var count: Int { state.withLock { $0.events.count } }
    public var events: [DeploymentEvent] { state.withLock { $0.events } }
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }
    /// True once the terminal event is in: nothing is appended after it.
    public var hasEnded: Bool { state.withLock { $0.events.last?.isTerminal ?? false } }

    /// True when `lastEventID` names the terminal event: the client has everything.
    public func hasDelivered(allUpTo lastEventID: String) -> Bool {
        state.withLock { state in
            guard let last = state.events.last, last.isTerminal else { return false }
            return last.id == lastEventID
        }
    }

    /// Delivers the history after `resume`, then every live event, to `subscriber`.
    /// Returns a token for `unsubscribe`, or `nil` when the log had already ended
    /// (the history was still delivered).
    @discardableResult
    public func subscribe(_ resume: Resume = .fromStart, _ subscriber: @escaping Subscriber) -> Int? {
        state.withLock { state in
            var start = 0
            if case .after(let id) = resume, let index = state.events.firstIndex(where: { $0.id == id }) {
                start = index + 1
            }
            for event in state.events[start...] { subscriber(event) }
            if state.events.last?.isTerminal ?? false { return nil }
            let token = state.nextToken
            state.nextToken += 1
            state.subscribers[token] = subscriber
            return token
        }
    }

    public func unsubscribe(_ token: Int) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: token) }
    }

    /// Drops subscribers once the log has ended; they have had the terminal event.
    func closeSubscriptions() {
        state.withLock { $0.subscribers.removeAll() }
    }
}
