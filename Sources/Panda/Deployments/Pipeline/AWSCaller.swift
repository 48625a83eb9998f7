import Foundation
import Tools

/// Runs aws commands for one connection and parses the JSON they print, inside a
/// deployment (counted against its stage) or outside one (the apps API).
struct AWSCaller: Sendable {
    let cli: AWSCLI
    let run: @Sendable (Command) async throws -> ProcessResult

    /// Runs the command `build` makes from this connection's CLI, e.g. `aws { $0.ecs.describeServices(…) }`.
    @discardableResult
    func callAsFunction(_ build: (AWSCLI) -> Command) async throws -> JSONValue {
        let command = build(cli)
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

    /// Like the plain call, but an error with one of `codes` answers `nil` (e.g. "not found").
    @discardableResult
    func callAsFunction(tolerating codes: Set<String>, _ build: (AWSCLI) -> Command) async throws -> JSONValue? {
        do {
            return try await self(build)
        } catch let failure as AWSCallFailure where failure.code.map(codes.contains) ?? false {
            return nil
        }
    }
}
