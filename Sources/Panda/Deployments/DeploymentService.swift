import Logging
import Tools

/// Accepts deployments, runs them through the scheduler, and answers for their results.
public final class DeploymentService: Sendable {
    let connections: ConnectionRegistry
    let scheduler: Scheduler?
    let results: ResultStore
    let configuration: PandaConfiguration
    let runner: ProcessRunner
    private let branchVerifier: (any BranchVerifier)?
    private let logger: Logger

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
        results = ResultStore(capacity: configuration.deployments.resultCapacity)
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
            request: DeploymentRequest(owner: github.owner, repo: github.repo, branch: branch, github: github, aws: aws))
        try await submit(deployment)
        return deployment
    }

    /// Stores the deployment, then starts or queues it; refuses (409 `APP_BUSY`) a teardown
    /// while a deployment of the same application is queued or running.
    func submit(_ deployment: Deployment) async throws {
        guard let scheduler else { throw NotImplemented("The deployment pipeline") }
        if let busy = await results.insert(deployment, unlessBusy: deployment.kind == .teardown) {
            throw ConflictError(
                "Application \(deployment.request.owner)/\(deployment.request.repo) is busy: deployment \(busy.id) is \(busy.status.rawValue)",
                errorCode: .appBusy)
        }
        do {
            try await scheduler.submit(deployment)
        } catch {
            await results.remove(deployment.id)
            throw error
        }
        logger.with(deploymentID: deployment.id).info("deployment accepted", metadata: [
            "kind": "\(deployment.kind.rawValue)", "owner": "\(deployment.request.owner)", "repo": "\(deployment.request.repo)",
            "branch": "\(deployment.request.branch)", "status": "\(deployment.status.rawValue)",
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

    public var storedCount: Int { get async { await results.count } }
}
