import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What one `GET …/events` request delivers as it arrives: the status first, then bytes.
enum StreamPart: Sendable {
    case status(Int)
    case bytes(Data)
}

/// URLSession hands a streaming body to a delegate chunk by chunk; this forwards the chunks.
private final class StreamingDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // Only the continuation (itself Sendable) is shared across threads.
    let continuation: AsyncThrowingStream<StreamPart, any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<StreamPart, any Error>.Continuation) {
        self.continuation = continuation
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        continuation.yield(.status((response as? HTTPURLResponse)?.statusCode ?? 0))
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        continuation.yield(.bytes(data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error { continuation.finish(throwing: error) } else { continuation.finish() }
        session.finishTasksAndInvalidate()  // the session holds this delegate until invalidated
    }
}

extension PandaServer {
    /// Opens `GET /api/v1/deploy/{id}/events`, resuming after `lastEventID` when given.
    func openEvents(of deploymentID: String, after lastEventID: String?) -> AsyncThrowingStream<StreamPart, any Error> {
        var headers = ["Accept": "text/event-stream", "Cache-Control": "no-cache"]
        if let lastEventID { headers["Last-Event-ID"] = lastEventID }
        let request = request("GET", "/api/v1/deploy/\(Self.pathSegment(deploymentID))/events", headers: headers)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: StreamPart.self)
        let session = URLSession(configuration: .ephemeral, delegate: StreamingDelegate(continuation), delegateQueue: nil)
        let task = session.dataTask(with: request)
        continuation.onTermination = { _ in task.cancel() }
        task.resume()
        return stream
    }

    /// An id as one path segment: anything outside unreserved characters is percent-encoded.
    public static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
