/// One step of a deployment. The orchestrator gives it a timeout and turns whatever it
/// throws into the SPEC's error event; a stage only does its work and publishes progress.
public protocol Stage: Sendable {
    /// The SPEC's stage number (1–6).
    var number: Int { get }
    var name: String { get }
    /// The `errorCode` of a failure in this stage.
    var failureCode: ErrorCode { get }
    /// `nil` uses the configured stage timeout.
    var timeout: Duration? { get }
    /// Whether it calls AWS: a pipeline with such a stage re-checks the credentials first.
    var usesAWS: Bool { get }

    /// Runs before the stage's timer starts (bounded only by the deployment's): waiting for
    /// something outside this deployment, such as another deployment of the same application.
    func prepare(in context: DeploymentContext) async throws

    func run(in context: DeploymentContext) async throws
}

extension Stage {
    public var timeout: Duration? { nil }
    public var usesAWS: Bool { false }
    public func prepare(in context: DeploymentContext) async throws {}
}

/// A stage's own account of why it failed; the message is shown to users as
/// `Deployment failed: <message>`, so it must be safe (already redacted).
public struct StageFailure: Error, Sendable, Equatable {
    public let message: String
    /// Overrides the stage's `failureCode` when the cause belongs elsewhere.
    public let errorCode: ErrorCode?

    public init(_ message: String, errorCode: ErrorCode? = nil) {
        self.message = message
        self.errorCode = errorCode
    }
}

/// Builds the stage list for one deployment.
public typealias Pipeline = @Sendable (DeploymentContext) -> [any Stage]

/// The six stages of SPEC.md section 3, in order.
public let standardPipeline: Pipeline = { _ in
    [DockerBuildStage(), ECRPushStage(), ECSServiceStage(), BlueGreenLifecycleStage(), HealthCheckAndSwitchStage(), CompletionStage()]
}
