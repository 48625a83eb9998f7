import Foundation
import Testing
@testable import Panda

@Suite struct ExposurePolicyTests {
    @Test(arguments: ["127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"])
    func loopbackAddresses(_ address: String) {
        #expect(ExposurePolicy.isLoopback(address))
    }

    @Test(arguments: ["0.0.0.0", "::", "10.0.0.5", "192.168.1.1", "::ffff:10.0.0.1", "fe80::1", "128.0.0.1", "localhost", "", "127.0.0.1 "])
    func reachableAddresses(_ address: String) {
        #expect(!ExposurePolicy.isLoopback(address))
    }

    static func load(_ json: String = "{}", environment: [String: String] = [:], overrides: [String: String] = [:]) throws -> PandaConfiguration {
        try ConfigurationLoader.load(fileContents: Data(json.utf8), environment: environment, overrides: overrides)
    }

    @Test func aReachableAddressNeedsKeysOrTheExplicitOptOut() throws {
        #expect(throws: ConfigurationError.self) { try Self.load(overrides: ["server.address": "0.0.0.0"]) }
        do {
            _ = try Self.load(overrides: ["server.address": "::"])
            Issue.record("started on :: without keys")
        } catch {
            let text = "\(error)"
            #expect(text.contains("auth.apiKeys") && text.contains("auth.allowAnonymous"))
        }
        let keyed = try Self.load(environment: ["PANDA_AUTH_API_KEYS": "k1, k2"], overrides: ["server.address": "0.0.0.0"])
        #expect(keyed.auth.apiKeys == ["k1", "k2"])
        let anonymous = try Self.load(#"{"server":{"address":"10.1.2.3"},"auth":{"allowAnonymous":true}}"#)
        #expect(anonymous.auth.allowAnonymous)
        #expect(try Self.load().server.address == "127.0.0.1")
    }

    @Test func anEmptyKeyIsAnErrorNeverAuthOff() {
        #expect(throws: ConfigurationError.self) { try Self.load(environment: ["PANDA_AUTH_API_KEYS": ""]) }
        #expect(throws: ConfigurationError.self) { try Self.load(environment: ["PANDA_AUTH_API_KEYS": " , "]) }
        #expect(throws: ConfigurationError.self) { try Self.load(environment: ["PANDA_AUTH_API_KEYS": "a,,b"]) }
        #expect(throws: ConfigurationError.self) { try Self.load(overrides: ["auth.apiKeys": ""]) }
        #expect(throws: ConfigurationError.self) { try Self.load(#"{"auth":{"apiKeys":["a",""]}}"#) }
        #expect(throws: ConfigurationError.self) { try Self.load(#"{"auth":{"apiKeys":["  "]}}"#) }
        // Other lists keep their meaning: empty text is an empty list.
        #expect((try? Self.load(environment: ["PANDA_CORS_ALLOWED_ORIGINS": ""]))?.cors.allowedOrigins == [])
    }

    @Test func theHeaderTimeoutMustBeShorterThanTheKeepAliveTimeout() throws {
        #expect(throws: ConfigurationError.self) {
            try Self.load(overrides: ["server.headerTimeoutSeconds": "60", "server.idleTimeoutSeconds": "60"])
        }
        let ok = try Self.load(overrides: ["server.headerTimeoutSeconds": "5", "server.idleTimeoutSeconds": "6"])
        #expect(ok.server.headerTimeoutSeconds == 5)
    }

    @Test func theShippedConfigurationHasTheDefaults() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("config/panda.json")
        let shipped = try ConfigurationLoader.load(fileContents: try Data(contentsOf: file), environment: [:])
        #expect(shipped == PandaConfiguration())
    }
}
