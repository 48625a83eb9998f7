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

    /// Like `aws`, but an error with one of `codes` answers `nil` (e.g. "not found").
    func aws(tolerating codes: Set<String>, _ build: (AWSCLI) -> Command) async throws -> JSONValue? {
        do {
            return try await aws(build)
        } catch let failure as AWSCallFailure where failure.code.map(codes.contains) ?? false {
            return nil
        }
    }
}
