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
    /// Runs one aws command built from this deployment's CLI (credentials, region, endpoint)
    /// and parses the JSON it prints, e.g. `try await context.aws { $0.ecs.describeServices(…) }`.
    @discardableResult
    func aws(_ build: (AWSCLI) -> Command) async throws -> JSONValue {
        let command = build(awsCLI)
        let result = try await run(command)
        guard result.succeeded else {
            throw AWSCallFailure(
                operation: command.arguments.prefix(2).joined(separator: " "),
                code: AWSCLI.errorCode(inStderr: result.stderr),
                reason: AWSCLI.errorReason(fromStderr: result.stderr))
        }
        let output = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !output.isEmpty else { return .null }
        return (try? JSONDecoder().decode(JSONValue.self, from: Data(output.utf8))) ?? .null
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
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(10))
            }
        }
    }

    /// Like `aws`, but an error with one of `codes` answers `nil` (e.g. "not found").
    func aws(tolerating codes: Set<String>, _ build: (AWSCLI) -> Command) async throws -> JSONValue? {
        do {
            return try await aws(build)
        } catch let failure as AWSCallFailure where failure.code.map(codes.contains) ?? false {
            return nil
        }
    }
}
