import Foundation
import Panda
import PandaTestSupport
import Testing
import Tools

/// The ECS/ALB stand-in next to a real moto, with real containers of the sample app
/// and curl going through the proxy the way Panda's health prober does (`--connect-to`).
@Suite(.serialized) struct ECSStandInTests {
    @Test func playsECSAndTheALBForAServiceInMoto() async throws {
        let clock = ContinuousClock()
        let begin = clock.now
        try await Self.withStandIn { moto, standIn, image in
            try await Self.exercise(moto: moto, standIn: standIn, image: image, since: begin)
        }
        print("ECSStandInTests: whole test \(begin.duration(to: clock.now))")
    }

    /// Moto, the sample app's image and a stand-in over both for `body` (moto, stand-in, image
    /// reference); all of them stopped and removed afterwards, however `body` ends.
    static func withStandIn(strictness: ECSStandIn.Strictness = .init(),
                            _ body: (MotoServer, ECSStandIn, String) async throws -> Void) async throws {
        try await DockerEngine.shared.ensureRunning()
        async let startedMoto = MotoServer.start()
        let image = try await buildSampleApp()
        let moto: MotoServer
        do { moto = try await startedMoto } catch {
            await DockerEngine.removeImages(image.all)
            throw error
        }
        var standIn: ECSStandIn?
        do {
            standIn = try await ECSStandIn.start(moto: moto, strictness: strictness)
            try await body(moto, standIn!, image.reference)
            try await standIn!.stop()
            standIn = nil
        } catch {
            if let standIn { try? await standIn.stop() }
            await moto.stop()
            await DockerEngine.removeImages(image.all)
            throw error
        }
        await moto.stop()
        await DockerEngine.removeImages(image.all)
    }

    @Test func readyLineParsing() {
        let log = "08:00:00.000 standin: instance x\nstandin ready proxy=127.0.0.1:43210 api=127.0.0.1:43211\n"
        #expect(ECSStandIn.readyPorts(in: log)?.proxy == 43210)
        #expect(ECSStandIn.readyPorts(in: log)?.api == 43211)
        #expect(ECSStandIn.readyPorts(in: "standin: starting\n") == nil)
    }

    // MARK: The scenario

    private static func exercise(moto: MotoServer, standIn: ECSStandIn, image: String, since begin: ContinuousClock.Instant) async throws {
        let clock = ContinuousClock()
        #expect(standIn.connectTo == [":80:127.0.0.1:\(standIn.proxyPort)", ":8080:127.0.0.1:\(standIn.proxyPort)"])

        // The AWS side, as Panda's stages will make it (aws CLI against moto), batched.
        async let subnetsAnswer = moto.aws("ec2", "describe-subnets", ["--filters", "Name=default-for-az,Values=true"])
        async let clusterAnswer = moto.aws("ecs", "create-cluster", ["--cluster-name", "standin-cluster"])
        async let taskDefinitionAnswer = moto.aws("ecs", "register-task-definition", [
            "--family", "standin-app", "--network-mode", "awsvpc", "--requires-compatibilities", "FARGATE",
            "--cpu", "256", "--memory", "512",
            "--container-definitions",
            #"[{"name":"app","image":"\#(image)","essential":true,"portMappings":[{"containerPort":8080,"protocol":"tcp"}]}]"#,
        ])
        let subnets = (try await subnetsAnswer)["Subnets"]?.arrayValue ?? []
        let vpc = try #require(subnets.first?["VpcId"]?.stringValue)
        let subnetIDs = subnets.prefix(2).compactMap { $0["SubnetId"]?.stringValue }
        try #require(subnetIDs.count == 2)
        _ = try await clusterAnswer
        let taskDefinition = try #require((try await taskDefinitionAnswer)["taskDefinition"]?["taskDefinitionArn"]?.stringValue)

        func targetGroup(_ name: String) async throws -> String {
            let answer = try await moto.aws("elbv2", "create-target-group", [
                "--name", name, "--protocol", "HTTP", "--port", "8080", "--vpc-id", vpc, "--target-type", "ip",
                // The stand-in probes with the group's own settings: AWS's default 30 s interval would
                // leave a target that missed its first check (the app still starting) out for 30 s.
                "--health-check-path", SampleApp.healthPath, "--health-check-interval-seconds", "5",
                "--healthy-threshold-count", "2", "--unhealthy-threshold-count", "2",
            ])
            return try #require(answer["TargetGroups"]?.arrayValue.first?["TargetGroupArn"]?.stringValue)
        }
        async let securityGroupAnswer = moto.aws("ec2", "create-security-group", [
            "--group-name", "standin-alb", "--description", "stand-in test", "--vpc-id", vpc,
        ])
        async let groupA = targetGroup("standin-a")
        async let groupB = targetGroup("standin-b")
        let securityGroup = try #require((try await securityGroupAnswer)["GroupId"]?.stringValue)
        let (targetGroupA, targetGroupB) = try await (groupA, groupB)

        let balancer = try await moto.aws("elbv2", "create-load-balancer", [
            "--name", "standin-alb", "--type", "application", "--subnets"] + subnetIDs + ["--security-groups", securityGroup])
        let balancerArn = try #require(balancer["LoadBalancers"]?.arrayValue.first?["LoadBalancerArn"]?.stringValue)
        let dnsName = try #require(balancer["LoadBalancers"]?.arrayValue.first?["DNSName"]?.stringValue)

        func listener(_ port: Int, _ group: String) async throws -> String {
            let answer = try await moto.aws("elbv2", "create-listener", [
                "--load-balancer-arn", balancerArn, "--protocol", "HTTP", "--port", "\(port)",
                "--default-actions", "Type=forward,TargetGroupArn=\(group)",
            ])
            return try #require(answer["Listeners"]?.arrayValue.first?["ListenerArn"]?.stringValue)
        }
        async let listener80 = listener(80, targetGroupA)
        async let listener8080 = listener(8080, targetGroupB)
        async let serviceAnswer = moto.aws("ecs", "create-service", [
            "--cluster", "standin-cluster", "--service-name", "standin-svc", "--task-definition", taskDefinition,
            "--desired-count", "0", "--launch-type", "FARGATE",
            "--network-configuration",
            "awsvpcConfiguration={subnets=[\(subnetIDs.joined(separator: ","))],securityGroups=[\(securityGroup)],assignPublicIp=ENABLED}",
            "--load-balancers", "targetGroupArn=\(targetGroupA),containerName=app,containerPort=8080",
        ])
        let (productionListener, _) = try await (listener80, listener8080)
        let serviceArn = try #require((try await serviceAnswer)["service"]?["serviceArn"]?.stringValue)
        print("ECSStandInTests: AWS set-up done after \(begin.duration(to: clock.now))")

        let health80 = "http://\(dnsName)\(SampleApp.healthPath)"
        let health8080 = "http://\(dnsName):8080\(SampleApp.healthPath)"

        // Desired count 0: no container, and the listeners answer 503 (no targets) through the proxy.
        try await eventually("503 before any task runs") { try await status(health80, standIn) == 503 }
        #expect(try await standIn.containers()[serviceArn]?.isEmpty ?? true)
        #expect(try await status("http://\(dnsName):81/", standIn, extraConnectTo: [":81:127.0.0.1:\(standIn.proxyPort)"]) == 404)

        // Scale to 1: a container runs, is registered in A, and /health answers 200 through listener 80.
        try await moto.aws("ecs", "update-service", ["--cluster", "standin-cluster", "--service", "standin-svc", "--desired-count", "1"])
        let scaled = clock.now
        try await eventually("a container serving /health through listener 80", timeout: .seconds(60)) {
            try await status(health80, standIn) == 200
        }
        print("ECSStandInTests: desired-count 1 → 200 through the proxy after \(scaled.duration(to: clock.now))")
        let containers = try #require(try await standIn.containers()[serviceArn])
        try #require(containers.count == 1)
        let container = containers[0]
        #expect(container.targetGroups == [targetGroupA])
        #expect(container.taskdef == taskDefinition)
        #expect(container.image == image)
        #expect(try await standIn.engineContainerIDs().map { String($0.prefix(12)) } == [String(container.id.prefix(12))])
        // What moto says about the registered target (the same thing Panda would read).
        let health = try await moto.aws("elbv2", "describe-target-health", ["--target-group-arn", targetGroupA])
        let descriptions = health["TargetHealthDescriptions"]?.arrayValue ?? []
        print("ECSStandInTests: moto describe-target-health → \(compact(health))")
        #expect(descriptions.count == 1)
        let registered = descriptions.first.flatMap { d in
            d["Target"].flatMap { t in t["Id"]?.stringValue.map { "\($0):\(t["Port"]?.intValue ?? 0)" } }
        }
        #expect(registered == container.target)
        #expect(descriptions.first?["TargetHealth"]?["State"]?.stringValue == "healthy")
        // The body and the Host header pass through unchanged.
        #expect(try await body(health80, standIn) == "ok\n")
        #expect(try await body("http://\(dnsName)/version", standIn) == "v1\n")
        // Listener 8080 forwards to B, which has no targets.
        #expect(try await status(health8080, standIn) == 503)

        // Fault injection on listener 80 only.
        try await standIn.setFault(port: 80, status: 500)
        #expect(try await status(health80, standIn) == 500)
        #expect(try await status(health8080, standIn) == 503)
        #expect(try await standIn.state()["faults"]?["80"]?.intValue == 500)
        try await standIn.clearFault(port: 80)
        #expect(try await status(health80, standIn) == 200)

        // A container that dies is deregistered, kept as a stopped task, and replaced (desired count 1).
        try await DockerEngine.docker(["kill", container.id])
        try await eventually("a replacement container", timeout: .seconds(60)) {
            let now = try await standIn.containers()[serviceArn] ?? []
            return now.count == 1 && now[0].id != container.id
        }
        let stopped = try await standIn.state()["stopped"]?.arrayValue ?? []
        let record = stopped.first { $0["id"]?.stringValue == container.id }
        #expect(record?["exitCode"]?.intValue == 137)
        #expect(record?["stoppedReason"]?.stringValue?.contains("exited") == true)
        try await eventually("200 from the replacement", timeout: .seconds(60)) { try await status(health80, standIn) == 200 }

        // modify-listener 80 → B: the proxy follows within a poll interval or two.
        try await moto.aws("elbv2", "modify-listener", [
            "--listener-arn", productionListener, "--default-actions", "Type=forward,TargetGroupArn=\(targetGroupB)",
        ])
        let switched = clock.now
        try await eventually("503 after the switch to B", timeout: .seconds(30)) { try await status(health80, standIn) == 503 }
        print("ECSStandInTests: modify-listener → new route after \(switched.duration(to: clock.now))")

        // Scale to 0: the container is deregistered and removed.
        try await moto.aws("ecs", "update-service", ["--cluster", "standin-cluster", "--service", "standin-svc", "--desired-count", "0"])
        try await eventually("no container after scaling to 0", timeout: .seconds(60)) {
            try await standIn.engineContainerIDs().isEmpty
        }
        #expect(try await standIn.containers()[serviceArn]?.isEmpty ?? true)
        let after = try await moto.aws("elbv2", "describe-target-health", ["--target-group-arn", targetGroupA])
        #expect(after["TargetHealthDescriptions"]?.arrayValue.isEmpty == true)
        let timings = try await standIn.state()["timings"]
        print("ECSStandInTests: poll timings \(compact(timings))")
    }

    // MARK: Helpers

    /// The sample app built on the local engine, also tagged like the image Panda pushes.
    static func buildSampleApp() async throws -> (reference: String, all: [String]) {
        let directory = try TestTemporaryDirectory(prefix: "panda-standin-app")
        defer { directory.remove() }
        let template = try SampleApp.files()
        for (path, contents) in template.files {
            let url = directory.appending(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents.bytes).write(to: url)
            if template.executableFiles.contains(path) {
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
            }
        }
        let local = DockerEngine.uniqueTag("standin")
        try await DockerEngine.build(tag: local, context: directory.url)
        // Never pushed: `docker run` finds it locally, as it finds what Panda pushed from the same engine.
        let pushedStyle = "127.0.0.1:\(try FreePort.next())/owner-repo:\(local.split(separator: ":").last!)"
        try await DockerEngine.docker(["tag", local, pushedStyle])
        return (pushedStyle, [pushedStyle, local])
    }

    private static func curl(_ url: String, _ standIn: ECSStandIn, extraConnectTo: [String], writeOut: String) async throws -> String {
        var arguments = ["-s", "-o", "/dev/null", "--max-time", "5", "-w", writeOut]
        if writeOut.isEmpty { arguments = ["-s", "--max-time", "5"] }
        for entry in standIn.connectTo + extraConnectTo { arguments += ["--connect-to", entry] }
        let result = try await TestProcess.runner.run(Command("curl", arguments: arguments + [url], timeout: .seconds(10)))
        return result.stdout
    }

    private static func status(_ url: String, _ standIn: ECSStandIn, extraConnectTo: [String] = []) async throws -> Int {
        Int(try await curl(url, standIn, extraConnectTo: extraConnectTo, writeOut: "%{http_code}")) ?? 0
    }

    private static func body(_ url: String, _ standIn: ECSStandIn) async throws -> String {
        try await curl(url, standIn, extraConnectTo: [], writeOut: "")
    }

    private static func compact(_ value: JSONValue?) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value ?? .null)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }

    static func eventually(
        _ what: String, timeout: Duration = .seconds(5), _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await condition() { return }
            guard ContinuousClock.now < deadline else { throw TestFixtureError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
