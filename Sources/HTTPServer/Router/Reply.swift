/// What a handler gives back: an answer now (on the server thread), an answer built
/// once and kept, or work to run off that thread, after which the answer is sent.
public enum Reply: Sendable {
    case now(Response)
    case prepared(PreparedResponse)
    case later(@Sendable () async -> Response)
}

public typealias Handler = @Sendable (Request) -> Reply
