import Foundation
import Testing
@testable import Panda

@Suite struct ConfigurationLoaderTests {
    private let shipped = FileManager.default.contents(
        atPath: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/panda.json").path)

    @Test func shippedFileHoldsEveryDefault() throws {
        let contents = try #require(shipped)
        #expect(try ConfigurationLoader.load(fileContents: contents, environment: [:]) == PandaConfiguration())
        // Every setting appears in the file, so it documents them all.
        let text = String(decoding: contents, as: UTF8.self)
        for setting in ConfigurationLoader.settingNames {
            #expect(text.contains("\"\(setting.path.split(separator: ".").last!)\""), "\(setting.path) missing from config/panda.json")
        }
    }

    @Test func environmentThenFlagsOverrideTheFile() throws {
        let configuration = try ConfigurationLoader.load(
            fileContents: Data(#"{"server":{"port":9000},"cors":{"allowedOrigins":["https://a"]}}"#.utf8),
            environment: ["PANDA_SERVER_PORT": "9001", "PANDA_AUTH_API_KEYS": "k1, k2", "PANDA_SERVER_MAX_BODY_BYTES": "1024", "HOME": "/root"],
            overrides: ["server.port": "9002"])
        #expect(configuration.server.port == 9002)
        #expect(configuration.server.maxBodyBytes == 1024)
        #expect(configuration.auth.apiKeys == ["k1", "k2"])
        #expect(configuration.cors.allowedOrigins == ["https://a"])
    }

    @Test(arguments: [
        (#"{"server":{"prot":1}}"#, "config: unknown setting 'server.prot'"),
        (#"{"server":{"port":"80"}}"#, "config: 'server.port' must be a whole number"),
        (#"{"server":{"port":70000}}"#, "config: 'server.port' must be between 0 and 65535, got 70000"),
        (#"{"server":{"port":80.5}}"#, "config: 'server.port' must be a whole number"),
        (#"{"cors":{"allowedOrigins":"*"}}"#, "config: 'cors.allowedOrigins' must be a list of strings"),
        (#"{"aws":{"clusterName":""}}"#, "config: 'aws.clusterName' must not be empty"),
        ("[1]", "config: the top level must be an object"),
        ("{", "config: not valid JSON"),
    ])
    func badFileValuesStopWithAClearMessage(json: String, message: String) {
        #expect(throws: ConfigurationError(message)) {
            try ConfigurationLoader.load(fileContents: Data(json.utf8), environment: [:])
        }
    }

    @Test func unknownEnvironmentSettingOrBadValueIsAnError() {
        #expect(throws: ConfigurationError("environment: unknown setting PANDA_SERVER_PROT")) {
            try ConfigurationLoader.load(fileContents: nil, environment: ["PANDA_SERVER_PROT": "1"])
        }
        #expect(throws: ConfigurationError("environment: PANDA_DEPLOYMENTS_MAX_CONCURRENT must be a whole number, got 'ten'")) {
            try ConfigurationLoader.load(fileContents: nil, environment: ["PANDA_DEPLOYMENTS_MAX_CONCURRENT": "ten"])
        }
        #expect(throws: ConfigurationError("flag: unknown setting 'nope'")) {
            try ConfigurationLoader.load(fileContents: nil, environment: [:], overrides: ["nope": "1"])
        }
    }

    @Test func apiKeysNeverShowInDescriptions() {
        var configuration = PandaConfiguration()
        configuration.auth.apiKeys = ["super-secret"]
        #expect(!String(describing: configuration).contains("super-secret"))
    }

    @Test func identifiersHaveTheContractShape() {
        let ids = (0..<200).map { _ in Identifier.make(prefix: "dep_") }
        #expect(ids.allSatisfy { $0.wholeMatch(of: /dep_[a-z0-9]{10}/) != nil })
        #expect(Set(ids).count == ids.count)
    }
}
