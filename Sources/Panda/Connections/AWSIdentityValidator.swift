import Foundation
import Logging
import Tools

/// Who a set of credentials belongs to, from STS GetCallerIdentity.
public struct AWSCallerIdentity: Sendable, Equatable {
    public let accountId: String
    public let arn: String
    public let userId: String
}

/// Runs `aws sts get-caller-identity` and turns its outcome into an identity or the contract's
/// `AWS credentials validation failed: …` error.
struct AWSIdentityValidator: Sendable {
    let runner: ProcessRunner
    let endpointURL: String
    let executable: String
    let timeout: Duration

    static func failure(_ reason: String) -> DeploymentError {
        DeploymentError("AWS credentials validation failed: \(reason)")
    }

    func identity(of credentials: AWSCredentials, region: String) async throws -> AWSCallerIdentity {
        let cli = AWSCLI(credentials: credentials, region: region, endpointURL: endpointURL, executable: executable, timeout: timeout)
        let result: ProcessResult
        do {
            result = try await runner.run(cli.getCallerIdentity())
        } catch {
            switch error {
            case .timedOut:
                throw Self.failure("Connection timeout")
            case .executableNotFound(let name):
                throw EnvironmentError(name.contains("/") ? "aws CLI not found at \(name)" : "aws CLI not found in PATH")
            case .cancelled:
                throw CancellationError()
            case .couldNotRun(_, let reason):
                throw EnvironmentError("aws CLI could not run: \(reason)")
            case .failed(_, _, let stderr):
                throw Self.failure(Self.reason(fromStderr: stderr, secrets: credentials.secrets))
            }
        }
        guard result.succeeded else {
            throw Self.failure(Self.reason(fromStderr: result.stderr, secrets: credentials.secrets))
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any],
              let account = object["Account"] as? String, let arn = object["Arn"] as? String
        else {
            throw Self.failure("Unexpected answer from STS GetCallerIdentity")
        }
        return AWSCallerIdentity(accountId: account, arn: arn, userId: object["UserId"] as? String ?? "")
    }

    /// AWS's own reason from the CLI's stderr: the message of
    /// `An error occurred (Code) when calling the Op operation: Message`; an unreachable
    /// endpoint is a connection timeout; otherwise the last line. Secrets are masked
    /// (the runner already redacts them; this is the second lock).
    static func reason(fromStderr stderr: String, secrets: [Secret]) -> String {
        let lines = stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var reason = "aws CLI failed without a message"
        if let line = lines.last(where: { $0.hasPrefix("An error occurred (") }),
           let marker = line.range(of: " operation: ") {
            reason = String(line[marker.upperBound...])
            if reason.isEmpty, let code = line.split(separator: "(").dropFirst().first?.split(separator: ")").first {
                reason = String(code)
            }
        } else if lines.contains(where: { Self.unreachableMarkers.contains(where: $0.contains) }) {
            reason = "Connection timeout"
        } else if let last = lines.last {
            reason = last
        }
        for secret in secrets where !secret.isEmpty {
            reason = reason.replacingOccurrences(of: secret.reveal(), with: "***")
        }
        return String(reason.prefix(500))
    }

    static let unreachableMarkers = [
        "Could not connect to the endpoint URL",
        "Connect timeout on endpoint URL",
        "Read timeout on endpoint URL",
        "Connection was closed before we received a valid response",
    ]
}
