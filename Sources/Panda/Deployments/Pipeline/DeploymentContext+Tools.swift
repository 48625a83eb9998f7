import Tools

/// The git and docker command builders with this deployment's time limits (`commands.*`).
extension DeploymentContext {
    /// git with the workspace as `HOME`, so nothing of the host's configuration is read.
    var git: GitCLI {
        GitCLI(home: workspace.path, timeout: .seconds(configuration.commands.gitTimeoutSeconds))
    }

    /// docker, with a private `DOCKER_CONFIG` when registry credentials are involved.
    func docker(configDirectory: String? = nil) -> DockerCLI {
        DockerCLI(configDirectory: configDirectory, timeout: .seconds(configuration.commands.dockerTimeoutSeconds))
    }
}
