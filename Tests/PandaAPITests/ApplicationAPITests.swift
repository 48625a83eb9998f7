import Foundation
import Testing
import Panda
import PandaTestSupport
@testable import PandaAPI

/// `GET /api/v1/apps` and `DELETE /api/v1/apps/{owner}/{repo}` over HTTP, against moto.
@Suite struct ApplicationAPITests {
    @Test func emptyAccountListsNoAppsAndTeardownsCompleteWithNothingToDo() async throws {
        let moto = try await MotoServer.start()
        do {
            var configuration = PandaConfiguration()
            configuration.aws.endpointURL = moto.endpointURL
            let engine = await EngineServices(configuration: configuration) { [] }
            try await withPandaServer(services: { _ in engine.services }) { (client: APITestClient) async throws in
                let listed = try await client.send("GET", "/api/v1/apps?awsConnectionId=\(engine.awsID)")
                #expect(listed.status == 200)
                #expect(listed.text == #"{"code":200,"message":"애플리케이션 목록 조회 성공","data":{"apps":[]}}"#)

                let dryRun = try await client.send("DELETE", "/api/v1/apps/octo/app?awsConnectionId=\(engine.awsID)&dryRun=true&deleteImages=true")
                #expect(dryRun.status == 200)
                #expect(dryRun.text == #"{"code":200,"message":"애플리케이션 삭제가 시작되었습니다.","data":{"deploymentId":null,"kind":"TEARDOWN","resources":[]}}"#)

                for _ in 0..<2 {
                    let started = try await client.send("DELETE", "/api/v1/apps/octo/app?awsConnectionId=\(engine.awsID)")
                    #expect(started.status == 200)
                    let data = try #require(started.json["data"] as? [String: Any])
                    let id = try #require(data["deploymentId"] as? String)
                    #expect(data["kind"] as? String == "TEARDOWN")
                    #expect((data["resources"] as? [Any])?.isEmpty == true)
                    var result = try await client.send("GET", "/api/v1/deploy/\(id)/result")
                    for _ in 0..<300 where result.status == 202 {
                        try await Task.sleep(for: .milliseconds(100))
                        result = try await client.send("GET", "/api/v1/deploy/\(id)/result")
                    }
                    let body = try #require(result.json["data"] as? [String: Any])
                    #expect(body["status"] as? String == "COMPLETED", "\(result.text)")
                    let events = try await client.send("GET", "/api/v1/deploy/\(id)/events")
                    #expect(events.text.contains("[Teardown 5] Teardown complete"))
                    #expect(events.text.contains("event: done"))
                }
            }
        } catch {
            await moto.stop()
            throw error
        }
        await moto.stop()
    }

    @Test func teardownDuringADeploymentIsAConflict() async throws {
        let engine = await EngineServices(configuration: PandaConfiguration()) { [ProcessStage(1, "sleep", ["2"])] }
        try await withPandaServer(services: { _ in engine.services }) { (client: APITestClient) async throws in
            let started = try await client.postJSON("/api/v1/deploy", engine.deployBody)
            let id = try #require((started.json["data"] as? [String: Any])?["deploymentId"] as? String)
            let refused = try await client.send("DELETE", "/api/v1/apps/octo/app?awsConnectionId=\(engine.awsID)")
            expectErrorBody(refused, status: 409, error: "Conflict")
            #expect(refused.json["errorCode"] as? String == "APP_BUSY")
            #expect((refused.json["message"] as? String)?.contains(id) == true)
            _ = try await client.send("POST", "/api/v1/deploy/\(id)/cancel")
        }
    }

    @Test func badQueriesAndUnknownConnectionsAreRefused() async throws {
        let engine = await EngineServices(configuration: PandaConfiguration()) { [] }
        try await withPandaServer(services: { _ in engine.services }) { (client: APITestClient) async throws in
            expectErrorBody(try await client.send("GET", "/api/v1/apps"), status: 400, error: "Bad Request",
                            message: "Missing required query parameter: awsConnectionId")
            expectErrorBody(try await client.send("GET", "/api/v1/apps?awsConnectionId=aws_nothere00"), status: 400,
                            error: "Deployment Error", message: "AWS connection not found")
            expectErrorBody(try await client.send("DELETE", "/api/v1/apps/octo/app?awsConnectionId=\(engine.awsID)&dryRun=yes"),
                            status: 400, error: "Bad Request", message: "Invalid query parameter 'dryRun': must be true or false")
            expectErrorBody(try await client.send("DELETE", "/api/v1/apps/octo/a%20b?awsConnectionId=\(engine.awsID)"),
                            status: 400, error: "Bad Request")
            expectErrorBody(try await client.send("DELETE", "/api/v1/apps/octo/app?awsConnectionId=aws_nothere00"), status: 400,
                            error: "Deployment Error", message: "AWS connection not found")
        }
    }
}
