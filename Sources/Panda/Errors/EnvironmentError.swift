/// A problem of the machine Panda runs on, not of the request: a missing or broken tool.
/// Answered as 500 with this message (never a secret) and `exceptionClass`.
public struct EnvironmentError: PandaError, Equatable {
    public let message: String
    public var category: ErrorCategory { .unexpected }
    public var errorCode: ErrorCode? { .unexpectedError }

    public init(_ message: String) { self.message = message }
}
