import Foundation
import Panda
import PandaTestSupport
import Testing
import Tools

/// The stand-in's AWS API refuses and reports what real AWS refuses and reports, where moto
/// does not (each behaviour here is one Panda's stages must handle; see issue "Behave like
/// real AWS"). Driven with the real aws CLI, one attempt per call, against real containers.
@Suite(.serialized) struct ECSStandInStrictnessTests {
    @Test func behavesLikeAWSWhereMotoIsLenient() async throws {
        var strictness = ECSStandIn.Strictness()
        // Long enough for the three aws CLI runs between creating the role and the refused
        // create-service on a machine busy with parallel suites (each has taken 5 s there).
        strictness.iamPropagation = .seconds(40)
        try await ECSStandInTests.withStandIn(strictness: strictness) { _, standIn, image in
            try await Self.exercise(standIn, image: image)
        }
    }

    private static func exercise(_ standIn: ECSStandIn, image: String) async throws {
        func aws(_ service: String, _ operation: String, _ arguments: [String] = []) async throws -> JSONValue {
            let answer = try await standIn.aws(service, operation, arguments)
            guard answer.succeeded else { throw TestFixtureError("aws \(service) \(operation): \(answer.stderr)") }
            return answer.json
        }
        func refusal(_ service: String, _ operation: String, _ arguments: [String]) async throws -> String {
            let answer = try await standIn.aws(service, operation, arguments)
            #expect(!answer.succeeded, "aws \(service) \(operation) succeeded")
            return answer.stderr
        }

        // The default VPC has an internet gateway route (as in AWS) once the stand-in looked at it.
        let subnets = try await aws("ec2", "describe-subnets", ["--filters", "Name=default-for-az,Values=true"])["Subnets"]?.arrayValue ?? []
        let vpc = try #require(subnets.first?["VpcId"]?.stringValue)
        let publicSubnets = subnets.prefix(2).compactMap { $0["SubnetId"]?.stringValue }
        let zone = try #require(subnets.first?["AvailabilityZone"]?.stringValue)
        try await ECSStandInTests.eventually("the default VPC's internet route", timeout: .seconds(60)) {
            let tables = try await aws("ec2", "describe-route-tables", ["--filters", "Name=vpc-id,Values=\(vpc)"])
            return tables["RouteTables"]?.arrayValue.contains { $0["Routes"]?.arrayValue.contains { $0["GatewayId"]?.stringValue?.hasPrefix("igw-") ?? false } ?? false } ?? false
        }

        // 5. A load balancer takes one subnet per Availability Zone, and two zones.
        let sameZone = try #require(try await aws("ec2", "create-subnet", [
            "--vpc-id", vpc, "--cidr-block", "172.31.240.0/24", "--availability-zone", zone,
        ])["Subnet"]?["SubnetId"]?.stringValue)
        let groupID = try #require(try await aws("ec2", "create-security-group", [
            "--group-name", "strict", "--description", "strict", "--vpc-id", vpc])["GroupId"]?.stringValue)
        let refusedZones = try await refusal("elbv2", "create-load-balancer", ["--name", "strict", "--subnets", publicSubnets[0], sameZone])
        #expect(refusedZones.contains("InvalidConfigurationRequest"))
        #expect(refusedZones.contains("multiple subnets in the same Availability Zone"))
        #expect(try await refusal("elbv2", "create-load-balancer", ["--name", "strict", "--subnets", publicSubnets[0]])
            .contains("two different Availability Zones"))

        // 4. No service before the ECS service-linked role exists, and not while IAM propagates it.
        _ = try await aws("ecs", "create-cluster", ["--cluster-name", "strict"])
        func taskDefinition(port: Int, role: String? = nil) async throws -> String {
            let answer = try await aws("ecs", "register-task-definition", [
                "--family", "strict", "--network-mode", "awsvpc", "--requires-compatibilities", "FARGATE", "--cpu", "256", "--memory", "512",
                "--container-definitions", #"[{"name":"app","image":"\#(image)","essential":true,"portMappings":[{"containerPort":\#(port)}]}]"#,
            ] + (role.map { ["--execution-role-arn", $0] } ?? []))
            return try #require(answer["taskDefinition"]?["taskDefinitionArn"]?.stringValue)
        }
        let definition = try await taskDefinition(port: 8080)
        func targetGroup(_ name: String, path: String) async throws -> String {
            try #require(try await aws("elbv2", "create-target-group", [
                "--name", name, "--protocol", "HTTP", "--port", "8080", "--vpc-id", vpc, "--target-type", "ip",
                "--health-check-path", path, "--health-check-interval-seconds", "5", "--healthy-threshold-count", "2",
                "--unhealthy-threshold-count", "2", "--matcher", "HttpCode=200-399",
            ])["TargetGroups"]?.arrayValue.first?["TargetGroupArn"]?.stringValue)
        }
        let healthyGroup = try await targetGroup("strict-web", path: SampleApp.healthPath)
        let sickGroup = try await targetGroup("strict-sick", path: "/missing")
        func createService(_ name: String, group: String, subnets: [String], definition: String = definition) -> [String] {
            ["--cluster", "strict", "--service-name", name, "--task-definition", definition, "--desired-count", "0",
             "--launch-type", "FARGATE", "--health-check-grace-period-seconds", "0",
             "--network-configuration", "awsvpcConfiguration={subnets=[\(subnets.joined(separator: ","))],securityGroups=[\(groupID)],assignPublicIp=ENABLED}",
             "--load-balancers", "targetGroupArn=\(group),containerName=app,containerPort=8080"]
        }
        let noRole = try await refusal("ecs", "create-service", createService("web", group: healthyGroup, subnets: publicSubnets))
        #expect(noRole.contains("InvalidParameterException"))
        #expect(noRole.contains("Unable to assume the service linked role"))
        let linked = try await aws("iam", "create-service-linked-role", ["--aws-service-name", "ecs.amazonaws.com"])
        #expect(linked["Role"]?["RoleName"]?.stringValue == "AWSServiceRoleForECS")
        #expect(try await refusal("iam", "create-service-linked-role", ["--aws-service-name", "ecs.amazonaws.com"]).contains("has been taken"))
        #expect(try await refusal("ecs", "create-service", createService("web", group: healthyGroup, subnets: publicSubnets))
            .contains("Unable to assume the service linked role"))
        // Once propagated, the same call succeeds.
        try await ECSStandInTests.eventually("create-service once the role propagated", timeout: .seconds(120)) {
            let answer = try await standIn.aws("ecs", "create-service", createService("web", group: healthyGroup, subnets: publicSubnets))
            return answer.succeeded && answer.json["service"]?["serviceArn"]?.stringValue != nil
        }
        _ = try await aws("ecs", "create-service", createService("sick", group: sickGroup, subnets: publicSubnets))

        // 6. A task definition without the container port the load balancer config names is refused.
        let otherPort = try await taskDefinition(port: 9090)
        let portRefusal = try await refusal("ecs", "update-service", ["--cluster", "strict", "--service", "web", "--task-definition", otherPort])
        #expect(portRefusal.contains("InvalidParameterException"))
        #expect(portRefusal.contains("The container app did not have a container port 8080 defined"))

        // 7. A configurable share of calls is throttled.
        try await standIn.setThrottleShare(1)
        #expect(try await refusal("sts", "get-caller-identity", []).contains("Throttling"))
        try await standIn.setThrottleShare(0)

        // 2. Target health from real probes with the group's own settings: healthy for /health; the
        //    sick service's target turns unhealthy, and past the grace period (0) ECS stops its task.
        _ = try await aws("ecs", "update-service", ["--cluster", "strict", "--service", "web", "--desired-count", "1"])
        _ = try await aws("ecs", "update-service", ["--cluster", "strict", "--service", "sick", "--desired-count", "1"])
        try await ECSStandInTests.eventually("web's target healthy", timeout: .seconds(60)) {
            let health = try await aws("elbv2", "describe-target-health", ["--target-group-arn", healthyGroup])
            return health["TargetHealthDescriptions"]?.arrayValue.first?["TargetHealth"]?["State"]?.stringValue == "healthy"
        }
        var unhealthySeen: JSONValue?
        try await ECSStandInTests.eventually("sick's task stopped for failing ELB health checks", timeout: .seconds(60)) {
            let health = try await aws("elbv2", "describe-target-health", ["--target-group-arn", sickGroup])
            if let target = health["TargetHealthDescriptions"]?.arrayValue.first?["TargetHealth"], target["State"]?.stringValue == "unhealthy" {
                unhealthySeen = target
            }
            let stopped = try await aws("ecs", "list-tasks", ["--cluster", "strict", "--service-name", "sick", "--desired-status", "STOPPED"])
            return !(stopped["taskArns"]?.arrayValue.isEmpty ?? true)
        }
        if let unhealthySeen {
            #expect(unhealthySeen["Reason"]?.stringValue == "Target.ResponseCodeMismatch")
            #expect(unhealthySeen["Description"]?.stringValue?.contains("[404]") == true)
        }
        let sickStopped = try await aws("ecs", "list-tasks", ["--cluster", "strict", "--service-name", "sick", "--desired-status", "STOPPED"])
        let sickTask = try #require(try await aws("ecs", "describe-tasks", ["--cluster", "strict", "--tasks"]
            + (sickStopped["taskArns"]?.arrayValue.compactMap(\.stringValue) ?? []))["tasks"]?.arrayValue.first)
        #expect(sickTask["stoppedReason"]?.stringValue == "Task failed ELB health checks in (target-group \(sickGroup))")
        #expect(sickTask["group"]?.stringValue == "service:sick")
        #expect(sickTask["taskDefinitionArn"]?.stringValue == definition)
        let sickEvents = try await aws("ecs", "describe-services", ["--cluster", "strict", "--services", "sick"])["services"]?.arrayValue.first?["events"]
        #expect(sickEvents?.arrayValue.contains { $0["message"]?.stringValue?.contains("Health checks failed with these codes: [404]") ?? false } == true)

        // 1. A service's stopped tasks stay listed with their reason, group and task definition,
        //    filtered by service (moto lists every task of the cluster).
        _ = try await aws("ecs", "update-service", ["--cluster", "strict", "--service", "web", "--desired-count", "0"])
        try await ECSStandInTests.eventually("web's task stopped", timeout: .seconds(60)) {
            let stopped = try await aws("ecs", "list-tasks", ["--cluster", "strict", "--service-name", "web", "--desired-status", "STOPPED"])
            return stopped["taskArns"]?.arrayValue.count == 1
        }
        let webStopped = try await aws("ecs", "list-tasks", ["--cluster", "strict", "--service-name", "web", "--desired-status", "STOPPED"])
        let webTask = try #require(try await aws("ecs", "describe-tasks", ["--cluster", "strict", "--tasks"]
            + (webStopped["taskArns"]?.arrayValue.compactMap(\.stringValue) ?? []))["tasks"]?.arrayValue.first)
        #expect(webTask["group"]?.stringValue == "service:web")
        #expect(webTask["lastStatus"]?.stringValue == "STOPPED")
        #expect(webTask["stoppedReason"]?.stringValue?.hasPrefix("Scaling activity initiated by") == true)
        #expect(webTask["taskDefinitionArn"]?.stringValue == definition)
        #expect(webTask["stoppedAt"] != nil)
        #expect(!(sickStopped["taskArns"]?.arrayValue.contains { webStopped["taskArns"]?.arrayValue.contains($0) ?? false } ?? true))

        // 3. A placement failure shows only in the service's events: no task, running or stopped.
        try await standIn.setPlacementFailure(service: "web", reason: "RESOURCE:ENI")
        _ = try await aws("ecs", "update-service", ["--cluster", "strict", "--service", "web", "--desired-count", "1"])
        try await ECSStandInTests.eventually("web's placement failure event", timeout: .seconds(60)) {
            let events = try await aws("ecs", "describe-services", ["--cluster", "strict", "--services", "web"])["services"]?.arrayValue.first?["events"]
            return events?.arrayValue.contains { $0["message"]?.stringValue == "(service web) was unable to place a task. Reason: RESOURCE:ENI." } ?? false
        }
        let afterPlacement = try await aws("ecs", "list-tasks", ["--cluster", "strict", "--service-name", "web", "--desired-status", "STOPPED"])
        #expect(afterPlacement["taskArns"]?.arrayValue.count == 1)
        #expect(try await aws("ecs", "describe-services", ["--cluster", "strict", "--services", "web"])["services"]?.arrayValue.first?["runningCount"]?.intValue == 0)
        try await standIn.clearPlacementFailure(service: "web")
        _ = try await aws("ecs", "update-service", ["--cluster", "strict", "--service", "web", "--desired-count", "0"])

        // 4b. A task whose execution role was just created cannot start: an event, no stopped task.
        // (A role gets the propagation delay in force when it is created.)
        try await standIn.setIAMPropagation(.seconds(600))
        let role = try #require(try await aws("iam", "create-role", [
            "--role-name", "strict-execution", "--assume-role-policy-document",
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        ])["Role"]?["Arn"]?.stringValue)
        let withRole = try await taskDefinition(port: 8080, role: role)
        _ = try await aws("ecs", "create-service", createService("roled", group: healthyGroup, subnets: publicSubnets, definition: withRole))
        _ = try await aws("ecs", "update-service", ["--cluster", "strict", "--service", "roled", "--desired-count", "1"])
        try await ECSStandInTests.eventually("the role event", timeout: .seconds(60)) {
            let events = try await aws("ecs", "describe-services", ["--cluster", "strict", "--services", "roled"])["services"]?.arrayValue.first?["events"]
            return events?.arrayValue.contains { $0["message"]?.stringValue?.contains("ECS was unable to assume the role '\(role)'") ?? false } ?? false
        }
        _ = try await aws("ecs", "update-service", ["--cluster", "strict", "--service", "roled", "--desired-count", "0"])
        try await standIn.setIAMPropagation(.zero)

        // 5b. A task in a subnet without a route to an internet gateway cannot pull its image.
        let table = try #require(try await aws("ec2", "create-route-table", ["--vpc-id", vpc])["RouteTable"]?["RouteTableId"]?.stringValue)
        _ = try await aws("ec2", "associate-route-table", ["--route-table-id", table, "--subnet-id", sameZone])
        _ = try await aws("ecs", "create-service", createService("private", group: healthyGroup, subnets: [sameZone]))
        _ = try await aws("ecs", "update-service", ["--cluster", "strict", "--service", "private", "--desired-count", "1"])
        try await ECSStandInTests.eventually("private's task stopped", timeout: .seconds(60)) {
            let stopped = try await aws("ecs", "list-tasks", ["--cluster", "strict", "--service-name", "private", "--desired-status", "STOPPED"])
            return !(stopped["taskArns"]?.arrayValue.isEmpty ?? true)
        }
        let privateStopped = try await aws("ecs", "list-tasks", ["--cluster", "strict", "--service-name", "private", "--desired-status", "STOPPED"])
        let privateTask = try #require(try await aws("ecs", "describe-tasks", ["--cluster", "strict", "--tasks"]
            + (privateStopped["taskArns"]?.arrayValue.compactMap(\.stringValue) ?? []))["tasks"]?.arrayValue.first)
        #expect(privateTask["stoppedReason"]?.stringValue?.hasPrefix("CannotPullContainerError") == true)
        #expect(privateTask["stopCode"]?.stringValue == "TaskFailedToStart")
        _ = try await aws("ecs", "update-service", ["--cluster", "strict", "--service", "private", "--desired-count", "0"])
    }
}
