import HTTPServer
import Metrics
import Panda
import Synchronization

/// Bridges a deployment's event log to one SSE client: the stream pulls the history page
/// by page from the log (memory for recent events, the store for older ones) as the client
/// reads it, then live events as the log wakes it; it ends a few seconds after the
/// terminal event (and after a maximum lifetime anyway). Nothing is copied per client
/// beyond one page, so a history of any length can be delivered.
enum DeploymentEventStream {
    /// Events per pull: a page is at most this many frames.
    static let pageSize = 64

    static func open(_ deployment: Deployment, resumingAfter lastEventID: String?,
                     settings: PandaConfiguration.Events, frames: EventFrames, openStreams: Meter) -> EventStream {
        let log = deployment.log
        let resume: EventLog.Resume = lastEventID.map { .after($0) } ?? .fromStart
        let cursor = Mutex(log.cursor(for: resume))
        let closeAfterTerminal = Duration.seconds(settings.closeAfterTerminalSeconds)

        let stream = EventStream(lifetime: .seconds(settings.maxStreamSeconds)) { maxBytes in
            cursor.withLock { cursor in
                var pulled = EventStream.Pulled(bytes: [])
                for entry in log.events(after: cursor, limit: pageSize) {
                    let event = entry.event
                    pulled.bytes += frames.frame(for: event)
                    cursor = entry.sequence
                    if event.isTerminal {
                        pulled.finishAfter = closeAfterTerminal
                        break
                    }
                    if pulled.bytes.count >= maxBytes { break }
                }
                return pulled
            }
        }
        openStreams.increment()
        stream.onClose { openStreams.decrement() }
        stream.sendComment("deployment \(deployment.id)")
        stream.send(bytes: Array("retry: \(settings.retryMilliseconds)\n\n".utf8))
        if let token = log.watch({ [weak stream] in stream?.wake() }) {
            stream.onClose { log.unwatch(token) }
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
