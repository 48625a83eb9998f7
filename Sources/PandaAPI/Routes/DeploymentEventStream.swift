import HTTPServer
import Metrics
import Panda

/// Bridges a deployment's event log to one SSE client: history first, then live events,
/// ending a few seconds after the terminal event (and after a maximum lifetime anyway).
enum DeploymentEventStream {
    static func open(_ deployment: Deployment, resumingAfter lastEventID: String?,
                     settings: PandaConfiguration.Events, openStreams: Meter) -> EventStream {
        let stream = EventStream(lifetime: .seconds(settings.maxStreamSeconds))
        openStreams.increment()
        stream.onClose { openStreams.decrement() }
        stream.sendComment("deployment \(deployment.id)")
        stream.send(bytes: Array("retry: \(settings.retryMilliseconds)\n\n".utf8))

        let closeAfterTerminal = Duration.seconds(settings.closeAfterTerminalSeconds)
        let resume: EventLog.Resume = lastEventID.map { .after($0) } ?? .fromStart
        let token = deployment.log.subscribe(resume) { event in
            stream.send(ServerSentEvent(id: event.id, event: event.kind.rawValue, data: event.data))
            if event.isTerminal { stream.finish(after: closeAfterTerminal) }
        }
        if let token {
            stream.onClose { [weak log = deployment.log] in log?.unsubscribe(token) }
        }
        return stream
    }
}
