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

    /// Like `aws`, but an error with one of `codes` answers `nil` (e.g. "not found").
    @discardableResult
    func aws(tolerating codes: Set<String>, _ build: (AWSCLI) -> Command) async throws -> JSONValue? {
        try await awsCaller(tolerating: codes, build)
    }
}
