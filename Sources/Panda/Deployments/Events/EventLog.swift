import Logging
import Synchronization

/// A deployment's append-only, ordered event log: every event goes to the store first,
/// then to live subscribers. Only the newest events stay in memory; readers page older
/// ones from the store by sequence number, so a history of any length can be replayed.
///
/// Two ways to follow a log: ``watch(_:)`` wakes a reader that then pulls
/// ``events(after:limit:)`` by cursor (what SSE streams do: nothing is buffered per
/// client), and ``subscribe(_:_:)`` pushes history and live events to a callback under
/// the log's lock, in one order (for in-process followers; they must be quick).
public final class EventLog: Sendable {
    public typealias Subscriber = @Sendable (DeploymentEvent) -> Void
    public typealias Waker = @Sendable () -> Void

    /// What a subscriber asked to resume after, relative to the log.
    public enum Resume: Sendable, Equatable {
        /// Replay everything (no `Last-Event-ID`, or one this log does not know).
        case fromStart
        /// Replay what came after the given event.
        case after(String)
    }

    /// How much tool output one deployment may keep; SPEC events are always kept.
    public struct Limits: Sendable, Equatable {
        public var maxOutputBytes: Int
        public var recentEvents: Int

        public init(maxOutputBytes: Int = 4 * 1024 * 1024, recentEvents: Int = 256) {
            self.maxOutputBytes = maxOutputBytes
            self.recentEvents = recentEvents
        }
    }

    private struct State {
        var recent: [SequencedEvent] = []
        var count = 0
        var last: DeploymentEvent?
        var subscribers: [Int: Subscriber] = [:]
        var wakers: [Int: Waker] = [:]
        var nextToken = 0
        var outputBytes = 0
        var droppedOutput = (events: 0, bytes: 0)
    }

    public let deploymentID: String
    private let store: any Store
    private let limits: Limits
    private let state: Mutex<State>
    private static let logger = Logger(label: "panda.storage")

    public init(deploymentID: String, store: any Store, limits: Limits = Limits()) {
        self.deploymentID = deploymentID
        self.store = store
        self.limits = limits
        state = Mutex(State())
    }

    /// A log that was stored before: `count` events, the newest being `last`.
    convenience init(restoring deploymentID: String, store: any Store, limits: Limits, count: Int, last: SequencedEvent?) {
        self.init(deploymentID: deploymentID, store: store, limits: limits)
        state.withLock { state in
            state.count = count
            state.last = last?.event
            state.recent = last.map { [$0] } ?? []
        }
    }

    /// Appends an event (ignored once the log has ended). `isOutput` marks tool output,
    /// which is dropped past the deployment's output limit, with a notice saying so.
    public func append(_ event: DeploymentEvent, isOutput: Bool = false) {
        let wakers = state.withLock { state -> [Waker] in
            guard !(state.last?.isTerminal ?? false) else { return [] }
            let size = event.data.utf8.count
            if isOutput, state.outputBytes + size > limits.maxOutputBytes {
                if state.droppedOutput.events == 0 {
                    appendLocked(.stage(
                        "[Log] Tool output past \(limits.maxOutputBytes) bytes is dropped for this deployment",
                        stage: Self.stage(of: event), details: ["maxOutputBytes": .integer(limits.maxOutputBytes)]), &state)
                }
                state.droppedOutput.events += 1
                state.droppedOutput.bytes += size
                return Array(state.wakers.values)
            }
            if isOutput { state.outputBytes += size }
            if event.isTerminal, state.droppedOutput.events > 0 {
                appendLocked(.stage(
                    "[Log] \(state.droppedOutput.events) output events (\(state.droppedOutput.bytes) bytes) were dropped",
                    stage: state.last.map(Self.stage(of:)) ?? 0,
                    details: ["droppedEvents": .integer(state.droppedOutput.events),
                              "droppedBytes": .integer(state.droppedOutput.bytes)]), &state)
            }
            appendLocked(event, &state)
            return Array(state.wakers.values)
        }
        for wake in wakers { wake() }
    }

    private func appendLocked(_ event: DeploymentEvent, _ state: inout State) {
        let sequence = state.count + 1
        do {
            try store.appendEvent(event, sequence: sequence, deploymentID: deploymentID)
        } catch {
            // Live followers still get it; a later replay may miss it. The deployment goes on.
            Self.logger.error("event not stored", metadata: ["deploymentId": "\(deploymentID)", "error": "\(error.message)"])
        }
        state.count = sequence
        state.last = event
        state.recent.append(SequencedEvent(sequence: sequence, event: event))
        if state.recent.count > limits.recentEvents { state.recent.removeFirst(state.recent.count - limits.recentEvents) }
        for subscriber in state.subscribers.values { subscriber(event) }
    }

    private static func stage(of event: DeploymentEvent) -> Int {
        guard let range = event.data.range(of: #""stage":"#) else { return 0 }
        return Int(event.data[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }

    public var count: Int { state.withLock { $0.count } }
    /// True once the terminal event is in: nothing is appended after it.
    public var hasEnded: Bool { state.withLock { $0.last?.isTerminal ?? false } }
    public var subscriberCount: Int { state.withLock { $0.subscribers.count + $0.wakers.count } }

    /// Every event, read from the store (tests and tools; streams page with ``events(after:limit:)``).
    public var events: [DeploymentEvent] {
        var all: [DeploymentEvent] = []
        var cursor = 0
        while true {
            let page = events(after: cursor, limit: 1000)
            guard let last = page.last else { return all }
            all += page.map(\.event)
            cursor = last.sequence
        }
    }

    /// Up to `limit` events after sequence number `sequence` (0: from the start), from
    /// memory when they are recent, else from the store.
    public func events(after sequence: Int, limit: Int) -> [SequencedEvent] {
        let recent = state.withLock { state -> [SequencedEvent]? in
            guard let first = state.recent.first, sequence >= first.sequence - 1 else {
                return state.count == 0 ? [] : nil
            }
            // Recent events have consecutive sequence numbers: the reader's place is an index,
            // found without a scan (every woken stream asks this on every event).
            let start = min(sequence - first.sequence + 1, state.recent.count)
            return Array(state.recent[start..<min(start + limit, state.recent.count)])
        }
        if let recent { return recent }
        do {
            return try store.events(of: deploymentID, after: sequence, limit: limit)
        } catch {
            Self.logger.error("events not read", metadata: ["deploymentId": "\(deploymentID)", "error": "\(error.message)"])
            return []
        }
    }

    /// The sequence number to resume after: that of `resume`'s event, or 0 (from the start)
    /// when the log does not know it.
    public func cursor(for resume: Resume) -> Int {
        guard case .after(let id) = resume else { return 0 }
        if let found = state.withLock({ $0.recent.first { $0.event.id == id } }) { return found.sequence }
        return (try? store.sequence(ofEvent: id, in: deploymentID)) ?? 0
    }

    /// True when `lastEventID` names the terminal event: the client has everything.
    public func hasDelivered(allUpTo lastEventID: String) -> Bool {
        state.withLock { state in
            guard let last = state.last, last.isTerminal else { return false }
            return last.id == lastEventID
        }
    }

    /// Calls `wake` (outside the log's lock) after every append until the log ends.
    /// Returns a token for `unwatch`, or `nil` when the log has already ended.
    public func watch(_ wake: @escaping Waker) -> Int? {
        state.withLock { state in
            if state.last?.isTerminal ?? false { return nil }
            let token = state.nextToken
            state.nextToken += 1
            state.wakers[token] = wake
            return token
        }
    }

    public func unwatch(_ token: Int) {
        _ = state.withLock { $0.wakers.removeValue(forKey: token) }
    }

    /// Delivers the history after `resume`, then every live event, to `subscriber`.
    /// Returns a token for `unsubscribe`, or `nil` when the log had already ended
    /// (the history was still delivered).
    @discardableResult
    public func subscribe(_ resume: Resume = .fromStart, _ subscriber: @escaping Subscriber) -> Int? {
        let start = cursor(for: resume)
        return state.withLock { state in
            var cursor = start
            // Appends wait for this lock, so the store holds every event up to `count`.
            while cursor < state.count {
                let page = (try? store.events(of: deploymentID, after: cursor, limit: 1000)) ?? []
                let fromMemory = page.isEmpty ? state.recent.filter { $0.sequence > cursor } : page
                guard let last = fromMemory.last else { break }
                for entry in fromMemory { subscriber(entry.event) }
                cursor = last.sequence
            }
            if state.last?.isTerminal ?? false { return nil }
            let token = state.nextToken
            state.nextToken += 1
            state.subscribers[token] = subscriber
            return token
        }
    }

    public func unsubscribe(_ token: Int) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: token) }
    }

    /// Drops followers once the log has ended; they have had the terminal event.
    func closeSubscriptions() {
        state.withLock { state in
            state.subscribers.removeAll()
            state.wakers.removeAll()
        }
    }
}
