import Logging
import Tools

/// What a stage gets: the request, the connections, a private workspace, the one
/// process runner, and ways to publish progress and record what it learned.
public final class DeploymentContext: Sendable {
    public let deployment: Deployment
    /// The request with its connections, fixed for the whole run.
    public let request: DeploymentRequest
    public let configuration: PandaConfiguration
    public let workspace: Workspace
    public let logger: Logger
    private let runner: ProcessRunner
    private let currentStageNumber: Mutex<Int>
    private let finishers = Mutex<[@Sendable () async -> Void]>([])
    private let blueGreenPlan = Mutex<BlueGreenPlan?>(nil)
    private let productionReading = Mutex<Slot??>(nil)
    /// Serializes stages 3–6 of deployments of the same application.
    let applicationLocks: ApplicationLocks
    /// Stage 3's findings per application, kept between deployments.
    let infrastructureFacts: any InfrastructureFactsStore

    init(deployment: Deployment, request: DeploymentRequest, configuration: PandaConfiguration, workspace: Workspace,
         runner: ProcessRunner, logger: Logger, applicationLocks: ApplicationLocks,
         infrastructureFacts: any InfrastructureFactsStore = InMemoryInfrastructureFacts()) {
        self.applicationLocks = applicationLocks
        self.infrastructureFacts = infrastructureFacts
        self.deployment = deployment
        self.request = request
        self.configuration = configuration
        self.workspace = workspace
        self.runner = runner
        self.logger = logger
        currentStageNumber = Mutex(0)
    }

    public var id: String { deployment.id }
    public var facts: DeploymentFacts { deployment.facts }

    /// The number of the stage now running.
    public var stageNumber: Int { currentStageNumber.withLock { $0 } }

    /// Publishes a `stage` event for the stage now running.
    public func publish(_ message: StageMessage, details: EventDetails = [:]) {
        publish(message.text, details: details)
    }

    /// A message of the stage's own beyond `StageMessage` (e.g. English progress notes).
    public func publish(_ message: String, details: EventDetails = [:]) {
        deployment.log.append(.stage(message, stage: stageNumber, details: details))
    }

    /// Publishes a tool's output: kept up to the deployment's output limit, then dropped with a notice.
    public func publishOutput(_ message: StageMessage, details: EventDetails) {
        deployment.log.append(.stage(message.text, stage: stageNumber, details: details), isOutput: true)
    }

    /// The aws CLI with this deployment's credentials and region, and Panda's endpoint override.
    public var awsCLI: AWSCLI {
        AWSCLI(credentials: request.aws.credentials, region: request.aws.region,
               endpointURL: configuration.aws.endpointURL, timeout: .seconds(configuration.commands.awsTimeoutSeconds),
               maxAttempts: configuration.aws.maxAttempts)
    }

    /// Work to do when the deployment ends, however it ends (even when cancelled).
    public func onFinish(_ action: @escaping @Sendable () async -> Void) {
        finishers.withLock { $0.append(action) }
    }

    func runFinishers() async {
        let actions = finishers.withLock { actions in
            defer { actions = [] }
            return actions
        }
        // Detached: a cancelled deployment's clean-up must still be allowed to run processes.
        await Task.detached {
            for action in actions.reversed() { await action() }
        }.value
    }

    /// What stage 3 set up for stages 4–6; `nil` until stage 3 has run.
    public var plan: BlueGreenPlan? {
        get { blueGreenPlan.withLock { $0 } }
        set { blueGreenPlan.withLock { $0 = newValue } }
    }

    /// The plan for a stage after 3 (a pipeline without stage 3 is a programming error).
    func requirePlan() throws -> BlueGreenPlan {
        guard let plan else { throw StageFailure("Stage 3 left no plan", errorCode: .unexpectedError) }
        return plan
    }

    /// What the production listener forwarded to when last read: `nil` when it has not been
    /// read since the last switch, `.some(nil)` when it forwarded to neither slot.
    var lastProductionReading: Slot?? {
        get { productionReading.withLock { $0 } }
        set { productionReading.withLock { $0 = newValue } }
    }

    public func record(_ update: (inout DeploymentFacts) -> Void) {
        deployment.updateFacts(update)
    }

    /// Runs a child process, counting its wall time against the current stage.
    public func run(_ command: Command) async throws(ProcessError) -> ProcessResult {
        try await run(command, onLine: { _ in })
    }

    /// Runs a child process and hands each output line to `onLine` as it arrives.
    public func run(_ command: Command, onLine: (OutputLine) async -> Void) async throws(ProcessError) -> ProcessResult {
        let started = ContinuousClock.now
        deployment.beginAwaiting()
        defer { deployment.endAwaiting(childProcess: (ContinuousClock.now - started, command.tool)) }
        return try await runner.run(command, logger: logger, onLine: onLine)
    }

    /// A deliberate wait (poll interval, probe spacing, backoff): counted as awaited time, not Panda's own.
    public func pause(for duration: Duration) async throws {
        deployment.beginAwaiting()
        defer { deployment.endAwaiting() }
        try await Task.sleep(for: duration)
    }

    func enter(_ stage: any Stage) {
        currentStageNumber.withLock { $0 = stage.number }
        deployment.enterStage(stage)
    }
}

import Synchronization
