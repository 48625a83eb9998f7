import Foundation
import Tools

/// Stage 3: the application's infrastructure (found or created), a task definition for the
/// pushed image, and the idle slot's service created at 0 tasks or updated to it.
public struct ECSServiceStage: Stage {
    public let number = 3
    public let name = "ECS service"
    public let usesAWS = true
    public let failureCode = ErrorCode.ecsDeploymentFailed

    public init() {}

    /// Deployments of one application (repository, account, region) take stages 3–6 in turn.
    /// Waiting for the lock happens before this stage's timer starts.
    public func prepare(in context: DeploymentContext) async throws {
        let key = "\(context.request.aws.accountId)/\(context.request.aws.region)/\(AWSNames(owner: context.request.owner, repo: context.request.repo).application)"
        if let holder = await context.applicationLocks.holder(of: key) {
            context.publish("[Stage 3] Waiting for deployment \(holder) of the same application to finish", details: [
                "waitingFor": .string(holder),
            ])
        }
        try await context.applicationLocks.acquire(key, for: context.id)
        context.onFinish { await context.applicationLocks.release(key, by: context.id) }
    }

    /// The cluster, the log group, the execution role and a task definition for `image`.
    private static func compute(_ provisioner: Provisioner, image: String, containerPort: Int) async throws -> (cluster: String, taskDefinition: String) {
        let cluster = try await provisioner.cluster()
        try await provisioner.logGroup()
        let role = try await provisioner.executionRole()
        return (cluster, try await provisioner.registerTaskDefinition(image: image, containerPort: containerPort, executionRole: role))
    }

    public func run(in context: DeploymentContext) async throws {
        guard let image = context.facts.imageURI else { throw StageFailure("No image was pushed", errorCode: .unexpectedError) }
        let request = context.request
        context.publish(.ecsDeploymentStarted, details: ["image": .string(image)])

        let names = AWSNames(owner: request.owner, repo: request.repo)
        let settings = context.configuration.aws
        let provisioner = Provisioner(context: context, names: names)
        let containerPort = context.facts.containerPort ?? settings.containerPort
        // Two independent chains, side by side: what runs the tasks, and the network in front of them.
        async let compute = Self.compute(provisioner, image: image, containerPort: containerPort)
        let network = try await provisioner.network()
        let groups = try await provisioner.securityGroups(in: network, containerPort: containerPort)
        let balancer = try await provisioner.loadBalancer(in: network, securityGroup: groups.loadBalancer)
        let targetGroups = try await provisioner.targetGroups(in: network, containerPort: containerPort)
        let listeners = try await provisioner.listeners(of: balancer, targetGroups: targetGroups)
        let (cluster, taskDefinition) = try await compute

        // Blue is whatever serves production now; green goes to the other slot.
        let productionSlot = Slot.allCases.first { targetGroups[$0] == listeners.production.targetGroupARN } ?? .a
        let blueState = try await context.serviceState(names.service(productionSlot), cluster: cluster)
        let blue: Slot? = (blueState?.desired ?? 0) > 0 ? productionSlot : nil
        let green = productionSlot.other

        let plan = BlueGreenPlan(
            names: names, clusterName: cluster, loadBalancerARN: balancer.arn, loadBalancerDNS: balancer.dnsName,
            productionListenerARN: listeners.production.arn, testListenerARN: listeners.test.arn,
            targetGroupARNs: targetGroups, containerPort: containerPort, taskDefinitionARN: taskDefinition,
            blue: blue, green: green, productionPort: settings.productionPort, testPort: settings.testPort)
        context.plan = plan
        // Whatever happens next, a green that production does not forward to goes back to 0 tasks.
        context.onFinish { await context.stopGreenUnlessServing(plan) }

        let serviceName = names.service(green)
        let binding = ECSLoadBalancerBinding(targetGroupARN: plan.targetGroupARN(green), containerName: names.containerName,
                                             containerPort: containerPort)
        if let existing = try await context.serviceState(serviceName, cluster: cluster) {
            // A new EXPOSE moves the load balancer to the new container port with the new task definition.
            let portChanged = existing.containerPort != containerPort
            let grace = existing.healthCheckGracePeriodSeconds == settings.healthCheckGracePeriodSeconds ? nil : settings.healthCheckGracePeriodSeconds
            try await context.aws {
                $0.ecs.updateService(cluster: cluster, service: serviceName, taskDefinition: taskDefinition, desiredCount: 0,
                                     loadBalancers: portChanged ? [binding] : nil, healthCheckGracePeriodSeconds: grace)
            }
            context.publish(.serviceUpdated, details: [
                "serviceName": .string(serviceName), "clusterName": .string(cluster),
                "taskDefinition": .string(taskDefinition), "slot": .string(green.rawValue),
                "containerPort": .integer(containerPort), "containerPortChanged": .bool(portChanged),
            ])
        } else {
            try await provisioner.serviceLinkedRole()
            let network = ECSNetwork(subnets: network.subnetIDs, securityGroups: [groups.tasks], assignPublicIP: true)
            try await context.awsWaitingForIAM("the ECS service-linked role", when: { $0.reason.contains("service linked role") }) {
                $0.ecs.createService(cluster: cluster, name: serviceName, taskDefinition: taskDefinition, desiredCount: 0,
                                     network: network, loadBalancers: [binding],
                                     healthCheckGracePeriodSeconds: settings.healthCheckGracePeriodSeconds)
            }
            context.publish(.serviceCreated, details: [
                "serviceName": .string(serviceName), "clusterName": .string(cluster),
                "taskDefinition": .string(taskDefinition), "slot": .string(green.rawValue),
            ])
        }
    }
}
