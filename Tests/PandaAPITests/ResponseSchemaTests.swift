import Foundation
import Testing
import Tools
@testable import Panda
@testable import PandaAPI

/// Every response body the code can encode, validated against `api/openapi.json`: keys,
/// types, nullability, enums and patterns (a real OAS 3.0 validator), and no undeclared key.
@Suite struct ResponseSchemaTests {
    typealias Sample = OpenAPISchemaCheck.Sample

    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    static func snapshot(
        status: DeploymentStatus, currentStage: Int? = nil, queuePosition: Int? = nil,
        facts: DeploymentFacts = DeploymentFacts(), failure: DeploymentFailure? = nil, finished: Bool = true
    ) -> DeploymentSnapshot {
        DeploymentSnapshot(
            id: "dep_a1b2c3d4e5", owner: "octocat", repo: "hello-world", branch: "main", status: status,
            currentStage: currentStage, acceptedAt: start, startedAt: queuePosition == nil ? start : nil,
            completedAt: finished ? start.addingTimeInterval(95) : nil, facts: facts, failure: failure, eventCount: 29,
            stageTimings: queuePosition == nil ? [
                StageTiming(stage: 1, name: "Dockerfile discovery and build", wallTime: .milliseconds(1234),
                            childProcessTime: .milliseconds(1100), childProcessCount: 3, awaitedTime: .milliseconds(1150)),
            ] : [],
            queuePosition: queuePosition)
    }

    static var completedFacts: DeploymentFacts {
        var facts = DeploymentFacts()
        facts.imageURI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/octocat-hello-world:octocat-hello-world-main-1790000000"
        facts.commitSHA = "0123456789abcdef0123456789abcdef01234567"
        facts.finalService = "green"
        facts.blueURL = "http://panda-octocat-hello-world-1.us-east-1.elb.amazonaws.com"
        facts.greenURL = "http://panda-octocat-hello-world-1.us-east-1.elb.amazonaws.com:8080"
        facts.blueLatencyMs = 12
        facts.greenLatencyMs = 9
        facts.blueErrorRate = 0
        facts.greenErrorRate = 0.2
        return facts
    }

    static func envelope(_ status: Int, _ message: String, _ data: some Encodable) -> [UInt8] {
        JSON.encode(Envelope(code: status, message: message, data: data))
    }

    /// A page of two real deployments: one finished with a failure, one still queued.
    static var deploymentPage: DeploymentPage {
        let github = GitHubConnection(id: "gh_a1b2c3d4e5", owner: "octocat", repo: "hello-world", branch: "main", token: Secret("ghp_x"),
                                      fullName: "octocat/hello-world", defaultBranch: "main", headCommitSHA: "abc")
        let aws = AWSConnection(id: "aws_a1b2c3d4e5", region: "us-east-1",
                                credentials: .init(accessKeyId: Secret("AKIA"), secretAccessKey: Secret("s"), sessionToken: nil),
                                accountId: "123456789012", callerARN: "arn:aws:iam::123456789012:user/t")
        let request = DeploymentRequest(owner: "octocat", repo: "hello-world", branch: "main", github: github, aws: aws)
        let store = SQLiteStore.inMemory()
        let failed = Deployment(id: "dep_a1b2c3d4e5", request: request, store: store)
        failed.markStarted()
        failed.finish(failure: DeploymentFailure(message: "Deployment failed: boom", errorCode: .dockerBuildFailed, stage: 1))
        let queued = Deployment(id: "dep_b1b2c3d4e5", request: request, kind: .teardown, store: store)
        return DeploymentPage(deployments: [DeploymentSummary(queued), DeploymentSummary(failed)],
                              nextCursor: DeploymentCursor(acceptedAt: start, id: "dep_a1b2c3d4e5"))
    }

    static var samples: [Sample] {
        let completed = snapshot(status: .completed, facts: completedFacts)
        let failed = snapshot(status: .failed, failure: DeploymentFailure(
            message: "Deployment timed out at Stage 4 after 600 seconds (timeout: 600 seconds)",
            errorCode: .deploymentTimeout, stage: 4, durationSeconds: 600, timeoutSeconds: 600))
        let running = snapshot(status: .inProgress, currentStage: 3, finished: false)
        let queued = snapshot(status: .queued, queuePosition: 2, finished: false)
        let cancelled = snapshot(status: .failed, failure: .cancelled(at: nil))
        let github = ConnectionSummary(id: "gh_a1b2c3d4e5", details: .github(owner: "octocat", repo: "hello-world", branch: "main"),
                                       createdAt: start)
        let aws = ConnectionSummary(id: "aws_a1b2c3d4e5", details: .aws(
            accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/deployer", region: "us-east-1"), createdAt: start)
        var fullError = ErrorBody(status: 400, error: "Deployment Error", message: "Deployment queue is full")
        fullError.deploymentId = "dep_a1b2c3d4e5"
        fullError.stage = 4
        fullError.errorCode = ErrorCode.deploymentQueueFull.rawValue
        fullError.durationSeconds = 12
        fullError.timeoutSeconds = 600
        fullError.exceptionClass = "SomeError"
        let result = "/api/v1/deploy/{deploymentId}/result"
        let cancel = "/api/v1/deploy/{deploymentId}/cancel"
        return [
            Sample(name: "github connected", pointer: OpenAPISchemaCheck.response("POST", "/api/v1/connect/github", 200),
                   json: envelope(200, SuccessMessage.githubConnected, GitHubConnected(githubConnectionId: "gh_a1b2c3d4e5"))),
            Sample(name: "aws connected", pointer: OpenAPISchemaCheck.response("POST", "/api/v1/connect/aws", 200),
                   json: envelope(200, SuccessMessage.awsConnected, AWSConnected(awsConnectionId: "aws_a1b2c3d4e5"))),
            Sample(name: "connections", pointer: OpenAPISchemaCheck.response("GET", "/api/v1/connections", 200),
                   json: envelope(200, SuccessMessage.connectionsListed, [ConnectionDTO(github), ConnectionDTO(aws)])),
            Sample(name: "connection deleted", pointer: OpenAPISchemaCheck.response("DELETE", "/api/v1/connections/{connectionId}", 200),
                   json: envelope(200, SuccessMessage.connectionDeleted, ConnectionDeleted(connectionId: "gh_a1b2c3d4e5"))),
            Sample(name: "deployment started", pointer: OpenAPISchemaCheck.response("POST", "/api/v1/deploy", 200),
                   json: envelope(200, SuccessMessage.deploymentStarted, DeploymentStarted(id: "dep_a1b2c3d4e5"))),
            Sample(name: "completed result", pointer: OpenAPISchemaCheck.response("GET", result, 200),
                   json: envelope(200, SuccessMessage.deploymentResult, DeploymentResultBody(completed))),
            Sample(name: "failed result", pointer: OpenAPISchemaCheck.response("GET", result, 200),
                   json: envelope(200, SuccessMessage.deploymentResult, DeploymentResultBody(failed))),
            Sample(name: "running result", pointer: OpenAPISchemaCheck.response("GET", result, 202),
                   json: envelope(202, SuccessMessage.deploymentResult, DeploymentResultBody(running))),
            Sample(name: "queued result", pointer: OpenAPISchemaCheck.response("GET", result, 202),
                   json: envelope(202, SuccessMessage.deploymentResult, DeploymentResultBody(queued))),
            Sample(name: "cancelled", pointer: OpenAPISchemaCheck.response("POST", cancel, 200),
                   json: envelope(200, SuccessMessage.deploymentCancelled, DeploymentResultBody(cancelled))),
            Sample(name: "cancel still running", pointer: OpenAPISchemaCheck.response("POST", cancel, 200),
                   json: envelope(200, SuccessMessage.deploymentCancelled, DeploymentResultBody(running))),
            Sample(name: "deployment list", pointer: OpenAPISchemaCheck.response("GET", "/api/v1/deployments", 200),
                   json: envelope(200, SuccessMessage.deploymentList, DeploymentListBody(deploymentPage))),
            Sample(name: "ready", pointer: OpenAPISchemaCheck.response("GET", "/ready", 200),
                   json: envelope(200, SuccessMessage.ready, HealthStatus.ready)),
            Sample(name: "not ready", pointer: OpenAPISchemaCheck.response("GET", "/ready", 503),
                   json: ErrorBody(status: 503, error: ErrorResponses.label(for: 503), message: "Not ready: draining").json),
            Sample(name: "health", pointer: OpenAPISchemaCheck.response("GET", "/health", 200),
                   json: envelope(200, SuccessMessage.health, HealthStatus.up)),
            Sample(name: "error body, every field", pointer: OpenAPISchemaCheck.response("POST", "/api/v1/deploy", 400),
                   json: fullError.json),
            Sample(name: "error body, 404", pointer: OpenAPISchemaCheck.response("GET", result, 404),
                   json: ErrorBody(status: 404, error: ErrorResponses.label(for: 404), message: "No route").json),
            Sample(name: "stage event", pointer: OpenAPISchemaCheck.schema("StageEventData"),
                   json: Array(DeploymentEvent.stage("[Stage 6] 배포 완료", stage: 6, details: [
                       "finalService": "green", "blueUrl": .null, "latencyMs": .integer(3), "lines": .array(["a"]),
                   ]).data.utf8)),
            Sample(name: "done event", pointer: OpenAPISchemaCheck.schema("DoneEventData"), json: Array(DeploymentEvent.done().data.utf8)),
            Sample(name: "error event", pointer: OpenAPISchemaCheck.schema("ErrorEventData"),
                   json: Array(DeploymentEvent.error("Deployment failed: boom", errorCode: .healthCheckFailed, stage: 5).data.utf8)),
        ]
    }

    @Test func everyResponseBodyValidatesAgainstItsSchema() async throws {
        let samples = Self.samples
        let errors = try await OpenAPISchemaCheck.errors(samples)
        #expect(errors.count == samples.count)
        for sample in samples {
            let problems = try #require(errors[sample.name], "\(sample.name): no verdict")
            #expect(problems.isEmpty, "\(sample.name): \(problems.joined(separator: "; "))")
        }
    }

    /// The check itself fails on what it must catch, so a green run means something.
    @Test func theCheckRejectsWrongBodies() async throws {
        let result = OpenAPISchemaCheck.response("GET", "/api/v1/deploy/{deploymentId}/result", 200)
        let completed = String(decoding: Self.envelope(200, SuccessMessage.deploymentResult,
                                                       DeploymentResultBody(Self.snapshot(status: .completed, facts: Self.completedFacts))),
                               as: UTF8.self)
        let wrong: [(String, String)] = [
            ("undeclared key", completed.replacingOccurrences(of: #""eventCount":29"#, with: #""eventCount":29,"extra":1"#)),
            ("wrong type", completed.replacingOccurrences(of: #""eventCount":29"#, with: #""eventCount":"29""#)),
            ("null where not nullable", completed.replacingOccurrences(of: #""eventCount":29"#, with: #""eventCount":null"#)),
            ("missing key", completed.replacingOccurrences(of: #""eventCount":29,"#, with: "")),
            ("unknown enum value", completed.replacingOccurrences(of: #""status":"COMPLETED""#, with: #""status":"DONE""#)),
            ("wrong message", completed.replacingOccurrences(of: SuccessMessage.deploymentResult, with: "ok")),
        ]
        for (name, json) in wrong { #expect(json != completed, "\(name): the sample did not change") }
        let errors = try await OpenAPISchemaCheck.errors(wrong.map { Sample(name: $0.0, pointer: result, json: Array($0.1.utf8)) })
        for (name, _) in wrong {
            #expect(errors[name]?.isEmpty == false, "\(name) passed")
        }
    }
}
