import Synchronization

/// Any number of streams sharing one source: a broadcast reaches every open member,
/// and members leave by themselves when their connection closes.
public final class EventStreamGroup: Sendable {
    private let members = Mutex<[ObjectIdentifier: EventStream]>([:])

    public init() {}

    public func add(_ stream: EventStream) {
        let id = ObjectIdentifier(stream)
        members.withLock { $0[id] = stream }
        stream.onClose { [weak self] in
            _ = self?.members.withLock { $0.removeValue(forKey: id) }
        }
    }

    public var count: Int { members.withLock { $0.count } }

    public func broadcast(_ event: ServerSentEvent) {
        broadcast(bytes: event.encoded())
    }

    public func broadcast(bytes: [UInt8]) {
        for stream in snapshot() { stream.send(bytes: bytes) }
    }

    public func finishAll() {
        for stream in snapshot() { stream.finish() }
    }

    func snapshot() -> [EventStream] {
        members.withLock { Array($0.values) }
    }
}
