import Foundation
import Testing
import Tools
import PandaTestSupport

/// One moto server, with authentication on, shared by the tests of a suite.
struct MotoAccount: Sendable {
    let moto: MotoServer
    /// A user with an inline policy (`sts:*`).
    let user: AWSCredentials
    /// A user without any policy: GetCallerIdentity still works for it, as on AWS.
    let bareUser: AWSCredentials
    /// Assumed-role credentials with a session token, and their ARN.
    let session: AWSCredentials
    let sessionARN: String

    @TaskLocal static var current: MotoAccount?

    static func require() throws -> MotoAccount {
        try #require(current, "the suite needs the .motoAccount trait")
    }
}

/// Starts moto for the whole suite, switches authentication on, creates the users (7 aws
/// calls, in three parallel chains) and stops moto afterwards.
struct MotoAccountTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let moto = try await MotoServer.start()
        do {
            try await moto.enableAuthentication(freeRequests: 7)
            async let user = moto.createUserWithAccessKey(
                "panda-deployer", policy: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*"}]}"#)
            async let bare = moto.createUserWithAccessKey("panda-nopolicy")
            async let session = moto.assumedRoleCredentials(roleName: "panda-role")
            let account = MotoAccount(moto: moto, user: try await user, bareUser: try await bare,
                                      session: try await session.credentials, sessionARN: try await session.arn)
            try await MotoAccount.$current.withValue(account) { try await function() }
        } catch {
            await moto.stop()
            throw error
        }
        await moto.stop()
    }
}

extension Trait where Self == MotoAccountTrait {
    static var motoAccount: Self { Self() }
}

extension AWSCredentials {
    /// A connect body for these credentials.
    func connectBody(region: String = "ap-northeast-2", secret: String? = nil, sessionToken: String? = nil) -> String {
        var object = ["region": region, "accessKeyId": accessKeyId.reveal(),
                      "secretAccessKey": secret ?? secretAccessKey.reveal()]
        if let token = sessionToken ?? self.sessionToken?.reveal() { object["sessionToken"] = token }
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}
