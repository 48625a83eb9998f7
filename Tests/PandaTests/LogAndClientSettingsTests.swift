import Foundation
import Panda
import Testing

/// `log.format` / `log.level`, and the `panda` client's own variables next to the server's settings.
struct LogAndClientSettingsTests {
    @Test func logSettingsAreCheckedAndTheClientsVariablesAreNotSettings() throws {
        let configuration = try ConfigurationLoader.load(
            fileContents: nil,
            environment: ["PANDA_SERVER": "http://panda:8080", "PANDA_API_KEY": "k", "PANDA_LOG_FORMAT": "json"],
            overrides: ["log.level": "debug"])
        #expect(configuration.log.format == "json" && configuration.log.level == "debug")

        #expect(throws: ConfigurationError("log.format must be one of text, json, got 'xml'")) {
            try ConfigurationLoader.load(fileContents: nil, environment: [:], overrides: ["log.format": "xml"])
        }
        #expect(throws: ConfigurationError("log.level must be one of trace, debug, info, notice, warning, error, critical, got 'loud'")) {
            try ConfigurationLoader.load(fileContents: nil, environment: ["PANDA_LOG_LEVEL": "loud"])
        }
    }
}
