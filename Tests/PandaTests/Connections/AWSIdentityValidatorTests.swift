import Foundation
import Logging
import Testing
import Tools
@testable import Panda

@Suite struct AWSIdentityValidatorTests {
    @Test func awsOwnReasonIsKept() {
        let stderr = "\nAn error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.\n"
        #expect(AWSCLI.errorReason(fromStderr: stderr, secrets: [])
                == "The security token included in the request is invalid.")
        let denied = "An error occurred (AccessDenied) when calling the GetCallerIdentity operation: User: arn:aws:iam::1:user/x is not authorized to perform: sts:GetCallerIdentity"
        #expect(AWSCLI.errorReason(fromStderr: denied, secrets: [])
                == "User: arn:aws:iam::1:user/x is not authorized to perform: sts:GetCallerIdentity")
    }

    @Test func unreachableEndpointIsAConnectionTimeout() {
        #expect(AWSCLI.errorReason(fromStderr: "\nCould not connect to the endpoint URL: \"http://127.0.0.1:1/\"\n", secrets: [])
                == "Connection timeout")
        #expect(AWSCLI.errorReason(fromStderr: "Connect timeout on endpoint URL: \"https://sts.amazonaws.com/\"", secrets: [])
                == "Connection timeout")
    }

    @Test func secretsInAReasonAreMasked() {
        let reason = AWSCLI.errorReason(
            fromStderr: "An error occurred (X) when calling the Y operation: key AKIASECRET is bad", secrets: [Secret("AKIASECRET")])
        #expect(reason == "key *** is bad")
        #expect(AWSCLI.errorReason(fromStderr: "", secrets: []) == "aws CLI failed without a message")
    }

    @Test func missingAwsBinaryIsAnEnvironmentErrorThatSaysSo() async throws {
        for (executable, message) in [("panda-no-such-aws-cli", "aws CLI not found in PATH"),
                                      ("/nonexistent/bin/aws", "aws CLI not found at /nonexistent/bin/aws")] {
            let service = ConnectionService(
                configuration: PandaConfiguration(), runner: ProcessRunner(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }),
                awsExecutable: executable)
            let error = try await #require(throws: EnvironmentError.self) {
                try await service.connectAWS(region: "us-east-1", accessKeyId: "AKIAX", secretAccessKey: "s", sessionToken: nil)
            }
            #expect(error.message == message)
            #expect(error.category == .unexpected)
            #expect(await service.list().isEmpty)
        }
    }

    @Test func inputIsCheckedBeforeAnyProcessRuns() async throws {
        // The executable does not exist: reaching it would be an EnvironmentError, not an InvalidRequest.
        let service = ConnectionService(
            configuration: PandaConfiguration(), runner: ProcessRunner(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }),
            awsExecutable: "panda-no-such-aws-cli")
        let cases: [(String, String, String, String?, String)] = [
            ("us-east-1;id", "A", "S", nil, "region"),
            ("us-east-1", "A K", "S", nil, "accessKeyId"),
            ("us-east-1", "A", "S\n", nil, "secretAccessKey"),
            ("us-east-1", "A", "S", "tok en", "sessionToken"),
        ]
        for (region, key, secret, token, field) in cases {
            let error = try await #require(throws: InvalidRequest.self) {
                try await service.connectAWS(region: region, accessKeyId: key, secretAccessKey: secret, sessionToken: token)
            }
            #expect(error.message.hasPrefix("Invalid field '\(field)'"))
        }
    }

    @Test func deletingAnUnknownConnectionSaysWhich() async throws {
        let service = ConnectionService(configuration: PandaConfiguration(), runner: ProcessRunner())
        let error = try await #require(throws: DeploymentError.self) { try await service.delete("gh_nothere000") }
        #expect(error.message == "Connection not found: gh_nothere000")
    }

    @Test func branchSegmentsArePercentEncoded() {
        #expect(GitHubAPIClient.encodePathSegment("feature/login") == "feature%2Flogin")
        #expect(GitHubAPIClient.encodePathSegment("a+b#c%d é") == "a%2Bb%23c%25d%20%C3%A9")
        #expect(GitHubAPIClient.encodePathSegment("v1.2_x-y~z") == "v1.2_x-y~z")
    }
}
