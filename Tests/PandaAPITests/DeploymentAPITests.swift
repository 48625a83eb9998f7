import Foundation
import Testing
import Panda
import PandaTestSupport
@testable import PandaAPI

@Suite struct DeploymentAPITests {
    @Test func deployStartsAtOnceAndTheResultFollowsIt() async throws {
        let engine = await EngineServices(configuration: PandaConfiguration()) {
            [ProcessStage(1, "sleep", ["0.8"]), ProcessStage(2, "true", [])]
        }
        try await withPandaServer(services: { _ in engine.services }) { (client: APITestClient) async throws in
            let started = try await client.postJSON("/api/v1/deploy", engine.deployBody)
            #expect(started.status == 200)
            #expect(started.json["code"] as? Int == 200)
            #expect(started.json["message"] as? String == "배포가 시작되었습니다.")
            let data = try #require(started.json["data"] as? [String: Any])
            let id = try #require(data["deploymentId"] as? String)
            #expect(id.wholeMatch(of: /dep_[a-z0-9]{10}/) != nil)
            #expect(data["message"] as? String == "Deployment started. Listen to /api/v1/deploy/\(id)/events")
            #expect(started.text.hasPrefix(#"{"code":200,"message":"배포가 시작되었습니다.","data":{"deploymentId":"#))

            let running = try await client.send("GET", "/api/v1/deploy/\(id)/result")
            #expect(running.status == 202)
            let runningData = try #require(running.json["data"] as? [String: Any])
            #expect(runningData["status"] as? String == "IN_PROGRESS")
            #expect(runningData["currentStage"] as? Int == 1)

            var finished = running
            for _ in 0..<100 where finished.status == 202 {
                try await Task.sleep(for: .milliseconds(50))
                finished = try await client.send("GET", "/api/v1/deploy/\(id)/result")
            }
            #expect(finished.status == 200)
            #expect(finished.json["message"] as? String == "배포 결과 조회 성공")
            let result = try #require(finished.json["data"] as? [String: Any])
            #expect(result["status"] as? String == "COMPLETED")
            for field in ["deploymentId", "status", "owner", "repo", "branch", "startedAt", "completedAt"] {
                #expect(result[field] is String, "\(field)")
            }
            #expect((result["startedAt"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/) != nil)
            #expect(result["durationSeconds"] is Int)
            #expect(result["eventCount"] as? Int == 5)
            // Nothing was measured by these stages, so nothing is claimed.
            for field in ["finalService", "blueUrl", "greenUrl", "errorMessage", "blueLatencyMs", "greenLatencyMs", "blueErrorRate", "greenErrorRate"] {
                #expect(result.keys.contains(field) && result[field] is NSNull, "\(field)")
            }
            // A finished result is rendered once and kept: every later read gets the same bytes.
            for _ in 0..<3 {
                let again = try await client.send("GET", "/api/v1/deploy/\(id)/result")
                #expect(again.status == 200)
                #expect(again.body == finished.body)
            }
            let timings = try #require(result["stageTimings"] as? [[String: Any]])
            let byTool = try #require(timings.first?["childProcessesByTool"] as? [String: [String: Int]])
            #expect(byTool["other"]?["count"] == 1)
        }
    }

    @Test func unknownIdsAndConnectionsGiveTheContractErrors() async throws {
        let engine = await EngineServices(configuration: PandaConfiguration()) { [ProcessStage(1, "true", [])] }
        try await withPandaServer(services: { _ in engine.services }) { (client: APITestClient) async throws in
            expectErrorBody(try await client.send("GET", "/api/v1/deploy/dep_unknown000/result"), status: 400,
                            error: "Deployment Error", message: "Deployment result not found: dep_unknown000")
            expectErrorBody(try await client.send("GET", "/api/v1/deploy/dep_unknown000/events"), status: 400,
                            error: "Deployment Error", message: "Deployment not found: dep_unknown000")
            let noGitHub = engine.deployBody.replacingOccurrences(of: engine.githubID, with: "gh_nothere000")
            expectErrorBody(try await client.postJSON("/api/v1/deploy", noGitHub), status: 400,
                            error: "Deployment Error", message: "GitHub connection not found")
            let noAWS = engine.deployBody.replacingOccurrences(of: engine.awsID, with: "aws_nothere00")
            expectErrorBody(try await client.postJSON("/api/v1/deploy", noAWS), status: 400,
                            error: "Deployment Error", message: "AWS connection not found")
        }
    }

    @Test func fullQueueIsRefusedWithRetryAfter() async throws {
        var configuration = PandaConfiguration()
        configuration.deployments.maxConcurrent = 1
        configuration.deployments.queueCapacity = 1
        let engine = await EngineServices(configuration: configuration) { [ProcessStage(1, "sleep", ["1"])] }
        try await withPandaServer(configure: {
            $0.deployments.maxConcurrent = 1
            $0.deployments.queueCapacity = 1
        }, services: { _ in engine.services }) { (client: APITestClient) async throws in
            let accepted = [try await client.postJSON("/api/v1/deploy", engine.deployBody),
                            try await client.postJSON("/api/v1/deploy", engine.deployBody)]
            #expect(accepted.allSatisfy { $0.status == 200 })
            let refused = try await client.postJSON("/api/v1/deploy", engine.deployBody)
            expectErrorBody(refused, status: 400, error: "Deployment Error", message: "Deployment queue is full")
            #expect(refused.json["errorCode"] as? String == "DEPLOYMENT_QUEUE_FULL")
            #expect(refused.headers["retry-after"] == "30")
            // Let both finish, so nothing is left running behind the test.
            for reply in accepted {
                let id = (reply.json["data"] as? [String: Any])?["deploymentId"] as? String ?? ""
                while try await client.send("GET", "/api/v1/deploy/\(id)/result").status == 202 {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        }
    }

    @Test func cancelThroughTheAPI() async throws {
        let engine = await EngineServices(configuration: PandaConfiguration()) { [ProcessStage(1, "sleep", ["30"])] }
        try await withPandaServer(services: { _ in engine.services }) { (client: APITestClient) async throws in
            let started = try await client.postJSON("/api/v1/deploy", engine.deployBody)
            let id = try #require((started.json["data"] as? [String: Any])?["deploymentId"] as? String)
            try await Task.sleep(for: .milliseconds(200))
            let cancelled = try await client.send("POST", "/api/v1/deploy/\(id)/cancel")
            #expect(cancelled.status == 200)
            #expect(try await client.send("POST", "/api/v1/deploy/\(id)/cancel").status == 200)
            var result = try await client.send("GET", "/api/v1/deploy/\(id)/result")
            for _ in 0..<100 where result.status == 202 {
                try await Task.sleep(for: .milliseconds(50))
                result = try await client.send("GET", "/api/v1/deploy/\(id)/result")
            }
            let data = try #require(result.json["data"] as? [String: Any])
            #expect(data["status"] as? String == "FAILED")
            #expect(data["errorCode"] as? String == "DEPLOYMENT_CANCELLED")
        }
    }
}
