import Foundation
import Tools

/// An aws CLI failure with AWS's error code and its own reason. In a stage it fails the
/// stage with the stage's error code.
public struct AWSCallFailure: PandaError, CustomStringConvertible {
    public let operation: String
    public let code: String?
    public let reason: String

    public var category: ErrorCategory { .deploymentError }
    public var message: String { "\(operation) failed: \(reason)" }
    public var description: String { message }

    /// Worth another try later: throttling, a passing AWS fault, an endpoint that did not answer.
    /// (The aws CLI has already retried it `AWS_MAX_ATTEMPTS` times.)
    public var isTransient: Bool {
        if let code { return Self.transientCodes.contains(code) }
        return reason == "Connection timeout"
    }

    static let transientCodes: Set<String> = [
        "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled",
        "ServiceUnavailable", "ServiceUnavailableException", "InternalError", "InternalFailure", "ServerException",
    ]
}

extension DeploymentContext {
    /// This deployment's aws calls, counted against the current stage.
    var awsCaller: AWSCaller {
        AWSCaller(cli: awsCLI) { command in try await self.run(command) }
    }

    /// Runs one aws command built from this deployment's CLI (credentials, region, endpoint)
    /// and parses the JSON it prints, e.g. `try await context.aws { $0.ecs.describeServices(…) }`.
    @discardableResult
    func aws(_ build: (AWSCLI) -> Command) async throws -> JSONValue {
        try await awsCaller(build)
    }

    /// Like `aws`, but while AWS answers an IAM propagation error (`when`), waits and tries again,
    /// with backoff, for at most `aws.iamPropagationSeconds`, saying what it waits for.
    @discardableResult
    func awsWaitingForIAM(_ what: String, when isPropagation: (AWSCallFailure) -> Bool,
                          _ build: (AWSCLI) -> Command) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(configuration.aws.iamPropagationSeconds)
        var pause = Duration.seconds(1)
        while true {
            do {
                return try await aws(build)
            } catch let failure as AWSCallFailure where isPropagation(failure) && ContinuousClock.now + pause < deadline {
                publish("[Stage \(stageNumber)] Waiting for IAM: \(what) is not usable yet", details: [
                    "reason": .string(failure.reason), "retryInSeconds": .integer(Int(pause.components.seconds)),
                ])
                try await self.pause(for: pause)
                pause = min(pause * 2, .seconds(10))
            }
        }
    }

    /// Like `aws`, but an error with one of `codes` answers `nil` (e.g. "not found").
    @discardableResult
    func aws(tolerating codes: Set<String>, _ build: (AWSCLI) -> Command) async throws -> JSONValue? {
        try await awsCaller(tolerating: codes, build)
    }
}
