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
                     settings: PandaConfiguration.Events, openStreams: Meter) -> EventStream {
        let log = deployment.log
        let resume: EventLog.Resume = lastEventID.map { .after($0) } ?? .fromStart
        let cursor = Mutex(log.cursor(for: resume))
        let closeAfterTerminal = Duration.seconds(settings.closeAfterTerminalSeconds)

        let stream = EventStream(lifetime: .seconds(settings.maxStreamSeconds)) { maxBytes in
            cursor.withLock { cursor in
                var pulled = EventStream.Pulled(bytes: [])
                for entry in log.events(after: cursor, limit: pageSize) {
                    let event = entry.event
                    pulled.bytes += ServerSentEvent(id: event.id, event: event.kind.rawValue, data: event.data).encoded()
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
