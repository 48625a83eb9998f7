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
        try await context.holdApplicationLock { "[Stage 3] Waiting for deployment \($0) of the same application to finish" }
    }

    public func run(in context: DeploymentContext) async throws {
        guard let image = context.facts.imageURI else { throw StageFailure("No image was pushed", errorCode: .unexpectedError) }
        let request = context.request
        context.publish(.ecsDeploymentStarted, details: ["image": .string(image)])

        let names = AWSNames(owner: request.owner, repo: request.repo)
        let settings = context.configuration.aws
        let application = request.applicationKey
        let containerPort = context.facts.containerPort ?? settings.containerPort
        rememberOutcome(of: application, context: context)

        // A redeploy of an application whose infrastructure is known: three aws calls.
        if let known = await context.infrastructureFacts.load(application), known.containerPort == containerPort,
           let redeploy = await Self.redeploy(known, image: image, names: names, context: context) {
            try await startGreen(redeploy.plan, existing: redeploy.green, subnets: known.subnetIDs,
                                 taskSecurityGroup: known.taskSecurityGroupID, context: context)
            return
        }

        let provisioner = Provisioner(context: context, names: names)
        // What runs the tasks and the network in front of them are independent, and so are most
        // steps within each: every call waits only for what it needs (an aws call takes ~0.6 s).
        async let compute = Self.compute(provisioner, names: names, image: image, containerPort: containerPort, context: context)
        let network = try await provisioner.network()
        async let targetGroupsFound = provisioner.targetGroups(in: network, containerPort: containerPort)
        let loadBalancerGroup = try await provisioner.loadBalancerSecurityGroup(in: network)
        async let exposed: Void = provisioner.expose(loadBalancerGroup)
        async let taskGroup = provisioner.taskSecurityGroup(in: network, containerPort: containerPort, loadBalancerGroup: loadBalancerGroup.id)
        let balancer = try await provisioner.loadBalancer(in: network, securityGroup: loadBalancerGroup.id)
        let targetGroups = try await targetGroupsFound
        let listeners = try await provisioner.listeners(of: balancer, targetGroups: targetGroups)
        let taskGroupID = try await taskGroup
        try await exposed
        let (cluster, states, executionRole, taskDefinition) = try await compute

        // Blue is whatever serves production now; green goes to the other slot.
        let productionSlot = Slot.allCases.first { targetGroups[$0] == listeners.production.targetGroupARN } ?? .a
        let blue: Slot? = (states[productionSlot]?.desired ?? 0) > 0 ? productionSlot : nil
        let green = productionSlot.other

        let plan = BlueGreenPlan(
            names: names, clusterName: cluster, loadBalancerARN: balancer.arn, loadBalancerDNS: balancer.dnsName,
            productionListenerARN: listeners.production.arn, testListenerARN: listeners.test.arn,
            targetGroupARNs: targetGroups, containerPort: containerPort, taskDefinitionARN: taskDefinition,
            blue: blue, green: green, productionPort: settings.productionPort, testPort: settings.testPort)
        await context.infrastructureFacts.save(ApplicationInfrastructure(
            vpcID: network.vpcID, subnetIDs: network.subnetIDs, loadBalancerSecurityGroupID: loadBalancerGroup.id,
            taskSecurityGroupID: taskGroupID, loadBalancerARN: balancer.arn, loadBalancerDNS: balancer.dnsName,
            productionListenerARN: listeners.production.arn, testListenerARN: listeners.test.arn,
            targetGroupARNs: Dictionary(uniqueKeysWithValues: targetGroups.map { ($0.key.rawValue, $0.value) }),
            clusterName: cluster, executionRoleARN: executionRole, containerPort: containerPort,
            productionSlot: productionSlot.rawValue), for: application)
        try await startGreen(plan, existing: states[green],
                             subnets: network.subnetIDs, taskSecurityGroup: taskGroupID, context: context)
    }

    /// The cluster and the slots' services in it, the log group, the execution role and a task
    /// definition for `image` (which needs the role only), and the ECS service-linked role a
    /// first service needs: side by side.
    private static func compute(_ provisioner: Provisioner, names: AWSNames, image: String, containerPort: Int,
                                context: DeploymentContext) async throws
        -> (cluster: String, services: [Slot: ServiceState], executionRole: String, taskDefinition: String) {
        async let cluster = clusterAndServices(provisioner, names: names, context: context)
        async let logGroup: Void = provisioner.logGroup()
        async let linkedRole: Void = provisioner.serviceLinkedRole()
        let role = try await provisioner.executionRole()
        let taskDefinition = try await provisioner.registerTaskDefinition(image: image, containerPort: containerPort, executionRole: role)
        _ = try await (logGroup, linkedRole)
        let (name, services) = try await cluster
        return (name, services, role, taskDefinition)
    }

    private static func clusterAndServices(_ provisioner: Provisioner, names: AWSNames,
                                           context: DeploymentContext) async throws -> (String, [Slot: ServiceState]) {
        let cluster = try await provisioner.cluster()
        return (cluster, try await serviceStates(names: names, cluster: cluster, context: context))
    }

    /// The plan from known facts, checked by one read: the services of both slots, read while the
    /// new task definition is registered. `nil` (full discovery follows) when the read disagrees
    /// with the facts or any call fails.
    private static func redeploy(_ known: ApplicationInfrastructure, image: String, names: AWSNames,
                                 context: DeploymentContext) async -> (plan: BlueGreenPlan, green: ServiceState?)? {
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
                names: names, clusterName: known.clusterName, loadBalancerARN: known.loadBalancerARN,
                loadBalancerDNS: known.loadBalancerDNS,
                productionListenerARN: known.productionListenerARN, testListenerARN: known.testListenerARN,
                targetGroupARNs: Dictionary(uniqueKeysWithValues: Slot.allCases.map { ($0, known.targetGroupARNs[$0.rawValue] ?? "") }),
                containerPort: known.containerPort, taskDefinitionARN: registered,
                blue: production, green: production.other,
                productionPort: context.configuration.aws.productionPort, testPort: context.configuration.aws.testPort)
            return (plan, states[production.other])
        } catch {
            context.logger.info("known infrastructure did not hold; discovering it again", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Both slots' services in one call: the active ones, by slot.
    private static func serviceStates(names: AWSNames, cluster: String, context: DeploymentContext) async throws -> [Slot: ServiceState] {
        let found = try await context.aws { $0.ecs.describeServices(cluster: cluster, services: Slot.allCases.map(names.service)) }
        var states: [Slot: ServiceState] = [:]
        for service in found["services"]?.arrayValue ?? [] where service["status"]?.stringValue == "ACTIVE" {
            guard let slot = Slot.allCases.first(where: { names.service($0) == service["serviceName"]?.stringValue }) else { continue }
            states[slot] = ServiceState(service)
        }
        return states
    }

    /// Green's service gets the new task definition at 0 tasks (created when it does not exist yet).
    private func startGreen(_ plan: BlueGreenPlan, existing: ServiceState?, subnets: [String],
                            taskSecurityGroup: String, context: DeploymentContext) async throws {
        context.plan = plan
        // Whatever happens next, a green that production does not forward to goes back to 0 tasks.
        context.onFinish { await context.stopGreenUnlessServing(plan) }

        let settings = context.configuration.aws
        let green = plan.green
        let cluster = plan.clusterName
        let serviceName = plan.serviceName(green)
        let taskDefinition = plan.taskDefinitionARN
        let containerPort = plan.containerPort
        let binding = ECSLoadBalancerBinding(targetGroupARN: plan.targetGroupARN(green), containerName: plan.names.containerName,
                                             containerPort: containerPort)
        if let existing {
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
            // Full discovery made sure of the service-linked role (ECS made it with blue's service, if any).
            let network = ECSNetwork(subnets: subnets, securityGroups: [taskSecurityGroup], assignPublicIP: true)
            try await context.awsWaitingForIAM("the ECS service-linked role", when: { $0.reason.contains("service linked role") }) {
                $0.ecs.createService(cluster: cluster, name: serviceName, taskDefinition: taskDefinition, desiredCount: 0,
                                     network: network, loadBalancers: [binding],
                                     healthCheckGracePeriodSeconds: settings.healthCheckGracePeriodSeconds,
                                     circuitBreaker: context.circuitBreaker, tags: context.applicationTags)
            }
            context.publish(.serviceCreated, details: [
                "serviceName": .string(serviceName), "clusterName": .string(cluster),
                "taskDefinition": .string(taskDefinition), "slot": .string(green.rawValue),
            ])
        }
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
}
