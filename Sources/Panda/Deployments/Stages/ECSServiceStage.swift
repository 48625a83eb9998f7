import Foundation
import Tools

/// Stage 3: the application's infrastructure (found or created), a task definition for the
/// pushed image, and the idle slot's service created at 0 tasks or updated to it.
public struct ECSServiceStage: Stage {
    public let number = 3
    public let name = "ECS service"
    public let failureCode = ErrorCode.ecsDeploymentFailed

    public init() {}

    public func run(in context: DeploymentContext) async throws {
        guard let image = context.facts.imageURI else { throw StageFailure("No image was pushed", errorCode: .unexpectedError) }
        let request = context.request
        context.publish(.ecsDeploymentStarted, details: ["image": .string(image)])

        let names = AWSNames(owner: request.owner, repo: request.repo)
        try await holdApplicationLock(names: names, context: context)

        let provisioner = Provisioner(context: context, names: names)
        let containerPort = context.facts.containerPort ?? context.configuration.aws.containerPort
        let network = try await provisioner.network()
        let groups = try await provisioner.securityGroups(in: network, containerPort: containerPort)
        let balancer = try await provisioner.loadBalancer(in: network, securityGroup: groups.loadBalancer)
        let targetGroups = try await provisioner.targetGroups(in: network, containerPort: containerPort)
        let listeners = try await provisioner.listeners(of: balancer, targetGroups: targetGroups)
        let cluster = try await provisioner.cluster()
        try await provisioner.logGroup()
        let role = try await provisioner.executionRole()
        let taskDefinition = try await provisioner.registerTaskDefinition(image: image, containerPort: containerPort, executionRole: role)

        // Blue is whatever serves production now; green goes to the other slot.
        let productionSlot = Slot.allCases.first { targetGroups[$0] == listeners.production.targetGroupARN } ?? .a
        let blueState = try await context.serviceState(names.service(productionSlot), cluster: cluster)
        let blue: Slot? = (blueState?.desired ?? 0) > 0 ? productionSlot : nil
        let green = productionSlot.other

        let plan = BlueGreenPlan(
            names: names, clusterName: cluster, loadBalancerDNS: balancer.dnsName,
            productionListenerARN: listeners.production.arn, testListenerARN: listeners.test.arn,
            targetGroupARNs: targetGroups, containerPort: containerPort, taskDefinitionARN: taskDefinition,
            blue: blue, green: green,
            productionPort: context.configuration.aws.productionPort, testPort: context.configuration.aws.testPort)
        context.plan = plan
        // Whatever happens next, a green that never took production goes back to 0 tasks.
        context.onFinish {
            guard context.facts.finalService != "green" else { return }
            try? await context.scale(plan.serviceName(green), cluster: cluster, to: 0)
        }

        let serviceName = names.service(green)
        let exists = try await context.serviceState(serviceName, cluster: cluster) != nil
        if exists {
            try await context.aws {
                $0.ecs.updateService(cluster: cluster, service: serviceName, taskDefinition: taskDefinition, desiredCount: 0)
            }
        } else {
            try await createService(serviceName, plan: plan, subnets: network.subnetIDs, securityGroup: groups.tasks, context: context)
        }
        context.publish(exists ? .serviceUpdated : .serviceCreated, details: [
            "serviceName": .string(serviceName), "clusterName": .string(cluster),
            "taskDefinition": .string(taskDefinition), "slot": .string(green.rawValue),
        ])
    }

    private func createService(_ name: String, plan: BlueGreenPlan, subnets: [String], securityGroup: String,
                               context: DeploymentContext) async throws {
        let network = ECSNetwork(subnets: subnets, securityGroups: [securityGroup], assignPublicIP: true)
        let binding = ECSLoadBalancerBinding(targetGroupARN: plan.targetGroupARN(plan.green), containerName: plan.names.containerName,
                                             containerPort: plan.containerPort)
        try await context.aws {
            $0.ecs.createService(cluster: plan.clusterName, name: name, taskDefinition: plan.taskDefinitionARN, desiredCount: 0,
                                 network: network, loadBalancers: [binding], circuitBreaker: context.circuitBreaker,
                                 tags: context.applicationTags)
        }
    }

    /// Deployments of one application (repository, account, region) take stages 3–6 in turn.
    private func holdApplicationLock(names: AWSNames, context: DeploymentContext) async throws {
        try await context.holdApplicationLock { "[Stage 3] Waiting for deployment \($0) of the same application to finish" }
    }
}
