import Foundation
import Testing
import PandaTestSupport
@testable import Panda

/// Reads back what Panda created in moto and checks it against what real AWS would
/// reject even where moto does not.
enum ResourceReadBack {
    static let fargatePairs: [Int: ClosedRange<Int>] = [256: 512...2048, 512: 1024...4096, 1024: 2048...8192, 2048: 4096...16384, 4096: 8192...30720]

    static func verify(names: AWSNames, moto: MotoServer, containerPort: Int = 8080, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        // Names within AWS limits.
        for name in [names.loadBalancer, names.targetGroup(.a), names.targetGroup(.b)] {
            #expect(name.count <= 32 && name.wholeMatch(of: /[A-Za-z0-9-]+/) != nil && !name.hasPrefix("-") && !name.hasSuffix("-"),
                    "\(name)", sourceLocation: sourceLocation)
        }

        // Target groups: type ip (what awsvpc tasks need), HTTP, the health path.
        let groups = try await moto.aws("elbv2", "describe-target-groups", ["--names", names.targetGroup(.a), names.targetGroup(.b)])
        let groupList = groups["TargetGroups"]?.arrayValue ?? []
        #expect(groupList.count == 2, sourceLocation: sourceLocation)
        for group in groupList {
            #expect(group["TargetType"]?.stringValue == "ip", sourceLocation: sourceLocation)
            #expect(group["Protocol"]?.stringValue == "HTTP", sourceLocation: sourceLocation)
            #expect(group["HealthCheckPath"]?.stringValue == "/health", sourceLocation: sourceLocation)
            // Redirects count as healthy, as they do for Panda's own probes.
            #expect(group["Matcher"]?["HttpCode"]?.stringValue == "200-399", sourceLocation: sourceLocation)
        }

        // The load balancer: internet-facing application LB in two subnets, listeners 80 and 8080 forwarding.
        let balancers = try await moto.aws("elbv2", "describe-load-balancers", ["--names", names.loadBalancer])
        let balancer = try #require(balancers["LoadBalancers"]?.arrayValue.first, sourceLocation: sourceLocation)
        #expect(balancer["Scheme"]?.stringValue == "internet-facing", sourceLocation: sourceLocation)
        #expect(balancer["Type"]?.stringValue == "application", sourceLocation: sourceLocation)
        #expect((balancer["AvailabilityZones"]?.arrayValue.count ?? 0) >= 2, sourceLocation: sourceLocation)
        let listeners = try await moto.aws("elbv2", "describe-listeners", ["--load-balancer-arn", balancer["LoadBalancerArn"]?.stringValue ?? ""])
        let parsed = listeners["Listeners"]?.arrayValue.compactMap(Listener.init) ?? []
        #expect(Set(parsed.map(\.port)) == [80, 8080], sourceLocation: sourceLocation)
        let groupARNs = Set(groupList.compactMap { $0["TargetGroupArn"]?.stringValue })
        #expect(Set(parsed.compactMap(\.targetGroupARN)) == groupARNs, "each listener forwards to its own slot", sourceLocation: sourceLocation)
        for listener in listeners["Listeners"]?.arrayValue ?? [] {
            #expect(listener["Protocol"]?.stringValue == "HTTP", sourceLocation: sourceLocation)
            #expect(listener["DefaultActions"]?.arrayValue.first?["Type"]?.stringValue == "forward", sourceLocation: sourceLocation)
        }

        // Security groups: the LB's open on 80/8080; the tasks' open on the container port to the LB's group only.
        let securityGroups = try await moto.aws("ec2", "describe-security-groups", [
            "--filters", "Name=group-name,Values=\(names.loadBalancerSecurityGroup),\(names.taskSecurityGroup)",
        ])
        let byName = Dictionary(uniqueKeysWithValues: (securityGroups["SecurityGroups"]?.arrayValue ?? []).compactMap { group in
            group["GroupName"]?.stringValue.map { ($0, group) }
        })
        let loadBalancerGroup = try #require(byName[names.loadBalancerSecurityGroup], sourceLocation: sourceLocation)
        let taskGroup = try #require(byName[names.taskSecurityGroup], sourceLocation: sourceLocation)
        let lbPermissions = loadBalancerGroup["IpPermissions"]?.arrayValue ?? []
        #expect(lbPermissions.allowsCIDRs(port: 80, ["0.0.0.0/0"]) && lbPermissions.allowsCIDRs(port: 8080, ["0.0.0.0/0"]), sourceLocation: sourceLocation)
        let taskPermissions = taskGroup["IpPermissions"]?.arrayValue ?? []
        #expect(taskPermissions.allowsGroup(port: containerPort, loadBalancerGroup["GroupId"]?.stringValue ?? "-"), sourceLocation: sourceLocation)
        #expect(taskPermissions.allSatisfy { ($0["IpRanges"]?.arrayValue ?? []).isEmpty }, "tasks are not open to CIDRs", sourceLocation: sourceLocation)

        // Task definition: Fargate, awsvpc, a valid cpu/memory pair, awslogs, the container port.
        let definition = try await moto.aws("ecs", "describe-task-definition", ["--task-definition", names.taskFamily])["taskDefinition"]
        #expect(definition?["networkMode"]?.stringValue == "awsvpc", sourceLocation: sourceLocation)
        #expect(definition?["requiresCompatibilities"]?.arrayValue.contains(.string("FARGATE")) == true, sourceLocation: sourceLocation)
        let cpu = Int(definition?["cpu"]?.stringValue ?? "") ?? definition?["cpu"]?.intValue ?? 0
        let memory = Int(definition?["memory"]?.stringValue ?? "") ?? definition?["memory"]?.intValue ?? 0
        #expect(fargatePairs[cpu]?.contains(memory) == true, "cpu \(cpu) memory \(memory)", sourceLocation: sourceLocation)
        #expect(definition?["executionRoleArn"]?.stringValue?.contains(":role/") == true, sourceLocation: sourceLocation)
        let container = definition?["containerDefinitions"]?.arrayValue.first
        #expect(container?["portMappings"]?.arrayValue.first?["containerPort"]?.intValue == containerPort, sourceLocation: sourceLocation)
        #expect(container?["logConfiguration"]?["logDriver"]?.stringValue == "awslogs", sourceLocation: sourceLocation)
        #expect(definition?["runtimePlatform"]?["cpuArchitecture"]?.stringValue == "X86_64", sourceLocation: sourceLocation)
        #expect(definition?["runtimePlatform"]?["operatingSystemFamily"]?.stringValue == "LINUX", sourceLocation: sourceLocation)

        // Services: Fargate, awsvpc with security groups and subnets, each on its own target group.
        let services = try await moto.aws("ecs", "describe-services", ["--cluster", "panda-cluster", "--services", names.service(.a), names.service(.b)])
        for service in services["services"]?.arrayValue ?? [] {
            #expect(service["launchType"]?.stringValue == "FARGATE", sourceLocation: sourceLocation)
            let vpc = service["networkConfiguration"]?["awsvpcConfiguration"]
            #expect(!(vpc?["securityGroups"]?.arrayValue.isEmpty ?? true), sourceLocation: sourceLocation)
            #expect((vpc?["subnets"]?.arrayValue.count ?? 0) >= 2, sourceLocation: sourceLocation)
            #expect(service["loadBalancers"]?.arrayValue.first?["containerPort"]?.intValue == containerPort, sourceLocation: sourceLocation)
        }
    }
}
