import Foundation
import Logging
import Synchronization
import Tools

/// Accepts deployments, runs them through the scheduler, and answers for their results.
public final class DeploymentService: Sendable {
    let connections: ConnectionRegistry
    let scheduler: Scheduler?
    let results: ResultStore
    let store: any Store
    let limits: EventLog.Limits
    let configuration: PandaConfiguration
    let runner: ProcessRunner
    private let logger: Logger
    private let shuttingDown = Mutex(false)
    private let recovery = Mutex<Task<Void, Never>?>(nil)
    private let branchVerifier: (any BranchVerifier)?

    /// - Parameters:
    ///   - pipeline: the stages to run; `nil` while no pipeline is available,
    ///     in which case starting a deployment says so instead of pretending.
    ///   - branchVerifier: asks GitHub about a branch other than the connection's; `nil`
    ///     only where there is no GitHub (engine tests): such branches are then checked by shape alone.
    public init(configuration: PandaConfiguration, connections: ConnectionRegistry, runner: ProcessRunner,
                pipeline: Pipeline?, teardownPipeline: @escaping Pipeline = standardTeardownPipeline,
                branchVerifier: (any BranchVerifier)? = nil,
                logger: Logger = Logger(label: "panda.deployments")) {
        self.connections = connections
        self.configuration = configuration
        self.runner = runner
        self.branchVerifier = branchVerifier
        self.logger = logger
        store = connections.storage.store
        limits = EventLog.Limits(maxOutputBytes: configuration.events.maxOutputBytesPerDeployment)
        results = ResultStore(capacity: configuration.deployments.resultCapacity, store: store)
        scheduler = pipeline.map { pipeline in
            Scheduler(
                maxConcurrent: configuration.deployments.maxConcurrent,
                queueCapacity: configuration.deployments.queueCapacity,
                orchestrator: Orchestrator(configuration: configuration, runner: runner, pipeline: pipeline,
                                           teardownPipeline: teardownPipeline, logger: logger))
        }
    }

    /// Validates the request against its connections, then starts or queues it. Returns at once.
    public func start(githubConnectionID: String, awsConnectionID: String,
                      owner: String, repo: String, branch: String) async throws -> Deployment {
        guard !shuttingDown.withLock({ $0 }) else {
            throw ServiceUnavailable("Panda is shutting down; try again shortly", retryAfterSeconds: 10)
        }
        try ConnectionInputRules.checkOwner(owner)
        try ConnectionInputRules.checkRepo(repo)
        try ConnectionInputRules.checkBranch(branch)
        guard let github = await connections.github(githubConnectionID) else {
            throw DeploymentError("GitHub connection not found")
        }
        guard let aws = await connections.aws(awsConnectionID) else {
            throw DeploymentError("AWS connection not found")
        }
        guard owner.lowercased() == github.owner.lowercased(), repo.lowercased() == github.repo.lowercased() else {
            throw DeploymentError("Repository \(owner)/\(repo) does not match the GitHub connection (\(github.owner)/\(github.repo))")
        }
        if branch != github.branch, let branchVerifier {
            try await branchVerifier.verifyBranch(branch, of: github)
        }

        let deployment = Deployment(
            id: Identifier.make(prefix: "dep_"),
            request: DeploymentRequest(owner: github.owner, repo: github.repo, branch: branch, github: github, aws: aws),
            store: store, limits: limits)
        try await submit(deployment)
        return deployment
    }

    /// Stores the deployment, then starts or queues it; refuses (409 `APP_BUSY`) a teardown
    /// while a deployment of the same application is queued or running.
    func submit(_ deployment: Deployment) async throws {
        guard let scheduler else { throw NotImplemented("The deployment pipeline") }
        let target = deployment.target
        if let busy = await results.insert(deployment, unlessBusy: deployment.kind == .teardown) {
            throw ConflictError(
                "Application \(target.owner)/\(target.repo) is busy: deployment \(busy.id) is \(busy.status.rawValue)",
                errorCode: .appBusy)
        }
        do {
            // Stored before it is accepted: a deployment the store cannot keep is refused (503).
            try deployment.persist()
            try await scheduler.submit(deployment)
        } catch {
            await results.remove(deployment.id)
            try? store.deleteDeployment(deployment.id)
            throw error
        }
        logger.with(deploymentID: deployment.id).info("deployment accepted", metadata: [
            "kind": "\(deployment.kind.rawValue)", "owner": "\(target.owner)", "repo": "\(target.repo)",
            "branch": "\(target.branch)", "status": "\(deployment.status.rawValue)",
        ])
    }

    public func deployment(_ id: String) async -> Deployment? {
        await results.get(id)
    }

    /// `deployment(_:)` without suspending: for answers given on the caller's thread.
    public func lookup(_ id: String) -> Deployment? {
        results.lookup(id)
    }

    /// The deployments Panda knows, newest first, filtered and paged as `query` says.
    public func list(_ query: DeploymentListQuery) async -> DeploymentPage {
        await results.list(query)
    }

    /// Stops a queued or running deployment; saying it again is fine.
    public func cancel(_ id: String) async throws -> Deployment {
        guard let deployment = await results.get(id), let scheduler else {
            throw DeploymentError("Deployment result not found: \(id)")
        }
        switch await scheduler.cancel(deployment) {
        case .cancelled: return deployment
        case .alreadyFinished: throw DeploymentError("Deployment already finished: \(id)")
        }
    }

    /// Ends the queued deployments that would use connection `id`, which is being deleted.
    @discardableResult
    public func cancelQueued(usingConnection id: String) async -> [String] {
        guard let scheduler else { return [] }
        let failure = DeploymentFailure(
            message: "Deployment failed: Deployment cancelled: connection \(id) was deleted",
            errorCode: .deploymentCancelled, stage: nil)
        let cancelled = await scheduler.cancelQueued(
            where: { $0.target.githubConnectionID == id || $0.target.awsConnectionID == id }, failure: failure)
        if !cancelled.isEmpty {
            logger.info("queued deployments cancelled with their connection", metadata: [
                "connectionId": "\(id)", "deploymentIds": "\(cancelled.joined(separator: ","))",
            ])
        }
        return cancelled
    }

    public var storedCount: Int { get async { await results.count } }

    // MARK: Restart

    /// What ``restore()`` found in the store.
    public struct RestoreSummary: Sendable, Equatable {
        public var finished = 0
        public var interrupted: [String] = []
        public var requeued: [String] = []
    }

    /// Reads the deployments back: finished ones are served as before; those that were
    /// running end `FAILED`/`DEPLOYMENT_INTERRUPTED` (then their AWS resources are put
    /// back, see ``InterruptedDeploymentReconciler``); queued ones run again in their order
    /// after that. Workspaces they left are removed. Call once, before serving.
    public func restore() async throws -> RestoreSummary {
        var summary = RestoreSummary()
        var interrupted: [Deployment] = []
        var queued: [Deployment] = []
        for record in try store.deployments() {
            let last = try record.eventCount > 0
                ? store.events(of: record.id, after: record.eventCount - 1, limit: 1).first : nil
            let deployment = Deployment(restoring: record, store: store, limits: limits, lastEvent: last)
            await results.restore(deployment, lastUse: record.lastUse)
            switch record.status {
            case .completed, .failed:
                summary.finished += 1
            case .inProgress:
                Workspace.removeLeftovers(of: deployment.id)
                deployment.finish(failure: .interrupted(at: record.currentStage))
                interrupted.append(deployment)
                summary.interrupted.append(deployment.id)
            case .queued:
                Workspace.removeLeftovers(of: deployment.id)
                // A teardown reads nothing from GitHub: it needs only its AWS connection.
                let github = await connections.github(record.githubConnectionID)
                if github != nil || deployment.kind == .teardown,
                   let aws = await connections.aws(record.awsConnectionID), scheduler != nil {
                    deployment.attach(DeploymentRequest(owner: record.owner, repo: record.repo, branch: record.branch,
                                                        github: github, aws: aws, deleteImages: record.deleteImages))
                    queued.append(deployment)
                    summary.requeued.append(deployment.id)
                } else {
                    deployment.finish(failure: DeploymentFailure(
                        message: "Deployment failed: Deployment cancelled: its connections are gone",
                        errorCode: .deploymentCancelled, stage: nil))
                }
            }
        }
        await results.evictIfNeeded()

        let reconciler = InterruptedDeploymentReconciler(configuration: configuration, runner: runner, logger: logger)
        let connections = connections
        let scheduler = scheduler
        let task = Task {
            for deployment in interrupted where (deployment.snapshot().currentStage ?? 0) >= 3 {
                guard let aws = await connections.aws(deployment.target.awsConnectionID) else {
                    reconciler.logger.warning("interrupted deployment not reconciled: its AWS connection is gone",
                                              metadata: ["deploymentId": "\(deployment.id)"])
                    continue
                }
                await reconciler.reconcile(deployment, aws: aws)
            }
            for deployment in queued { await scheduler?.resubmit(deployment) }
        }
        recovery.withLock { $0 = task }
        return summary
    }

    /// Waits for the start-up reconcile pass and the re-queueing after it.
    public func waitForRecovery() async {
        await recovery.withLock { $0 }?.value
    }

    // MARK: Shutdown

    /// Refuses new deployments (503 with `Retry-After`), lets running ones finish for up to
    /// `drain`, then cancels them and waits for their clean-up. Queued ones stay queued in
    /// the store and run at the next start.
    public func shutDown(drain: Duration) async {
        shuttingDown.withLock { $0 = true }
        await waitForRecovery()
        await scheduler?.drain(for: drain)
    }
}

/// Panda cannot take the request now (shutting down); answered 503 with `Retry-After`.
public struct ServiceUnavailable: PandaError, Equatable {
    public let message: String
    public let retryAfterSeconds: Int?
    public var category: ErrorCategory { .unavailable }

    public init(_ message: String, retryAfterSeconds: Int) {
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }
}
