import Foundation
import Logging
import Tools

/// After a restart, puts back what an interrupted deployment left running in AWS: any
/// slot of its application that the production listener does not forward to (its green)
/// is scaled to 0 tasks. Production is never touched. Best effort: failures are logged.
struct InterruptedDeploymentReconciler: Sendable {
    let configuration: PandaConfiguration
    let runner: ProcessRunner
    let logger: Logger

    func reconcile(_ deployment: Deployment, aws connection: AWSConnection) async {
        let target = deployment.target
        let names = AWSNames(owner: target.owner, repo: target.repo)
        let cli = AWSCLI(credentials: connection.credentials, region: connection.region,
                         endpointURL: configuration.aws.endpointURL, timeout: .seconds(60), maxAttempts: configuration.aws.maxAttempts)
        let cluster = configuration.aws.clusterName
        var logger = logger.with(deploymentID: deployment.id)
        logger[metadataKey: "component"] = "reconcile"
        do {
            let production = try await productionTargetGroup(names, cli)
            for slot in Slot.allCases {
                let groups = try await call(cli.elbv2.describeTargetGroups(names: [names.targetGroup(slot)]), tolerating: "TargetGroupNotFound")
                let arn = groups?["TargetGroups"]?.arrayValue.first?["TargetGroupArn"]?.stringValue
                if let arn, arn == production { continue }  // it serves production: leave it
                let service = names.service(slot)
                let described = try await call(cli.ecs.describeServices(cluster: cluster, services: [service]),
                                               tolerating: "ClusterNotFoundException")
                guard let state = described?["services"]?.arrayValue.first(where: { $0["status"]?.stringValue == "ACTIVE" }),
                      (state["desiredCount"]?.intValue ?? 0) > 0 else { continue }
                _ = try await call(cli.ecs.updateService(cluster: cluster, service: service, desiredCount: 0))
                logger.notice("scaled an interrupted deployment's green to 0", metadata: ["serviceName": "\(service)"])
            }
        } catch {
            logger.error("interrupted deployment not reconciled", metadata: ["error": "\(error)"])
        }
    }

    /// The target group the production listener forwards to, or `nil` when there is none yet.
    private func productionTargetGroup(_ names: AWSNames, _ cli: AWSCLI) async throws -> String? {
        let balancers = try await call(cli.elbv2.describeLoadBalancers(names: [names.loadBalancer]), tolerating: "LoadBalancerNotFound")
        guard let arn = balancers?["LoadBalancers"]?.arrayValue.first?["LoadBalancerArn"]?.stringValue else { return nil }
        let listeners = try await call(cli.elbv2.describeListeners(loadBalancerARN: arn))
        return listeners?["Listeners"]?.arrayValue.compactMap(Listener.init)
            .first { $0.port == configuration.aws.productionPort }?.targetGroupARN
    }

    /// Runs one aws command (no deployment context here: the deployment has ended) and parses its JSON.
    private func call(_ command: Command, tolerating code: String? = nil) async throws -> JSONValue? {
        let result = try await runner.run(command)
        guard result.succeeded else {
            let errorCode = AWSCLI.errorCode(inStderr: result.stderr)
            if let code, errorCode == code { return nil }
            throw AWSCallFailure(operation: command.arguments.prefix(2).joined(separator: " "), code: errorCode,
                                 reason: AWSCLI.errorReason(fromStderr: result.stderr))
        }
        return try? JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
    }
}
