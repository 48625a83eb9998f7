/// What kind of failure an error is; the API layer turns each into a status and label once.
public enum ErrorCategory: Sendable, Equatable {
    /// Malformed or missing input, named by field.
    case invalidRequest
    /// A deployment-side refusal or failure the client can act on (unknown id, validation failed, queue full).
    case deploymentError
    case unauthorized
    /// The request is valid but clashes with what is going on (e.g. the application is busy).
    case conflict
    /// A limit on concurrent work was reached; the client should retry after `retryAfterSeconds`.
    case tooManyRequests
    /// Known but not built yet; answered honestly instead of pretending.
    case notImplemented
    /// A bug or an environment problem (e.g. a missing executable).
    case unexpected
    /// Panda cannot take this now (storage failing, shutting down); retry later.
    case unavailable
}

/// The SPEC's `errorCode` values.
public enum ErrorCode: String, Sendable, Codable, CaseIterable {
    case deploymentTimeout = "DEPLOYMENT_TIMEOUT"
    case dockerBuildFailed = "DOCKER_BUILD_FAILED"
    case ecrPushFailed = "ECR_PUSH_FAILED"
    case ecsDeploymentFailed = "ECS_DEPLOYMENT_FAILED"
    case healthCheckFailed = "HEALTH_CHECK_FAILED"
    case deploymentQueueFull = "DEPLOYMENT_QUEUE_FULL"
    case deploymentCancelled = "DEPLOYMENT_CANCELLED"
    /// Panda stopped while the deployment ran; found at the next start.
    case deploymentInterrupted = "DEPLOYMENT_INTERRUPTED"
    case unexpectedError = "UNEXPECTED_ERROR"
    case awsCredentialsInvalid = "AWS_CREDENTIALS_INVALID"
    case appBusy = "APP_BUSY"
    case teardownFailed = "TEARDOWN_FAILED"
}

/// A domain error that states, once, what it means to a client.
public protocol PandaError: Error, Sendable {
    var category: ErrorCategory { get }
    /// Safe to show: never a secret, never a stack trace.
    var message: String { get }
    var errorCode: ErrorCode? { get }
    /// Seconds a client should wait before retrying, when that applies.
    var retryAfterSeconds: Int? { get }
}

extension PandaError {
    public var errorCode: ErrorCode? { nil }
    public var retryAfterSeconds: Int? { nil }
}

/// Input that does not meet the contract; the message names the field.
public struct InvalidRequest: PandaError, Equatable {
    public let message: String
    public var category: ErrorCategory { .invalidRequest }

    public init(_ message: String) { self.message = message }

    public static func missingField(_ name: String) -> InvalidRequest {
        InvalidRequest("Missing required field: \(name)")
    }

    public static func invalidField(_ name: String, _ reason: String) -> InvalidRequest {
        InvalidRequest("Invalid field '\(name)': \(reason)")
    }
}

/// A refusal in the SPEC's `Deployment Error` family, with its exact message.
public struct DeploymentError: PandaError, Equatable {
    public let message: String
    public let errorCode: ErrorCode?
    public let retryAfterSeconds: Int?
    public var category: ErrorCategory { .deploymentError }

    public init(_ message: String, errorCode: ErrorCode? = nil, retryAfterSeconds: Int? = nil) {
        self.message = message
        self.errorCode = errorCode
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// Too much of some work is in progress at once; answered 429 with `Retry-After`.
public struct TooManyRequests: PandaError, Equatable {
    public let message: String
    public let retryAfterSeconds: Int?
    public var category: ErrorCategory { .tooManyRequests }

    public init(_ message: String, retryAfterSeconds: Int) {
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// A capability whose work belongs to a later milestone.
public struct NotImplemented: PandaError, Equatable {
    public let message: String
    public var category: ErrorCategory { .notImplemented }

    public init(_ feature: String) { message = "\(feature) is not implemented yet" }
}

/// A request that cannot be served now because of what is going on (409 `Conflict`).
public struct ConflictError: PandaError, Equatable {
    public let message: String
    public let errorCode: ErrorCode?
    public var category: ErrorCategory { .conflict }

    public init(_ message: String, errorCode: ErrorCode? = nil) {
        self.message = message
        self.errorCode = errorCode
    }
}
