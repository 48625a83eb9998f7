/// What a deployment does: roll out a new version, or remove what Panda created for an application.
public enum DeploymentKind: String, Sendable, Codable, CaseIterable {
    case deploy = "DEPLOY"
    case teardown = "TEARDOWN"
}
