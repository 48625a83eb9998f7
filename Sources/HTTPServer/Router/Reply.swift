/// What a handler gives back: an answer now (on the server thread), or work to run
/// off that thread, after which the answer is sent.
public enum Reply: Sendable {
    case now(Response)
    case later(@Sendable () async -> Response)
}

public typealias Handler = @Sendable (Request) -> Reply
