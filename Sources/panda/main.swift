import ArgumentParser
import CLinuxShims
import Foundation
import HTTPServer
import Logging
import Panda
import PandaAPI
import Tools

struct PandaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "panda",
        abstract: "Deploys a GitHub repository's Dockerfile to your AWS account, blue/green, with live progress.",
        subcommands: [Serve.self, Settings.self, Connect.self, Deploy.self, Watch.self, ShowResult.self, Deployments.self, Apps.self],
        defaultSubcommand: Serve.self
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP API.")

    @Option(name: .long, help: "JSON configuration file.")
    var config: String = "config/panda.json"

    @Option(name: .long, help: "Address to bind (overrides server.address).")
    var address: String?

    @Option(name: .long, help: "Port to listen on; 0 picks a free one (overrides server.port).")
    var port: Int?

    @Option(name: .long, parsing: .singleValue, help: "Override any setting: --set server.maxBodyBytes=131072 (repeatable).")
    var set: [String] = []

    func run() async throws {
        let configuration: PandaConfiguration
        do {
            configuration = try loadConfiguration()
        } catch {
            FileHandle.standardError.write(Data("panda: configuration error: \(error)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
        LogSetup.bootstrap(configuration.log)
        let logger = Logger(label: "panda")
        let metrics = MetricsSetup.bootstrapPrometheus()

        for name in ConfigurationLoader.unknownEnvironmentNames(in: ProcessInfo.processInfo.environment) {
            logger.warning("ignoring environment variable \(name): not a Panda setting (see `panda settings`)")
        }

        // No core dumps: Panda's memory holds decrypted tokens and keys.
        if panda_set_dumpable(0) != 0 {
            logger.warning("could not turn core dumps off (PR_SET_DUMPABLE)")
        }
        let storage: Storage
        do {
            storage = try Storage.open(directory: configuration.storage.directory, environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("panda: \(error)\n".utf8))
            throw ExitCode(73)  // EX_CANTCREAT
        }
        // What a Panda killed on this storage directory left running (a grandchild the kernel's
        // parent-death signal does not reach) goes before anything is restored.
        let owner = URL(fileURLWithPath: configuration.storage.directory).standardizedFileURL.path
        let leftovers = LeftoverProcesses.kill(owner: owner)
        if !leftovers.isEmpty {
            logger.notice("killed processes a previous panda left running", metadata: ["pids": "\(leftovers.map(String.init).joined(separator: ","))"])
        }
        let services = PandaServices.live(configuration: configuration, storage: storage, logger: logger, childOwner: owner)
        do {
            let restored = try await services.restore()
            logger.info("state restored", metadata: [
                "finished": "\(restored.finished)", "interrupted": "\(restored.interrupted.joined(separator: ","))",
                "requeued": "\(restored.requeued.joined(separator: ","))",
            ])
        } catch {
            FileHandle.standardError.write(Data("panda: storage \(configuration.storage.directory): \(error)\n".utf8))
            throw ExitCode(73)
        }
        let app = PandaHTTPApp(configuration: configuration, services: services, metrics: metrics)
        let server = app.makeServer()
        do {
            try server.start()
        } catch {
            FileHandle.standardError.write(Data("panda: \(error)\n".utf8))
            throw ExitCode(1)
        }
        // Scripts and tests read the real port (useful with --port 0) from this line.
        FileHandle.standardOutput.write(Data("panda listening on http://\(configuration.server.address):\(server.port)\n".utf8))

        await HTTPServer.waitForTerminationSignal()
        app.services.readiness.markDraining()
        // New deployments are refused (503) while running ones get drainSeconds to finish;
        // then they are cancelled with their clean-up, and only then do the streams end.
        logger.info("shutting down", metadata: ["drainSeconds": "\(configuration.server.drainSeconds)"])
        await services.deployments.shutDown(drain: .seconds(configuration.server.drainSeconds))
        await server.shutdown()
        logger.info("stopped")
    }

    private func loadConfiguration() throws -> PandaConfiguration {
        guard let contents = FileManager.default.contents(atPath: config) else {
            throw ConfigurationError("cannot read \(config)")
        }
        var overrides: [String: String] = [:]
        for assignment in set {
            let parts = assignment.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw ConfigurationError("--set expects key=value, got '\(assignment)'") }
            overrides[String(parts[0])] = String(parts[1])
        }
        if let address { overrides["server.address"] = address }
        if let port { overrides["server.port"] = String(port) }
        return try ConfigurationLoader.load(
            fileContents: contents, fileName: config,
            environment: ProcessInfo.processInfo.environment, overrides: overrides)
    }
}

struct Settings: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List every setting and its environment variable.")

    func run() {
        for setting in ConfigurationLoader.settingNames {
            print("\(setting.path)\t\(setting.environment)")
        }
    }
}

await PandaCommand.mainWithScriptExitCodes()
