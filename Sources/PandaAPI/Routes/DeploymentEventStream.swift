import HTTPServer
import Metrics
import Panda
import Synchronization

/// Bridges a deployment's event log to one SSE client: history first, then live events,
/// ending a few seconds after the terminal event (and after a maximum lifetime anyway).
enum DeploymentEventStream {
    static func open(_ deployment: Deployment, resumingAfter lastEventID: String?,
                     settings: PandaConfiguration.Events, frames: EventFrames, openStreams: Meter) -> EventStream {
        let stream = EventStream(lifetime: .seconds(settings.maxStreamSeconds))
        openStreams.increment()
        stream.onClose { openStreams.decrement() }
        stream.sendComment("deployment \(deployment.id)")
        stream.send(bytes: Array("retry: \(settings.retryMilliseconds)\n\n".utf8))

        let closeAfterTerminal = Duration.seconds(settings.closeAfterTerminalSeconds)
        let resume: EventLog.Resume = lastEventID.map { .after($0) } ?? .fromStart
        let token = deployment.log.subscribe(resume) { event in
            stream.send(bytes: frames.frame(for: event))
            if event.isTerminal { stream.finish(after: closeAfterTerminal) }
        }
        if let token {
            stream.onClose { [weak log = deployment.log] in log?.unsubscribe(token) }
        }
        return stream
    }
}

/// SSE frames of recent events, encoded once however many streams send them: a
/// deployment watched by thousands of dashboards encodes each event once, not per stream.
final class EventFrames: Sendable {
    private let frames = Mutex<[String: [UInt8]]>([:])
    /// Frames are wanted while an event is being fanned out or replayed; past this many, start over.
    private let limit = 1024

    func frame(for event: DeploymentEvent) -> [UInt8] {
        if let frame = frames.withLock({ $0[event.id] }) { return frame }
        let frame = ServerSentEvent(id: event.id, event: event.kind.rawValue, data: event.data).encoded()
        frames.withLock { frames in
            if frames.count >= limit { frames.removeAll(keepingCapacity: true) }
            frames[event.id] = frame
        }
        return frame
    }
}
