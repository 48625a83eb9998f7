import Foundation

/// One event of a deployment's stream, as the CLI prints it.
public struct DeploymentEvent: Sendable {
    public let id: String?
    /// `stage`, `done` or `error`.
    public let kind: String
    /// The `data:` line as the server sent it (one line of JSON).
    public let rawData: String
    public let data: JSONValue

    public init(id: String?, kind: String, rawData: String, data: JSONValue) {
        self.id = id
        self.kind = kind
        self.rawData = rawData
        self.data = data
    }

    public var isTerminal: Bool { kind == "done" || kind == "error" }
    public var stage: Int? { data["details"]?["stage"]?.int ?? data["stage"]?.int }
    public var message: String { data["message"]?.string ?? rawData }
}

/// How following a deployment ended.
public enum FollowOutcome: Sendable, Equatable {
    case completed
    case failed
    /// The server answered 204: everything was delivered before; ask the result.
    case alreadyDelivered
}

/// Follows a deployment's events to its terminal event, reconnecting with `Last-Event-ID`
/// whenever the stream ends or drops early, so nothing is missed and nothing repeats.
public struct DeploymentFollower: Sendable {
    public let server: PandaServer
    /// Consecutive failed connections tolerated before giving up.
    public var maxConsecutiveFailures = 8

    public init(server: PandaServer) {
        self.server = server
    }

    public func follow(_ deploymentID: String,
                       onEvent: (DeploymentEvent) async -> Void) async throws(ClientError) -> FollowOutcome {
        var lastEventID: String?
        var retry = Duration.seconds(1)
        var failures = 0
        while true {
            var parser = ServerSentEventParser()
            do {
                var status = 0
                var errorBody = Data()
                for try await part in server.openEvents(of: deploymentID, after: lastEventID) {
                    switch part {
                    case .status(let code):
                        status = code
                        if code == 204 { return .alreadyDelivered }
                    case .bytes(let bytes) where status != 200:
                        errorBody.append(bytes)
                    case .bytes(let bytes):
                        for frame in parser.feed(bytes) {
                            failures = 0
                            if let id = frame.id { lastEventID = id }
                            let event = DeploymentEvent(id: frame.id, kind: frame.event, rawData: frame.data,
                                                        data: JSONValue.decode(Data(frame.data.utf8)) ?? .string(frame.data))
                            await onEvent(event)
                            if event.isTerminal { return event.kind == "done" ? .completed : .failed }
                        }
                        if let milliseconds = parser.retryMilliseconds { retry = .milliseconds(milliseconds) }
                    }
                }
                if status != 200 {
                    throw PandaServer.failure(status: status, json: JSONValue.decode(errorBody))
                }
                // The server ended the stream before the terminal event (its lifetime cap): resume.
            } catch let error as ClientError {
                throw error
            } catch {
                failures += 1
                if failures > maxConsecutiveFailures {
                    throw .transport("the event stream failed \(failures) times in a row: \(error.localizedDescription)")
                }
            }
            try? await Task.sleep(for: retry)
        }
    }
}
