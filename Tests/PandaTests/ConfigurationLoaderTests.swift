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

    @Test func unknownEnvironmentVariablesAreSkippedAndListedForAWarning() throws {
        // What Kubernetes injects for a service named panda, plus a typo.
        let environment = [
            "PANDA_SERVICE_HOST": "10.0.0.1", "PANDA_SERVICE_PORT": "8080", "PANDA_PORT": "tcp://10.0.0.1:8080",
            "PANDA_PORT_8080_TCP_ADDR": "10.0.0.1", "PANDA_SERVER_PROT": "1", "PANDA_SERVER_PORT": "9001",
            "PANDA_SECRET_KEY": "not a setting, read by the store", "HOME": "/root",
        ]
        let configuration = try ConfigurationLoader.load(fileContents: nil, environment: environment)
        #expect(configuration.server.port == 9001)
        #expect(ConfigurationLoader.unknownEnvironmentNames(in: environment) == [
            "PANDA_PORT", "PANDA_PORT_8080_TCP_ADDR", "PANDA_SERVER_PROT", "PANDA_SERVICE_HOST", "PANDA_SERVICE_PORT",
        ])
    }

    @Test func badValuesAndUnknownFlagsAreErrors() {
        #expect(throws: ConfigurationError("environment: PANDA_DEPLOYMENTS_MAX_CONCURRENT must be a whole number, got 'ten'")) {
            try ConfigurationLoader.load(fileContents: nil, environment: ["PANDA_DEPLOYMENTS_MAX_CONCURRENT": "ten"])
        }
        #expect(throws: ConfigurationError("flag: unknown setting 'nope'")) {
            try ConfigurationLoader.load(fileContents: nil, environment: [:], overrides: ["nope": "1"])
        }
    }

    @Test(arguments: [
        ("server.maxBodyBytes", "PANDA_SERVER_MAX_BODY_BYTES"),
        ("github.apiBaseURL", "PANDA_GITHUB_API_BASE_URL"),
        ("aws.endpointURL", "PANDA_AWS_ENDPOINT_URL"),
        ("aws.allowedCIDRs", "PANDA_AWS_ALLOWED_CIDRS"),
        ("aws.taskCPU", "PANDA_AWS_TASK_CPU"),
        ("aws.executionRoleARN", "PANDA_AWS_EXECUTION_ROLE_ARN"),
        ("aws.subnetIds", "PANDA_AWS_SUBNET_IDS"),
        ("docs.swaggerUIDirectory", "PANDA_DOCS_SWAGGER_UI_DIRECTORY"),
        ("docs.openAPIFile", "PANDA_DOCS_OPEN_API_FILE"),
        ("health.maxLatencyMs", "PANDA_HEALTH_MAX_LATENCY_MS"),
        ("commands.awsTimeoutSeconds", "PANDA_COMMANDS_AWS_TIMEOUT_SECONDS"),
    ])
    func environmentNamesTreatAcronymsAsWords(path: String, name: String) throws {
        let setting = try #require(ConfigurationLoader.settingNames.first { $0.path == path })
        #expect(setting.environment == name)
    }

    @Test(arguments: [
        ("URLPath", ["URL", "Path"]), ("listOfARNs", ["list", "Of", "ARNs"]), ("IDsAndURLs", ["IDs", "And", "URLs"]),
        ("a", ["a"]), ("ipV6", ["ip", "V6"]), ("maxCPUs", ["max", "CPUs"]), ("status", ["status"]),
    ])
    func camelCaseWords(name: String, words: [String]) {
        #expect(ConfigurationKey.words(of: name) == words)
    }

    @Test func everySettingHasItsOwnEnvironmentName() {
        let names = ConfigurationLoader.settingNames.map(\.environment)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.wholeMatch(of: /PANDA_[A-Z0-9]+(_[A-Z0-9]+)*/) != nil })
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
