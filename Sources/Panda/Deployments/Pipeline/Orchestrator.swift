import Foundation
import Logging
import Tools

/// Runs a deployment's stages in order, each under its timeout and the deployment's,
/// and turns how it ended into the SPEC's terminal event and result.
struct Orchestrator: Sendable {
    let configuration: PandaConfiguration
    let runner: ProcessRunner
    let pipeline: Pipeline
    /// The stages of a deployment of kind `TEARDOWN`.
    var teardownPipeline: Pipeline = standardTeardownPipeline
    let logger: Logger
    let applicationLocks = ApplicationLocks()
    /// What stage 3 learned about each application, so a redeploy need not look it all up again.
    let infrastructureFacts: any InfrastructureFactsStore = InMemoryInfrastructureFacts()

    private enum Outcome: Sendable {
        case finished
        case failed(any Error)
        case timedOut(at: ContinuousClock.Instant)
    }

    func run(_ deployment: Deployment) async {
        guard let request = deployment.request else {
            // Its connections were deleted while it waited.
            deployment.finish(failure: .cancelled(at: nil))
            return
        }
        deployment.markStarted()
        let started = ContinuousClock.now
        let deploymentTimeout = Duration.seconds(configuration.deployments.deploymentTimeoutSeconds)
        let workspace: Workspace
        do {
            workspace = try Workspace.create(for: deployment.id)
        } catch {
            deployment.finish(failure: failure(for: error, in: nil, deployment: deployment))
            return
        }
        let context = DeploymentContext(
            deployment: deployment, request: request, configuration: configuration, workspace: workspace, runner: runner,
            logger: logger.with(deploymentID: deployment.id), applicationLocks: applicationLocks,
            infrastructureFacts: infrastructureFacts)
        context.logger.info("deployment started", metadata: [
            "owner": "\(request.owner)", "repo": "\(request.repo)", "branch": "\(request.branch)",
        ])
        let failure = await runStages(of: deployment, in: context, started: started, deploymentTimeout: deploymentTimeout)
        // Clean up before the terminal event: whoever sees `done`/`error` finds nothing left behind.
        await context.runFinishers()
        await workspace.remove()
        deployment.finish(failure: failure)
        var outcome: Logger.Metadata = ["status": "\(deployment.status.rawValue)", "durationSeconds": "\(deployment.snapshot().durationSeconds)"]
        if let failure {
            outcome["errorCode"] = "\(failure.errorCode.rawValue)"
            outcome["stage"] = "\(failure.stage.map(String.init) ?? "none")"
        }
        context.logger.info("deployment finished", metadata: outcome)
    }

    /// Runs the stages; returns why the deployment failed, or `nil` when it succeeded.
    private func runStages(of deployment: Deployment, in context: DeploymentContext,
                           started: ContinuousClock.Instant, deploymentTimeout: Duration) async -> DeploymentFailure? {

        let stages = deployment.kind == .teardown ? teardownPipeline(context) : pipeline(context)
        if stages.contains(where: \.usesAWS) {
            do {
                try await context.verifyAWSCredentials()
            } catch {
                return failure(for: error, in: nil, deployment: deployment)
            }
        }
        for stage in stages {
            if deployment.isCancelRequested || Task.isCancelled {
                return .cancelled(at: stage.number)
            }
            context.enter(stage)
            // Waiting outside this deployment (e.g. for the application lock) is not the stage's time.
            switch await race(until: started + deploymentTimeout, { try await stage.prepare(in: context) }) {
            case .finished: break
            case .timedOut(let when): return timedOut(stage: stage.number, after: when - started, limit: deploymentTimeout)
            case .failed(let error): return failure(for: error, in: stage, deployment: deployment)
            }
            let stageStarted = ContinuousClock.now
            let stageTimeout = stage.timeout ?? .seconds(configuration.deployments.stageTimeoutSeconds)
            let remaining = deploymentTimeout - (stageStarted - started)
            let limitedByDeployment = remaining < stageTimeout
            let outcome = await race(until: stageStarted + (limitedByDeployment ? remaining : stageTimeout)) { try await stage.run(in: context) }
            let stageTime = ContinuousClock.now - stageStarted
            deployment.leaveStage(wallTime: stageTime)
            DeploymentMetrics.stageFinished(stage.number, after: stageTime)

            switch outcome {
            case .finished where deployment.isCancelRequested:
                return .cancelled(at: stage.number)
            case .finished:
                continue
            case .timedOut(let when):
                // Measured at the deadline, not after the teardown that followed.
                let elapsed = when - (limitedByDeployment ? started : stageStarted)
                let limit = limitedByDeployment ? deploymentTimeout : stageTimeout
                return timedOut(stage: stage.number, after: elapsed, limit: limit)
            case .failed(let error):
                return failure(for: error, in: stage, deployment: deployment)
            }
        }
        return nil
    }

    /// Races a stage's work against its deadline. On timeout or cancellation the work's task
    /// is cancelled and awaited, so its processes are torn down before this returns.
    /// A timeout reports the deadline itself: how late a busy machine wakes the timer is
    /// not the stage's time.
    private func race(until deadline: ContinuousClock.Instant, _ work: @escaping @Sendable () async throws -> Void) async -> Outcome {
        await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                do {
                    try await work()
                    return .finished
                } catch {
                    return .failed(error)
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    return .timedOut(at: deadline)
                } catch {
                    return nil  // cancelled: the stage decides the outcome
                }
            }
            var outcome = Outcome.finished
            for await result in group {
                guard let result else { continue }
                outcome = result
                break
            }
            group.cancelAll()
            return outcome
        }
    }

    private func timedOut(stage: Int, after elapsed: Duration, limit: Duration) -> DeploymentFailure {
        let seconds = Int(elapsed.components.seconds)
        let limitSeconds = Int(limit.components.seconds)
        return DeploymentFailure(
            message: "Deployment timed out at Stage \(stage) after \(seconds) seconds (timeout: \(limitSeconds) seconds)",
            errorCode: .deploymentTimeout, stage: stage, durationSeconds: seconds, timeoutSeconds: limitSeconds)
    }

    private func failure(for error: any Error, in stage: (any Stage)?, deployment: Deployment) -> DeploymentFailure {
        if deployment.isCancelRequested || error is CancellationError || (error as? ProcessError) == .cancelled {
            return .cancelled(at: stage?.number)
        }
        let code = stage?.failureCode ?? .unexpectedError
        let (message, errorCode): (String, ErrorCode) = switch error {
        case let failure as StageFailure: (failure.message, failure.errorCode ?? code)
        case let failure as ProcessError: (failure.description, code)
        case let failure as any PandaError: (failure.message, failure.errorCode ?? code)
        default: ("Unexpected \(String(describing: type(of: error)))", .unexpectedError)
        }
        if case .unexpectedError = errorCode {
            logger.error("deployment failed unexpectedly", metadata: ["deploymentId": "\(deployment.id)", "error": "\(String(describing: type(of: error)))"])
        }
        return DeploymentFailure(message: "Deployment failed: \(message)", errorCode: errorCode, stage: stage?.number)
    }
}

extension Logger {
    func with(deploymentID: String) -> Logger {
        var logger = self
        logger[metadataKey: "deploymentId"] = "\(deploymentID)"
        return logger
    }
}
