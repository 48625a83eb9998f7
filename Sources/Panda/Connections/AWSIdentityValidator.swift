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
            result = try await runner.run(cli.sts.getCallerIdentity())
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
                throw Self.failure(AWSCLI.errorReason(fromStderr: stderr, secrets: credentials.secrets))
            }
        }
        guard result.succeeded else {
            throw Self.failure(AWSCLI.errorReason(fromStderr: result.stderr, secrets: credentials.secrets))
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any],
              let account = object["Account"] as? String, let arn = object["Arn"] as? String
        else {
            throw Self.failure("Unexpected answer from STS GetCallerIdentity")
        }
        return AWSCallerIdentity(accountId: account, arn: arn, userId: object["UserId"] as? String ?? "")
    }
}
