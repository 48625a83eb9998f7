import Foundation
import Logging
import Testing
import Panda
import PandaTestSupport
import Tools
@testable import PandaAPI

/// POST /api/v1/connect/aws against moto with authentication switched on.
/// (moto keeps IAM per partition: the users exist in `aws` regions, not in `aws-cn`/`aws-us-gov` ones.)
@Suite(.motoAccount) struct AWSConnectionAPITests {
    static let denied = "AWS credentials validation failed: The security token included in the request is invalid."
    static let badSignature = """
        AWS credentials validation failed: The request signature we calculated does not match the signature you provided. \
        Check your AWS Secret Access Key and signing method. Consult the service documentation for details.
        """

    func withMotoPanda(_ body: (APITestClient) async throws -> Void) async throws {
        let account = try MotoAccount.require()
        try await withPandaServer(configure: { $0.aws.endpointURL = account.moto.endpointURL }) { client in
            try await body(client)
        }
    }

    /// The connections as listed, by id.
    func listed(_ client: APITestClient) async throws -> [String: [String: Any]] {
        let entries = try await client.send("GET", "/api/v1/connections").json["data"] as? [[String: Any]] ?? []
        return Dictionary(entries.map { ($0["id"] as? String ?? "", $0) }, uniquingKeysWith: { $1 })
    }

    @Test func validKeysConnectAndKeepAccountAndARN() async throws {
        let account = try MotoAccount.require()
        try await withMotoPanda { client in
            async let withPolicy = client.postJSON("/api/v1/connect/aws", account.user.connectBody(region: "ap-northeast-2"))
            async let withoutPolicy = client.postJSON("/api/v1/connect/aws", account.bareUser.connectBody(region: "eu-central-2"))
            var ids: [String] = []
            for reply in [try await withPolicy, try await withoutPolicy] {
                #expect(reply.status == 200)
                #expect(reply.json["message"] as? String == "AWS 연결에 성공했습니다.")
                let id = try #require((reply.json["data"] as? [String: Any])?["awsConnectionId"] as? String)
                #expect(id.wholeMatch(of: /aws_[a-z0-9]{10}/) != nil)
                #expect(reply.text == #"{"code":200,"message":"AWS 연결에 성공했습니다.","data":{"awsConnectionId":"\#(id)"}}"#)
                ids.append(id)
            }
            let list = try await listed(client)
            let first = try #require(list[ids[0]])
            #expect(Set(first.keys) == ["id", "kind", "accountId", "arn", "region", "createdAt"])
            #expect(first["kind"] as? String == "aws")
            #expect(first["accountId"] as? String == "123456789012")
            #expect(first["arn"] as? String == "arn:aws:iam::123456789012:user/panda-deployer")
            #expect(first["region"] as? String == "ap-northeast-2")
            #expect(list[ids[1]]?["arn"] as? String == "arn:aws:iam::123456789012:user/panda-nopolicy")
            #expect(list[ids[1]]?["region"] as? String == "eu-central-2")
        }
    }

    @Test func sessionTokensAreUsedAndEmptyMeansNone() async throws {
        let account = try MotoAccount.require()
        try await withMotoPanda { client in
            async let good = client.postJSON("/api/v1/connect/aws", account.session.connectBody(region: "us-west-2"))
            async let wrong = client.postJSON("/api/v1/connect/aws", account.session.connectBody(sessionToken: "FQoGZXIvYXdzEAwrongtoken"))
            // Temporary keys without their token are unknown keys; "" is "no token".
            async let missing = client.postJSON("/api/v1/connect/aws", account.session.connectBody(sessionToken: ""))
            let reply = try await good
            #expect(reply.status == 200)
            let id = try #require((reply.json["data"] as? [String: Any])?["awsConnectionId"] as? String)
            #expect(try await listed(client)[id]?["arn"] as? String == account.sessionARN)
            expectErrorBody(try await wrong, status: 400, error: "Deployment Error", message: Self.denied)
            expectErrorBody(try await missing, status: 400, error: "Deployment Error", message: Self.denied)
        }
    }

    @Test func awsOwnReasonsForBadCredentials() async throws {
        let account = try MotoAccount.require()
        try await withMotoPanda { client in
            let unknown = AWSCredentials(accessKeyId: Secret("AKIAUNKNOWNKEY000001"), secretAccessKey: Secret("whatever"))
            async let unknownKey = client.postJSON("/api/v1/connect/aws", unknown.connectBody())
            async let wrongSecret = client.postJSON("/api/v1/connect/aws", account.user.connectBody(secret: "not-the-secret-key"))
            expectErrorBody(try await unknownKey, status: 400, error: "Deployment Error", message: Self.denied)
            expectErrorBody(try await wrongSecret, status: 400, error: "Deployment Error", message: Self.badSignature)
            #expect(try await listed(client).isEmpty)
        }
    }

    @Test func unreachableEndpointIsAConnectionTimeout() async throws {
        let account = try MotoAccount.require()
        let blackhole = try BlackholeListener()
        let closedPort = try FreePort.next()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for endpoint in [blackhole.url, "http://127.0.0.1:\(closedPort)"] {
                group.addTask {
                    let started = ContinuousClock.now
                    try await withPandaServer(configure: {
                        $0.aws.endpointURL = endpoint
                        $0.aws.validationTimeoutSeconds = 2
                    }) { client in
                        expectErrorBody(try await client.postJSON("/api/v1/connect/aws", account.user.connectBody()),
                                        status: 400, error: "Deployment Error",
                                        message: "AWS credentials validation failed: Connection timeout")
                    }
                    #expect(ContinuousClock.now - started < .seconds(6), "\(endpoint)")
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func missingAwsCLIIs500ThatSaysSo() async throws {
        try await withPandaServer(services: { configuration in
            var services = PandaServices.live(configuration: configuration)
            services.connections = ConnectionService(configuration: configuration, runner: ProcessRunner(), awsExecutable: "panda-no-such-aws-cli")
            return services
        }) { client in
            let reply = try await client.postJSON("/api/v1/connect/aws", MotoServer.setupCredentials.connectBody())
            expectErrorBody(reply, status: 500, error: "Internal Server Error", message: "aws CLI not found in PATH")
            #expect(reply.json["exceptionClass"] as? String == "EnvironmentError")
        }
    }
}
