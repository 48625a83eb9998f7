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

/// A JSON document as one aws CLI argument (`--ip-permissions '[…]'`), keys sorted.
func awsJSONArgument(_ value: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
}

extension DeploymentContext {
    /// Runs `aws <service> <operation> …` with this deployment's credentials and parses the JSON it prints.
    @discardableResult
    func aws(_ service: String, _ operation: String, _ arguments: [String] = []) async throws -> JSONValue {
        let result = try await run(awsCLI.command(service, operation, arguments))
        guard result.succeeded else {
            throw AWSCallFailure(
                operation: "\(service) \(operation)",
                code: AWSCLI.errorCode(inStderr: result.stderr),
                reason: AWSCLI.errorReason(fromStderr: result.stderr))
        }
        let output = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !output.isEmpty else { return .null }
        return (try? JSONDecoder().decode(JSONValue.self, from: Data(output.utf8))) ?? .null
    }

    /// Like `aws`, but an error with one of `codes` answers `nil` (e.g. "not found").
    func aws(_ service: String, _ operation: String, _ arguments: [String] = [], tolerating codes: Set<String>) async throws -> JSONValue? {
        do {
            return try await aws(service, operation, arguments)
        } catch let failure as AWSCallFailure where failure.code.map(codes.contains) ?? false {
            return nil
        }
    }
}
