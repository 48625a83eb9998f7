/// Why a client command could not do what it was asked; each maps to the CLI's exit code.
public enum ClientError: Error, Sendable, CustomStringConvertible {
    /// No answer from the server (refused, timed out, dropped too often).
    case transport(String)
    /// The server refused the request (bad input, API key, …): its status and message.
    case refused(status: Int, message: String)
    /// An unknown or evicted deployment id.
    case notFound(String)
    /// An answer the client cannot read.
    case unreadable(String)
    /// Bad input on the command line or stdin, found before asking the server.
    case usage(String)

    public var description: String {
        switch self {
        case .transport(let reason): "cannot reach the Panda server: \(reason)"
        case .refused(let status, let message): "the server answered \(status): \(message)"
        case .notFound(let message): message
        case .unreadable(let reason): "unreadable answer from the server: \(reason)"
        case .usage(let message): message
        }
    }
}
