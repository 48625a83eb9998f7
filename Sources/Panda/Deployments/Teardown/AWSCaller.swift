import Foundation
import Tools

/// Runs aws CLI calls for one connection and parses their JSON, inside a deployment or
/// outside one (the apps API's listing and dry runs).
struct AWSCaller: Sendable {
    let cli: AWSCLI
    let run: @Sendable (Command) async throws -> ProcessResult

    @discardableResult
    func callAsFunction(_ service: String, _ operation: String, _ arguments: [String] = []) async throws -> JSONValue {
        let result = try await run(cli.command(service, operation, arguments))
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

    /// Like the plain call, but an error with one of `codes` answers `nil` (e.g. "not found").
    @discardableResult
    func callAsFunction(_ service: String, _ operation: String, _ arguments: [String] = [],
                        tolerating codes: Set<String>) async throws -> JSONValue? {
        do {
            return try await self(service, operation, arguments)
        } catch let failure as AWSCallFailure where failure.code.map(codes.contains) ?? false {
            return nil
        }
    }
}

extension DeploymentContext {
    /// This deployment's aws calls, counted against the current stage.
    var awsCaller: AWSCaller {
        AWSCaller(cli: awsCLI) { command in try await self.run(command) }
    }
}
