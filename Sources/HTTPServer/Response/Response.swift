/// A complete answer: status, headers and either bytes or a live event stream.
public struct Response: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        case eventStream(EventStream)
    }

    public var status: Int
    public var headers: Headers
    public var body: Body

    public init(status: Int, headers: Headers = Headers(), body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.init(status: status, headers: ["Content-Type": contentType], body: .bytes(body))
    }

    public static func json(_ status: Int, _ body: [UInt8]) -> Response {
        Response(status: status, contentType: "application/json; charset=utf-8", body: body)
    }

    public static func noContent() -> Response {
        Response(status: 204)
    }

    /// A `text/event-stream` response with the headers proxies and browsers need to stream.
    public static func eventStream(_ stream: EventStream) -> Response {
        Response(
            status: 200,
            headers: [
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "Connection": "keep-alive",
                "X-Accel-Buffering": "no",
            ],
            body: .eventStream(stream)
        )
    }
}
