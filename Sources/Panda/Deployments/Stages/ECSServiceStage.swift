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
        let application = try await holdApplicationLock(names: names, context: context)
        let containerPort = context.facts.containerPort ?? context.configuration.aws.containerPort
        rememberOutcome(of: application, context: context)

        // A redeploy of an application whose infrastructure is known: three aws calls.
        if let known = await context.infrastructureFacts.load(application), known.containerPort == containerPort,
           let redeploy = await Self.redeploy(known, image: image, names: names, context: context) {
            try await startGreen(redeploy.plan, exists: redeploy.greenExists, subnets: known.subnetIDs,
                                 taskSecurityGroup: known.taskSecurityGroupID, context: context)
            return
        }

        let provisioner = Provisioner(context: context, names: names)
        // The cluster, log group and role do not depend on the network chain: looked up meanwhile.
        async let cluster = provisioner.cluster()
        async let logGroup: Void = provisioner.logGroup()
        async let role = provisioner.executionRole()
        let network = try await provisioner.network()
        let groups = try await provisioner.securityGroups(in: network, containerPort: containerPort)
        let balancer = try await provisioner.loadBalancer(in: network, securityGroup: groups.loadBalancer)
        let targetGroups = try await provisioner.targetGroups(in: network, containerPort: containerPort)
        let listeners = try await provisioner.listeners(of: balancer, targetGroups: targetGroups)
        let (clusterName, executionRole, _) = try await (cluster, role, logGroup)

        // Blue is whatever serves production now; green goes to the other slot.
        let productionSlot = Slot.allCases.first { targetGroups[$0] == listeners.production.targetGroupARN } ?? .a
        async let taskDefinition = provisioner.registerTaskDefinition(image: image, containerPort: containerPort, executionRole: executionRole)
        async let services = Self.serviceStates(names: names, cluster: clusterName, context: context)
        let (registered, states) = try await (taskDefinition, services)
        let blue: Slot? = (states[productionSlot]?.desired ?? 0) > 0 ? productionSlot : nil
        let green = productionSlot.other

        let plan = BlueGreenPlan(
            names: names, clusterName: clusterName, loadBalancerDNS: balancer.dnsName,
            productionListenerARN: listeners.production.arn, testListenerARN: listeners.test.arn,
            targetGroupARNs: targetGroups, containerPort: containerPort, taskDefinitionARN: registered,
            blue: blue, green: green,
            productionPort: context.configuration.aws.productionPort, testPort: context.configuration.aws.testPort)
        await context.infrastructureFacts.save(ApplicationInfrastructure(
            vpcID: network.vpcID, subnetIDs: network.subnetIDs, loadBalancerSecurityGroupID: groups.loadBalancer,
            taskSecurityGroupID: groups.tasks, loadBalancerARN: balancer.arn, loadBalancerDNS: balancer.dnsName,
            productionListenerARN: listeners.production.arn, testListenerARN: listeners.test.arn,
            targetGroupARNs: Dictionary(uniqueKeysWithValues: targetGroups.map { ($0.key.rawValue, $0.value) }),
            clusterName: clusterName, executionRoleARN: executionRole, containerPort: containerPort,
            productionSlot: productionSlot.rawValue), for: application)
        try await startGreen(plan, exists: states[green] != nil, subnets: network.subnetIDs, taskSecurityGroup: groups.tasks,
                             context: context)
    }

    /// The plan from known facts, checked by one read: the services of both slots, read while the
    /// new task definition is registered. `nil` (full discovery follows) when the read disagrees
    /// with the facts or any call fails.
    private static func redeploy(_ known: ApplicationInfrastructure, image: String, names: AWSNames,
                                 context: DeploymentContext) async -> (plan: BlueGreenPlan, greenExists: Bool)? {
        guard let production = Slot(rawValue: known.productionSlot),
              Slot.allCases.allSatisfy({ known.targetGroupARNs[$0.rawValue] != nil }) else { return nil }
        do {
            let provisioner = Provisioner(context: context, names: names)
            async let taskDefinition = provisioner.registerTaskDefinition(
                image: image, containerPort: known.containerPort, executionRole: known.executionRoleARN)
            async let services = serviceStates(names: names, cluster: known.clusterName, context: context)
            let (registered, states) = try await (taskDefinition, services)
            // Production's slot must be the one running; anything else means the facts are stale.
            guard let blue = states[production], blue.desired > 0 else { return nil }
            let plan = BlueGreenPlan(
                names: names, clusterName: known.clusterName, loadBalancerDNS: known.loadBalancerDNS,
                productionListenerARN: known.productionListenerARN, testListenerARN: known.testListenerARN,
                targetGroupARNs: Dictionary(uniqueKeysWithValues: Slot.allCases.map { ($0, known.targetGroupARNs[$0.rawValue] ?? "") }),
                containerPort: known.containerPort, taskDefinitionARN: registered,
                blue: production, green: production.other,
                productionPort: context.configuration.aws.productionPort, testPort: context.configuration.aws.testPort)
            return (plan, states[production.other] != nil)
        } catch {
            context.logger.info("known infrastructure did not hold; discovering it again", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Both slots' services in one call: the active ones, by slot.
    private static func serviceStates(names: AWSNames, cluster: String, context: DeploymentContext) async throws -> [Slot: DeploymentContext.ServiceState] {
        let found = try await context.aws { $0.ecs.describeServices(cluster: cluster, services: Slot.allCases.map(names.service)) }
        var states: [Slot: DeploymentContext.ServiceState] = [:]
        for service in found["services"]?.arrayValue ?? [] where service["status"]?.stringValue == "ACTIVE" {
            guard let slot = Slot.allCases.first(where: { names.service($0) == service["serviceName"]?.stringValue }) else { continue }
            states[slot] = DeploymentContext.ServiceState(desired: service["desiredCount"]?.intValue ?? 0,
                                                          running: service["runningCount"]?.intValue ?? 0)
        }
        return states
    }

    /// Green's service gets the new task definition at 0 tasks (created when it does not exist yet).
    private func startGreen(_ plan: BlueGreenPlan, exists: Bool, subnets: [String], taskSecurityGroup: String,
                            context: DeploymentContext) async throws {
        context.plan = plan
        let green = plan.green
        let cluster = plan.clusterName
        // Whatever happens next, a green that never took production goes back to 0 tasks.
        context.onFinish {
            guard context.facts.finalService != "green" else { return }
            try? await context.scale(plan.serviceName(green), cluster: cluster, to: 0)
        }

        let serviceName = plan.serviceName(green)
        let taskDefinition = plan.taskDefinitionARN
        if exists {
            try await context.aws {
                $0.ecs.updateService(cluster: cluster, service: serviceName, taskDefinition: taskDefinition, desiredCount: 0)
            }
        } else {
            try await createService(serviceName, plan: plan, subnets: subnets, securityGroup: taskSecurityGroup, context: context)
        }
        context.publish(exists ? .serviceUpdated : .serviceCreated, details: [
            "serviceName": .string(serviceName), "clusterName": .string(cluster),
            "taskDefinition": .string(taskDefinition), "slot": .string(green.rawValue),
        ])
    }

    /// After a switch to green, green's slot is production; after anything else (a failure, a
    /// rollback, a switch cut short) the listeners are not certain: the facts are dropped.
    private func rememberOutcome(of application: String, context: DeploymentContext) {
        context.onFinish {
            guard context.facts.finalService == "green", let green = context.plan?.green,
                  var known = await context.infrastructureFacts.load(application) else {
                await context.infrastructureFacts.forget(application)
                return
            }
            known.productionSlot = green.rawValue
            await context.infrastructureFacts.save(known, for: application)
        }
    }

    private func createService(_ name: String, plan: BlueGreenPlan, subnets: [String], securityGroup: String,
                               context: DeploymentContext) async throws {
        let network = ECSNetwork(subnets: subnets, securityGroups: [securityGroup], assignPublicIP: true)
        let binding = ECSLoadBalancerBinding(targetGroupARN: plan.targetGroupARN(plan.green), containerName: plan.names.containerName,
                                             containerPort: plan.containerPort)
        try await context.aws {
            $0.ecs.createService(cluster: plan.clusterName, name: name, taskDefinition: plan.taskDefinitionARN, desiredCount: 0,
                                 network: network, loadBalancers: [binding])
        }
    }

    /// Deployments of one application (repository, account, region) take stages 3–6 in turn.
    /// Returns the application's key (`account/region/application`).
    private func holdApplicationLock(names: AWSNames, context: DeploymentContext) async throws -> String {
        let key = "\(context.request.aws.accountId)/\(context.request.aws.region)/\(names.application)"
        if let holder = await context.applicationLocks.holder(of: key) {
            context.publish("[Stage 3] Waiting for deployment \(holder) of the same application to finish", details: [
                "waitingFor": .string(holder),
            ])
        }
        try await context.applicationLocks.acquire(key, for: context.id)
        context.onFinish { await context.applicationLocks.release(key, by: context.id) }
        return key
    }
}
