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

    /// Everything wired for real: one process runner, one in-memory registry.
    public static func live(configuration: PandaConfiguration, logger: Logger = Logger(label: "panda")) -> PandaServices {
        var processLogger = logger
        processLogger[metadataKey: "component"] = "process"
        var connectionLogger = logger
        connectionLogger[metadataKey: "component"] = "connections"
        var deploymentLogger = logger
        deploymentLogger[metadataKey: "component"] = "deployments"
        let runner = ProcessRunner(logger: processLogger)
        let connections = ConnectionService(configuration: configuration, runner: runner, logger: connectionLogger)
        let deployments = DeploymentService(configuration: configuration, connections: connections.registry, runner: runner,
                                            pipeline: standardPipeline, branchVerifier: connections, logger: deploymentLogger)
        return PandaServices(connections: connections, deployments: deployments)
    }
}
