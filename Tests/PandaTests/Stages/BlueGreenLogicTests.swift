import Foundation
import Testing
import Tools
@testable import Panda

@Suite struct BlueGreenLogicTests {
    @Test func awsNamesStayWithinLimitsAndAreStable() {
        let short = AWSNames(owner: "octo", repo: "app")
        #expect(short.loadBalancer == "panda-octo-app-\(short.hash)")
        #expect(short.targetGroup(.a) == "panda-octo-app-\(short.hash)-a")
        let long = AWSNames(owner: "a-very-long-organisation-name", repo: "an.even_longer-repository-name")
        #expect(long.loadBalancer.count <= 32)
        #expect(long.targetGroup(.a).count <= 32)
        #expect(long.targetGroup(.a) != long.targetGroup(.b))
        #expect(long.targetGroup(.a) == AWSNames(owner: "a-very-long-organisation-name", repo: "an.even_longer-repository-name").targetGroup(.a))
        for name in [long.loadBalancer, long.targetGroup(.a), long.targetGroup(.b)] {
            #expect(name.wholeMatch(of: /[a-z0-9][a-z0-9-]*[a-z0-9]/) != nil, "\(name)")
        }
    }

    @Test func probeOutputParsing() {
        #expect(ProbeResult.parse("200 0.004213") == ProbeResult(statusCode: 200, latencyMs: 4))
        #expect(ProbeResult.parse("500 0.120000") == ProbeResult(statusCode: 500, latencyMs: 120))
        #expect(ProbeResult.parse("000 0.000000") == ProbeResult(statusCode: 0, latencyMs: nil))
        #expect(ProbeResult.parse("") == ProbeResult(statusCode: 0, latencyMs: nil))
    }

    @Test func summaryMedianAndErrorRate() {
        let summary = ProbeSummary(probes: [
            .init(statusCode: 200, latencyMs: 10), .init(statusCode: 500, latencyMs: 30),
            .init(statusCode: 200, latencyMs: 20), .init(statusCode: 0, latencyMs: nil),
        ])
        #expect(summary.errorRate == 0.5)
        #expect(summary.medianLatencyMs == 20)
        #expect(ProbeSummary(probes: []).medianLatencyMs == nil)
    }

    @Test func verdictAppliesErrorRateAbsoluteAndRelativeLatency() {
        let health = PandaConfiguration.Health()
        func series(_ latency: Int, status: Int = 200) -> ProbeSummary {
            ProbeSummary(probes: Array(repeating: .init(statusCode: status, latencyMs: latency), count: 5))
        }
        #expect(HealthCheckAndSwitchStage.verdict(green: series(5), blue: series(4), health: health) == nil)
        #expect(HealthCheckAndSwitchStage.verdict(green: series(5), blue: nil, health: health) == nil)
        #expect(HealthCheckAndSwitchStage.verdict(green: series(5, status: 500), blue: series(4), health: health)?.hasPrefix("error rate 1.0") == true)
        #expect(HealthCheckAndSwitchStage.verdict(green: series(2500), blue: nil, health: health)?.hasPrefix("median latency 2500 ms") == true)
        #expect(HealthCheckAndSwitchStage.verdict(green: series(400), blue: series(100), health: health)?.contains("over 3.0× blue's 100 ms") == true)
        // Tiny latencies are compared only past the absolute margin.
        #expect(HealthCheckAndSwitchStage.verdict(green: series(9), blue: series(1), health: health) == nil)
    }

    @Test func onlyThisDeploymentsStoppedTasksCountAndAreSummarized() throws {
        // The shape AWS documents for `ecs describe-tasks`: a task of this deployment's task definition
        // that stopped after the scale-up, a stale one of the slot's previous deployment (listed for an
        // hour), one of the same definition from before the scale-up, and a running one.
        let json = """
            {"tasks":[{"taskArn":"arn:aws:ecs:us-east-1:123456789012:task/panda-cluster/0b69d5c0d3f04f3b","lastStatus":"STOPPED",
            "taskDefinitionArn":"arn:td:3","createdAt":"2026-01-01T12:00:10.123000+00:00",
            "stopCode":"EssentialContainerExited","stoppedReason":"Essential container in task exited",
            "containers":[{"name":"app","lastStatus":"STOPPED","exitCode":137,"reason":"OutOfMemoryError: Container killed due to memory usage"}]},
            {"taskArn":"arn:aws:ecs:us-east-1:123456789012:task/panda-cluster/stale","lastStatus":"STOPPED","taskDefinitionArn":"arn:td:1",
            "createdAt":1767268800.5,"stoppedReason":"Scaling activity initiated by (deployment ecs-svc/123)","containers":[]},
            {"taskArn":"arn:aws:ecs:us-east-1:123456789012:task/panda-cluster/early","lastStatus":"STOPPED","taskDefinitionArn":"arn:td:3",
            "createdAt":"2026-01-01T11:59:00+00:00","stoppedReason":"Scaling activity","containers":[]},
            {"taskArn":"arn:aws:ecs:us-east-1:123456789012:task/panda-cluster/1c2","lastStatus":"RUNNING","taskDefinitionArn":"arn:td:3","containers":[]}],"failures":[]}
            """
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        let since = try #require(ISO8601DateFormatter().date(from: "2026-01-01T12:00:00Z"))
        let mine = BlueGreenLifecycleStage.tasksOfThisDeployment(value, taskDefinition: "arn:td:3", since: since)
        #expect(mine.count == 1)
        #expect(BlueGreenLifecycleStage.stoppedSummary(mine) ==
            "0b69d5c0d3f04f3b: Essential container in task exited; app exit code 137; app: OutOfMemoryError: Container killed due to memory usage")
        #expect(BlueGreenLifecycleStage.stoppedSummary([]) == nil)
    }

    @Test func placementFailuresComeFromServiceEventsAfterTheScaleUp() {
        let since = Date(timeIntervalSince1970: 1000)
        func event(_ at: Double, _ message: String) -> ServiceState.Event { .init(createdAt: Date(timeIntervalSince1970: at), message: message) }
        let placement = "(service s) was unable to place a task. Reason: You've reached the limit on the number of tasks you can run concurrently."
        let role = "(service s) failed to launch a task with (error ECS was unable to assume the role 'arn:aws:iam::1:role/x' that was provided for this task.)"
        #expect(BlueGreenLifecycleStage.placementProblem(in: [event(1010, placement)], since: since) == .placement(placement))
        #expect(BlueGreenLifecycleStage.placementProblem(in: [event(1010, role)], since: since) == .roleNotAssumable(role))
        // Before the scale-up, or overtaken by a task that started: not this deployment's problem.
        #expect(BlueGreenLifecycleStage.placementProblem(in: [event(990, placement)], since: since) == nil)
        #expect(BlueGreenLifecycleStage.placementProblem(in: [event(1020, "(service s) has started 1 tasks: (task t)."), event(1010, placement)],
                                                         since: since) == nil)
    }

    @Test func statusMatcherReadsELBv2Syntax() {
        #expect(HTTPStatusMatcher("200-399")?.accepts(302) == true)
        #expect(HTTPStatusMatcher("200-399")?.accepts(404) == false)
        #expect(HTTPStatusMatcher("200,302")?.accepts(302) == true)
        #expect(HTTPStatusMatcher("200,302")?.accepts(301) == false)
        #expect(HTTPStatusMatcher("abc") == nil)
        #expect(HTTPStatusMatcher("399-200") == nil)
        #expect(ProbeResult.parse("301 0.001", matcher: HTTPStatusMatcher("200")!).isHealthy == false)
        #expect(ProbeResult.parse("301 0.001").isHealthy)
    }

    @Test func subnetsOnePerZoneWithAnInternetRoute() throws {
        let subnets = try JSONDecoder().decode(JSONValue.self, from: Data(#"""
            {"Subnets":[{"SubnetId":"subnet-1","AvailabilityZone":"z1","DefaultForAz":true},
            {"SubnetId":"subnet-2","AvailabilityZone":"z1","DefaultForAz":false},
            {"SubnetId":"subnet-3","AvailabilityZone":"z2","DefaultForAz":false},
            {"SubnetId":"subnet-4","AvailabilityZone":"z3","DefaultForAz":false}]}
            """#.utf8))
        let tables = try JSONDecoder().decode(JSONValue.self, from: Data(#"""
            {"RouteTables":[{"RouteTableId":"rtb-main","Associations":[{"Main":true}],"Routes":[{"DestinationCidrBlock":"10.0.0.0/16","GatewayId":"local"}]},
            {"RouteTableId":"rtb-public","Associations":[{"Main":false,"SubnetId":"subnet-3"},{"Main":false,"SubnetId":"subnet-2"}],
            "Routes":[{"DestinationCidrBlock":"0.0.0.0/0","GatewayId":"igw-1"}]}]}
            """#.utf8))
        let choice = SubnetChoice(subnets: subnets, routeTables: tables)
        // z1: the default subnet wins over another public one; z2: routed to the gateway; z3: private.
        #expect(choice.chosen == ["subnet-1", "subnet-3"])
        #expect(choice.summary.contains("subnet-4 (z3, no internet route)"))
    }

    @Test func listenersParsePlainAndForwardConfigActions() throws {
        let plain = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"ListenerArn":"l1","Port":80,"DefaultActions":[{"Type":"forward","TargetGroupArn":"tg-a"}]}"#.utf8))
        #expect(Listener(plain)?.targetGroupARN == "tg-a")
        let weighted = try JSONDecoder().decode(JSONValue.self, from: Data(#"""
            {"ListenerArn":"l2","Port":8080,"DefaultActions":[{"Type":"forward","ForwardConfig":{"TargetGroups":[{"TargetGroupArn":"tg-a","Weight":0},{"TargetGroupArn":"tg-b","Weight":100}]}}]}
            """#.utf8))
        #expect(Listener(weighted)?.targetGroupARN == "tg-b")
        #expect(Listener(weighted)?.port == 8080)
    }

    @Test func exposedPortComesFromTheFirstExpose() {
        #expect(DockerfileLocator.exposedPort(inDockerfile: "FROM scratch\nexpose 3000/tcp 4000\nEXPOSE 5000\n") == 3000)
        #expect(DockerfileLocator.exposedPort(inDockerfile: "FROM scratch\n") == nil)
        #expect(DockerfileLocator.exposedPort(inDockerfile: "EXPOSE $PORT\nEXPOSE 8080") == 8080)
    }

    @Test func imageNamesAreSanitizedAndBounded() {
        #expect(ImageNaming.tag(owner: "Octo", repo: "My_App", branch: "feature/X", epochSeconds: 1_700_000_000) == "octo-my-app-\(AWSNames(owner: "octo", repo: "my_app").hash)-feature-x-1700000000")
        #expect(ImageNaming.repository(owner: "Octo", repo: "App") == "octo-app")
        let long = ImageNaming.tag(owner: "o", repo: "r", branch: String(repeating: "b", count: 300), epochSeconds: 1_700_000_000)
        #expect(long.count == 128)
        #expect(long.hasSuffix("-1700000000"))
    }

    @Test func curlProbeCommandKeepsConnectToAndNoSecrets() {
        let command = CurlCLI(connectTo: [":80:127.0.0.1:9999"]).probe("http://alb.example/health", timeout: .seconds(5))
        #expect(command.executable == "curl")
        #expect(command.arguments.suffix(2) == ["--", "http://alb.example/health"])
        #expect(command.arguments.contains("--connect-to"))
        #expect(command.arguments.contains(":80:127.0.0.1:9999"))
        #expect(command.arguments.contains("%{http_code} %{time_total}"))
    }

    @Test func applicationLockSerializesHolders() async throws {
        let locks = ApplicationLocks()
        try await locks.acquire("app", for: "dep_1")
        let second = Task { try await locks.acquire("app", for: "dep_2") }
        try await Task.sleep(for: .milliseconds(100))
        #expect(await locks.holder(of: "app") == "dep_1")
        await locks.release("app", by: "dep_1")
        try await second.value
        #expect(await locks.holder(of: "app") == "dep_2")

        let third = Task { try await locks.acquire("app", for: "dep_3") }
        try await Task.sleep(for: .milliseconds(50))
        third.cancel()
        await #expect(throws: CancellationError.self) { try await third.value }
        await locks.release("app", by: "dep_2")
        #expect(await locks.holder(of: "app") == nil)
    }
}
