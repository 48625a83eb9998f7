import Logging
import Tools

/// The core services the HTTP API (or any other front end) drives.
public struct PandaServices: Sendable {
    public var connections: ConnectionService
    public var deployments: DeploymentService
    /// What `GET /ready` reports; shutdown and the store drive it.
    public var readiness: Readiness

    public init(connections: ConnectionService, deployments: DeploymentService, readiness: Readiness = Readiness()) {
        self.connections = connections
        self.deployments = deployments
        self.readiness = readiness
    }

    /// Everything wired for real: one process runner, one registry, one store. The default
    /// store lives in memory (tests); `panda serve` passes the one opened from `storage.directory`.
    /// - Parameter childOwner: marks every child process (``LeftoverProcesses``); `panda serve`
    ///   passes its storage directory, where the next Panda looks for what outlived this one.
    public static func live(configuration: PandaConfiguration, storage: Storage = .inMemory(),
                            logger: Logger = Logger(label: "panda"), childOwner: String? = nil) -> PandaServices {
        var processLogger = logger
        processLogger[metadataKey: "component"] = "process"
        var connectionLogger = logger
        connectionLogger[metadataKey: "component"] = "connections"
        var deploymentLogger = logger
        deploymentLogger[metadataKey: "component"] = "deployments"
        let runner = ProcessRunner(logger: processLogger, owner: childOwner, niceness: configuration.commands.niceness)
        let readiness = Readiness()
        let connections = ConnectionService(configuration: configuration, runner: runner, logger: connectionLogger,
                                            registry: ConnectionRegistry(storage: storage.reportingWrites(to: readiness)))
        let deployments = DeploymentService(configuration: configuration, connections: connections.registry, runner: runner,
                                            pipeline: standardPipeline, branchVerifier: connections, logger: deploymentLogger)
        return PandaServices(connections: connections, deployments: deployments, readiness: readiness)
    }

    /// Deletes a connection and its secrets everywhere; queued deployments that would have
    /// used it are cancelled first, with an error that says why.
    public func deleteConnection(_ id: String) async throws {
        let isGitHub = await connections.registry.github(id) != nil
        let isAWS = await connections.registry.aws(id) != nil
        guard isGitHub || isAWS else {
            throw DeploymentError("Connection not found: \(id)")
        }
        await deployments.cancelQueued(usingConnection: id)
        try await connections.delete(id)
    }

    /// Reads back what the store holds (connections, then deployments); call once before serving.
    public func restore() async throws -> DeploymentService.RestoreSummary {
        _ = try await connections.registry.restore()
        return try await deployments.restore()
    }
}
