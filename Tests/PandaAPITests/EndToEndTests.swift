import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Panda
import PandaTestSupport
import Testing
import Tools

/// The whole product from the outside: the real `panda` binary (`panda serve --port 0
/// --set …`), talked to over HTTP only, deploying a repository from the git fixture
/// through the GitHub API fixture, Docker Engine, a registry with htpasswd standing in
/// for ECR's endpoint, moto behind the ECS stand-in's AWS API (as strict as AWS), and the
/// stand-in running the containers and playing the ALB. Four deployments: the first (no
/// blue), a second after a new commit (blue → green, measured both), a failing one (broken
/// Dockerfile), and a third successful one into the slot whose stopped task ECS still lists.
@Suite(.serialized, .timeLimit(.minutes(20)))
struct EndToEndTests {
    @Test func connectDeployRedeployAndFailThroughTheRealBinary() async throws {
        let clock = ContinuousClock()
        let begin = clock.now
        let environment = try await EndToEndEnvironment.start()
        var failure: (any Error)?
        var deploymentIDs: [String] = []
        do {
            deploymentIDs = try await Self.scenario(environment)
        } catch {
            failure = error
        }
        var leftovers = await environment.stop()
        // Panda's per-deployment workspaces (`panda-<id>-…`) are its own to remove.
        let temporary = (try? FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)) ?? []
        leftovers += temporary.filter { name in deploymentIDs.contains { name.hasPrefix("panda-\($0)") } }
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
        if let failure { throw failure }
        print("EndToEndTests: whole test \(begin.duration(to: clock.now))")
    }

    // MARK: The scenario

    /// Returns the deployments' ids.
    static func scenario(_ environment: EndToEndEnvironment) async throws -> [String] {
        let api = environment.api
        let owner = environment.owner, repo = EndToEndEnvironment.repo, branch = "main"
        // The load balancer, found by the name Panda gives it.
        let application = AWSNames(owner: owner, repo: repo).loadBalancer

        // 1. Connect GitHub and AWS, exactly as a client would.
        let github = try await api.postJSON("/api/v1/connect/github", [
            "owner": owner, "repo": repo, "branch": branch, "token": environment.token,
        ])
        #expect(github.status == 200, "\(github.text)")
        #expect(github.json["message"]?.stringValue == "GitHub 연결에 성공했습니다.")
        let githubID = try #require(github.json["data"]?["githubConnectionId"]?.stringValue)
        #expect(githubID.wholeMatch(of: /gh_[a-z0-9]{10}/) != nil)

        let aws = try await api.postJSON("/api/v1/connect/aws", [
            "region": "us-east-1", "accessKeyId": EndToEndEnvironment.accessKeyId,
            "secretAccessKey": EndToEndEnvironment.secretAccessKey,
        ])
        #expect(aws.status == 200, "\(aws.text)")
        #expect(aws.json["message"]?.stringValue == "AWS 연결에 성공했습니다.")
        let awsID = try #require(aws.json["data"]?["awsConnectionId"]?.stringValue)
        #expect(awsID.wholeMatch(of: /aws_[a-z0-9]{10}/) != nil)

        let deployBody = [
            "githubConnectionId": githubID, "awsConnectionId": awsID, "owner": owner, "repo": repo, "branch": branch,
        ]

        // 2. The first deployment: no blue yet.
        let first = try await deployAndFollow(api, body: deployBody)
        try checkSuccessfulStream(first.events, owner: owner, repo: repo, hasBlue: false)
        let firstResult = try await result(api, first.id, status: "COMPLETED")
        #expect(firstResult["finalService"]?.stringValue == "green")
        #expect(firstResult["blueUrl"] == .null && firstResult["blueLatencyMs"] == .null && firstResult["blueErrorRate"] == .null)
        #expect(firstResult["greenLatencyMs"]?.intValue != nil)
        #expect(firstResult["greenErrorRate"] == .number(0))
        #expect(firstResult["eventCount"]?.intValue == first.events.count)
        let firstTargetGroup = try await environment.productionTargetGroup(application: application)
        try await expectProduction(environment, application: application, shows: "v1")

        // 3. A new commit, deployed again: blue is v1, green v2, and production moves over.
        try await environment.commitSampleApp(version: "v2")
        let second = try await deployAndFollow(api, body: deployBody)
        try checkSuccessfulStream(second.events, owner: owner, repo: repo, hasBlue: true)
        let secondResult = try await result(api, second.id, status: "COMPLETED")
        #expect(secondResult["finalService"]?.stringValue == "green")
        #expect(secondResult["blueUrl"]?.stringValue?.hasPrefix("http://") == true)
        #expect(secondResult["blueLatencyMs"]?.intValue != nil)
        #expect(secondResult["blueErrorRate"] == .number(0))
        #expect(secondResult["greenLatencyMs"]?.intValue != nil)
        #expect(secondResult["greenErrorRate"] == .number(0))
        #expect(secondResult["commitSha"] != firstResult["commitSha"])
        #expect(secondResult["imageUri"] != firstResult["imageUri"])
        let secondTargetGroup = try await environment.productionTargetGroup(application: application)
        #expect(secondTargetGroup != firstTargetGroup, "the production listener still forwards to \(secondTargetGroup)")
        try await expectProduction(environment, application: application, shows: "v2")

        // 4. A broken Dockerfile: stage 1 fails, production keeps serving v2.
        let broken = try SampleApp.files(.dockerfileSyntaxError, version: "v3")
        try await environment.git.commit(owner: owner, repo: repo, change: RepositoryChange(
            files: ["Dockerfile": try #require(broken.files["Dockerfile"])], message: "Break the Dockerfile"))
        let third = try await deployAndFollow(api, body: deployBody)
        let stages = third.events.filter { $0.event == "stage" }.map { $0.data["message"]?.stringValue ?? "" }
        #expect(Array(stages.filter { !$0.contains("출력") }) == Array(SpecStageMessages.all.prefix(3)))
        let terminal = try #require(third.events.last)
        #expect(terminal.event == "error")
        #expect(terminal.data["type"]?.stringValue == "error")
        #expect(terminal.data["message"]?.stringValue?.hasPrefix("Deployment failed: ") == true, "\(terminal.data)")
        #expect(terminal.data["errorCode"]?.stringValue == "DOCKER_BUILD_FAILED")
        #expect(terminal.data["stage"]?.intValue == 1)
        let thirdResult = try await result(api, third.id, status: "FAILED")
        #expect(thirdResult["errorCode"]?.stringValue == "DOCKER_BUILD_FAILED")
        #expect(thirdResult["failedStage"]?.intValue == 1)
        #expect(thirdResult["errorMessage"]?.stringValue?.isEmpty == false)
        #expect(thirdResult["finalService"] == .null)
        #expect(try await environment.productionTargetGroup(application: application) == secondTargetGroup)
        try await expectProduction(environment, application: application, shows: "v2")

        // 5. Fixed and deployed again: green is the first deployment's slot, whose task the second
        //    deployment stopped. ECS keeps listing that stopped task (for an hour); only this
        //    deployment's own tasks decide stage 4. The app now listens on 8081 (a new EXPOSE):
        //    the slot's service moves its load balancer to the new container port.
        var fixed = try SampleApp.files(version: "v4")
        let dockerfile = try #require(fixed.files["Dockerfile"]?.text)
        fixed.files["Dockerfile"] = FileContents(dockerfile.replacingOccurrences(of: "EXPOSE 8080", with: "EXPOSE 8081")
            .replacingOccurrences(of: #""-p", "8080""#, with: #""-p", "8081""#))
        try await environment.git.commit(owner: owner, repo: repo, change: RepositoryChange(
            files: fixed.files.filter { $0.key == "Dockerfile" || $0.key.hasPrefix("www/") }, message: "Fix the Dockerfile, v4 on 8081"))
        let staleSlot = AWSNames(owner: owner, repo: repo).service(.b)
        let stale = try await environment.standIn.aws("ecs", "list-tasks", [
            "--cluster", "panda-cluster", "--service-name", staleSlot, "--desired-status", "STOPPED"])
        #expect(!(stale.json["taskArns"]?.arrayValue.isEmpty ?? true), "no stopped task listed for \(staleSlot): \(stale.stderr)")
        let fourth = try await deployAndFollow(api, body: deployBody)
        try checkSuccessfulStream(fourth.events, owner: owner, repo: repo, hasBlue: true, serviceExisted: true)
        let updated = fourth.events.first { $0.data["message"]?.stringValue == "[Stage 3] ECS 서비스 업데이트 완료" }?.data["details"]
        #expect(updated?["containerPort"]?.intValue == 8081)
        #expect(updated?["containerPortChanged"] == .bool(true))
        let fourthResult = try await result(api, fourth.id, status: "COMPLETED")
        #expect(fourthResult["finalService"]?.stringValue == "green")
        // Green serves behind the production listener now.
        let dns = try await environment.loadBalancerDNS(application: application)
        #expect(fourthResult["greenUrl"]?.stringValue == "http://\(dns)")
        #expect(try await environment.productionTargetGroup(application: application) == firstTargetGroup)
        try await expectProduction(environment, application: application, shows: "v4")
        return [first.id, second.id, third.id, fourth.id]
    }

    // MARK: Deploying and following

    struct Frame: Sendable {
        var id: String
        var event: String
        var data: JSONValue
    }

    /// `POST /api/v1/deploy`, then the SSE stream read to its end (the server closes it after the terminal event).
    static func deployAndFollow(_ api: EndToEndAPI, body: [String: String]) async throws -> (id: String, events: [Frame]) {
        let started = try await api.postJSON("/api/v1/deploy", body)
        #expect(started.status == 200, "\(started.text)")
        #expect(started.json["message"]?.stringValue == "배포가 시작되었습니다.")
        let id = try #require(started.json["data"]?["deploymentId"]?.stringValue)
        #expect(id.wholeMatch(of: /dep_[a-z0-9]{10}/) != nil)
        #expect(started.json["data"]?["message"]?.stringValue == "Deployment started. Listen to /api/v1/deploy/\(id)/events")

        let port = api.port
        let (head, text) = try await offloaded { () throws -> ([String: String], String) in
            let client = try RawHTTPClient(port: port, receiveTimeout: .seconds(60))
            try client.sendRequest("GET", "/api/v1/deploy/\(id)/events", headers: ["Accept": "text/event-stream"])
            let (status, headers) = try client.readHead()
            guard status == 200 else { throw TestFixtureError("events answered \(status)") }
            return (headers, try client.readStreamToEnd())
        }
        #expect(head["content-type"]?.hasPrefix("text/event-stream") == true)
        #expect(head["cache-control"] == "no-cache")
        #expect(text.contains("retry: 5000"))
        let frames = parseFrames(text)
        #expect(Set(frames.map(\.id)).count == frames.count, "event ids repeat")
        return (id, frames)
    }

    /// SSE frames (comments and `retry:` skipped).
    static func parseFrames(_ text: String) -> [Frame] {
        text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").compactMap { block in
            var id = "", event = "message", data = ""
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            guard !data.isEmpty, let value = try? JSONDecoder().decode(JSONValue.self, from: Data(data.utf8)) else { return nil }
            return Frame(id: id, event: event, data: value)
        }
    }

    /// The SPEC's stage events, in order, with their details; extra progress events
    /// (build and push output, the post-traffic verification) may come in between.
    static func checkSuccessfulStream(_ frames: [Frame], owner: String, repo: String, hasBlue: Bool, serviceExisted: Bool = false,
                                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let terminal = try #require(frames.last, sourceLocation: sourceLocation)
        #expect(terminal.event == "done", "\(terminal.data)", sourceLocation: sourceLocation)
        #expect(terminal.data == .object(["type": "done", "message": "Deployment completed successfully"]), sourceLocation: sourceLocation)
        #expect(frames.dropLast().allSatisfy { $0.event == "stage" }, sourceLocation: sourceLocation)

        // Every stage event: `{"type":"stage","message":"[Stage n] …","details":{"stage":n,…}}`, n never decreasing.
        var lastStage = 0
        for frame in frames.dropLast() {
            let message = frame.data["message"]?.stringValue ?? ""
            let stage = frame.data["details"]?["stage"]?.intValue ?? 0
            #expect(frame.data["type"]?.stringValue == "stage", sourceLocation: sourceLocation)
            #expect(message.hasPrefix("[Stage \(stage)] "), "\(message) with details.stage \(stage)", sourceLocation: sourceLocation)
            #expect(stage >= lastStage, "\(message) after stage \(lastStage)", sourceLocation: sourceLocation)
            lastStage = stage
        }

        var expected = SpecStageMessages.buildAndPush + [
            "[Stage 3] ECS 배포 시작",
            serviceExisted ? "[Stage 3] ECS 서비스 업데이트 완료" : "[Stage 3] ECS 서비스 생성 완료",
            "[Stage 4] CodeDeploy Blue/Green 배포 시작",
        ]
        if hasBlue { expected.append("[Stage 4] Blue 서비스 실행 중") }
        expected += [
            "[Stage 4] Green 서비스 시작 중",
            "[Stage 4] Green 서비스 준비 완료",
            "[Stage 4] CodeDeploy Lifecycle Hook: BeforeAllowTraffic",
            "[Stage 4] CodeDeploy Lifecycle Hook: AfterAllowTraffic",
            "[Stage 5] Green 서비스 HealthCheck 및 트래픽 전환",
        ]
        expected += (1...5).map { "[Stage 5] Green 서비스 HealthCheck 진행 중 - Check \($0)/5" }
        expected += [
            "[Stage 5] HealthCheck 성공",
            "[Stage 5] 트래픽 전환 중",
            "[Stage 5] 트래픽 전환 완료",
            "[Stage 6] 배포 완료",
        ]
        let specMessages = Set(expected).union(["[Stage 3] ECS 서비스 업데이트 완료", "[Stage 4] Blue 서비스 실행 중"])
        let specFrames = frames.filter { specMessages.contains($0.data["message"]?.stringValue ?? "") }
        let messages = specFrames.map { $0.data["message"]?.stringValue ?? "" }
        #expect(messages == expected, sourceLocation: sourceLocation)
        guard messages == expected else { return }

        func details(_ index: Int) -> JSONValue { specFrames[index].data["details"] ?? .null }
        func string(_ index: Int, _ key: String) -> String { details(index)[key]?.stringValue ?? "" }
        let application = AWSNames(owner: owner, repo: repo).application
        var index = 0
        func next() -> Int { defer { index += 1 }; return index }

        // Stage 1
        _ = next()
        #expect(string(next(), "path").isEmpty == false, sourceLocation: sourceLocation)
        #expect(string(next(), "path") == "Dockerfile", sourceLocation: sourceLocation)
        let imageName = string(next(), "imageName")
        #expect(imageName.wholeMatch(of: /[a-z0-9-]+-main-[0-9]{10}/) != nil && imageName.hasPrefix("\(application)-main-"),
                "imageName \(imageName)", sourceLocation: sourceLocation)
        // Stage 2
        _ = next()
        #expect(string(next(), "repository") == application, sourceLocation: sourceLocation)
        _ = next()
        let uri = string(next(), "uri")
        #expect(uri.hasSuffix("/\(application):\(imageName)"), "uri \(uri)", sourceLocation: sourceLocation)
        // Stage 3
        #expect(string(next(), "image") == uri, sourceLocation: sourceLocation)
        let created = next()
        #expect(string(created, "serviceName").hasPrefix("panda-\(application)-"), sourceLocation: sourceLocation)
        #expect(string(created, "clusterName") == "panda-cluster", sourceLocation: sourceLocation)
        // Stage 4
        #expect(string(next(), "image") == uri, sourceLocation: sourceLocation)
        if hasBlue {
            #expect(string(next(), "url").hasPrefix("http://"), sourceLocation: sourceLocation)
        }
        let greenStarting = string(next(), "url")
        #expect(greenStarting.hasPrefix("http://") && greenStarting.hasSuffix(":8080"), "url \(greenStarting)", sourceLocation: sourceLocation)
        #expect(string(next(), "url") == greenStarting, sourceLocation: sourceLocation)
        _ = next()
        _ = next()
        // Stage 5
        let greenHealth = "\(greenStarting)/health"
        #expect(string(next(), "url") == greenHealth, sourceLocation: sourceLocation)
        for _ in 1...5 {
            let check = next()
            #expect(string(check, "url") == greenHealth, sourceLocation: sourceLocation)
            #expect(details(check)["statusCode"]?.intValue == 200, sourceLocation: sourceLocation)
            if hasBlue {
                #expect(details(check)["blueStatusCode"]?.intValue == 200, sourceLocation: sourceLocation)
            }
        }
        let passed = next()
        #expect(string(passed, "url") == greenHealth, sourceLocation: sourceLocation)
        #expect(details(passed)["passedChecks"]?.intValue == 5, sourceLocation: sourceLocation)
        let switching = next()
        #expect(string(switching, "from") == "blue" && string(switching, "to") == "green", sourceLocation: sourceLocation)
        #expect(string(next(), "activeService") == "green", sourceLocation: sourceLocation)
        // Stage 6
        let completed = details(next())
        #expect(completed["finalService"]?.stringValue == "green", sourceLocation: sourceLocation)
        // After the switch green serves production: its URL is the production listener's.
        #expect(completed["greenUrl"]?.stringValue == String(greenStarting.dropLast(":8080".count)), sourceLocation: sourceLocation)
        if hasBlue {
            #expect(completed["blueUrl"]?.stringValue?.hasPrefix("http://") == true, sourceLocation: sourceLocation)
        } else {
            #expect(completed["blueUrl"] == .null, sourceLocation: sourceLocation)
        }
    }

    // MARK: The result

    /// `GET …/result`: 200, `배포 결과 조회 성공`, every SPEC field with its SPEC type. Returns `data`.
    static func result(_ api: EndToEndAPI, _ id: String, status: String,
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let reply = try await api.get("/api/v1/deploy/\(id)/result")
        #expect(reply.status == 200, "\(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.json["code"]?.intValue == 200, sourceLocation: sourceLocation)
        #expect(reply.json["message"]?.stringValue == "배포 결과 조회 성공", sourceLocation: sourceLocation)
        let data = try #require(reply.json["data"], sourceLocation: sourceLocation)
        guard case .object(let fields) = data else {
            Issue.record("data is not an object: \(reply.text)", sourceLocation: sourceLocation)
            return data
        }
        enum Kind { case string, nullableString, integer, nullableInteger, nullableNumber }
        let schema: [(String, Kind)] = [
            ("deploymentId", .string), ("status", .string), ("owner", .string), ("repo", .string), ("branch", .string),
            ("startedAt", .string), ("completedAt", .string), ("durationSeconds", .integer),
            ("finalService", .nullableString), ("blueUrl", .nullableString), ("greenUrl", .nullableString),
            ("errorMessage", .nullableString), ("blueLatencyMs", .nullableInteger), ("greenLatencyMs", .nullableInteger),
            ("blueErrorRate", .nullableNumber), ("greenErrorRate", .nullableNumber), ("eventCount", .integer),
            ("errorCode", .nullableString), ("failedStage", .nullableInteger), ("imageUri", .nullableString),
            ("commitSha", .nullableString),
        ]
        for (name, kind) in schema {
            guard let value = fields[name] else {
                Issue.record("result field \(name) missing", sourceLocation: sourceLocation)
                continue
            }
            let fits = switch (kind, value) {
            case (.string, .string), (.nullableString, .string), (.nullableString, .null): true
            case (.integer, .number(let number)), (.nullableInteger, .number(let number)): number == number.rounded()
            case (.nullableInteger, .null), (.nullableNumber, .null): true
            case (.nullableNumber, .number(let number)): (0...1).contains(number)
            default: false
            }
            #expect(fits, "result field \(name) = \(value)", sourceLocation: sourceLocation)
        }
        #expect(fields["deploymentId"]?.stringValue == id, sourceLocation: sourceLocation)
        #expect(fields["status"]?.stringValue == status, sourceLocation: sourceLocation)
        for name in ["startedAt", "completedAt"] {
            let stamp = fields[name]?.stringValue ?? ""
            #expect(stamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/) != nil, "\(name) \(stamp)", sourceLocation: sourceLocation)
        }
        if status == "COMPLETED" {
            #expect(fields["errorMessage"] == .null && fields["errorCode"] == .null && fields["failedStage"] == .null,
                    sourceLocation: sourceLocation)
            #expect(fields["greenUrl"]?.stringValue?.hasPrefix("http://") == true, sourceLocation: sourceLocation)
            #expect(fields["imageUri"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
            #expect(fields["commitSha"]?.stringValue?.wholeMatch(of: /[0-9a-f]{40}/) != nil, sourceLocation: sourceLocation)
        }
        // Beyond the original: per-stage timings (optional in the schema, present from this build on).
        if let timings = fields["stageTimings"] {
            #expect(!timings.arrayValue.isEmpty, sourceLocation: sourceLocation)
            for timing in timings.arrayValue {
                #expect(timing["stage"]?.intValue != nil && timing["wallMs"]?.intValue != nil
                        && timing["childProcessMs"]?.intValue != nil && timing["childProcessCount"]?.intValue != nil,
                        "\(timing)", sourceLocation: sourceLocation)
                if let awaited = timing["awaitedMs"]?.intValue, let wall = timing["wallMs"]?.intValue {
                    #expect(awaited <= wall, "\(timing)", sourceLocation: sourceLocation)
                    // A stage that ran child processes awaited them: never nothing.
                    if timing["childProcessCount"]?.intValue ?? 0 > 0 { #expect(awaited > 0, "\(timing)", sourceLocation: sourceLocation) }
                } else {
                    Issue.record("no awaitedMs in \(timing)", sourceLocation: sourceLocation)
                }
            }
        }
        return data
    }

    /// The sample app's `/` through the stand-in ALB's production listener shows `version`.
    static func expectProduction(_ environment: EndToEndEnvironment, application: String, shows version: String,
                                 sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let dns = try await environment.loadBalancerDNS(application: application)
        let curl = Command("curl", arguments: [
            "-sS", "--max-time", "10", "--connect-to", "::127.0.0.1:\(environment.standIn.proxyPort)", "http://\(dns)/",
        ], timeout: .seconds(15))
        let page = try await TestProcess.runner.run(curl)
        #expect(page.stdout.contains(SampleApp.indexMarker(version: version)), "production shows: \(page.stdout) \(page.stderr)",
                sourceLocation: sourceLocation)
    }
}

// MARK: - The environment

/// JSON calls to the panda binary (URLSession; Panda never sends `WWW-Authenticate`).
struct EndToEndAPI: Sendable {
    let port: UInt16

    struct Reply {
        let status: Int
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: body)) ?? .null }
    }

    func get(_ path: String) async throws -> Reply {
        try await send(URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, timeoutInterval: 30))
    }

    func postJSON(_ path: String, _ body: [String: String]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, timeoutInterval: 60)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return try await send(request)
    }

    private func send(_ request: URLRequest) async throws -> Reply {
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }
}

/// Everything the deployments need, started in this process (servers) or by PID
/// (moto, the registry, the stand-in, panda), and stopped again by ``stop()``.
final class EndToEndEnvironment: Sendable {
    static let repo = "sample-app"
    /// moto accepts any key while its authentication is off.
    static let accessKeyId = "AKIAPANDAE2ETEST0000"
    static let secretAccessKey = "panda-e2e-secret-access-key"

    /// Unique per run: image labels and names never meet another run's.
    let owner: String
    let token: String
    let git: GitFixture
    let githubAPI: GitHubAPIFixture
    let registry: RegistryFixture
    let moto: MotoServer
    let standIn: ECSStandIn
    let panda: TestProcess
    let api: EndToEndAPI
    /// `--set` values panda runs with, its storage directory among them (for restarts).
    let pandaSettings: [String]
    /// Panda's `storage.directory` (in a scratch directory of its own, removed by ``stop()``).
    let storageDirectory: String

    private init(owner: String, token: String, git: GitFixture, githubAPI: GitHubAPIFixture, registry: RegistryFixture,
                 moto: MotoServer, standIn: ECSStandIn, panda: TestProcess, api: EndToEndAPI, pandaSettings: [String],
                 storageDirectory: String) {
        self.pandaSettings = pandaSettings
        self.storageDirectory = storageDirectory
        self.owner = owner
        self.token = token
        self.git = git
        self.githubAPI = githubAPI
        self.registry = registry
        self.moto = moto
        self.standIn = standIn
        self.panda = panda
        self.api = api
    }

    static var checkout: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The `panda` built next to this test binary (same scratch path and configuration), else `.build/debug/panda`.
    static var pandaBinary: String {
        if let explicit = ProcessInfo.processInfo.environment["PANDA_E2E_BINARY"] { return explicit }
        let candidates = [CommandLine.arguments.first, try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")]
        for case let path? in candidates {
            var directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            // macOS-style bundles nest the binary; walk up until a `panda` sits next to it.
            for _ in 0..<4 {
                let binary = directory.appendingPathComponent("panda").path
                if FileManager.default.isExecutableFile(atPath: binary) { return binary }
                directory.deleteLastPathComponent()
            }
        }
        return checkout.appendingPathComponent(".build/debug/panda").path
    }

    /// - Parameter extraSettings: more `--set KEY=VALUE` for panda, after (and so over) the defaults here.
    static func start(extraSettings: [String] = []) async throws -> EndToEndEnvironment {
        let suffix = String(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(6))
        let owner = "e2e\(suffix)"
        let token = "ghp_e2e\(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(20))"
        try await DockerEngine.shared.ensureRunning()
        async let startedGit = GitFixture.start(token: Secret(token))
        async let startedRegistry = RegistryFixture.start()
        async let startedMoto = MotoServer.start()
        let git = try await startedGit
        let registry = try await startedRegistry
        let moto = try await startedMoto
        var cleanups: [@Sendable () async -> Void] = [{ await git.stop() }, { await registry.stop() }, { await moto.stop() }]
        func unwind() async { for cleanup in cleanups.reversed() { await cleanup() } }
        do {
            let sha = try await git.makeRepository(owner: owner, repo: repo, template: SampleApp.files(version: "v1"))
            let githubAPI = try GitHubAPIFixture(tokens: [token], repositories: [
                .init(owner: owner, name: repo, branches: ["main": sha]),
            ])
            cleanups.append { await githubAPI.stop() }
            // AWS as strict as AWS: Panda talks to moto through the stand-in's API.
            let standIn = try await ECSStandIn.start(moto: moto)
            cleanups.append { try? await standIn.stop() }

            let storageDirectory = NSTemporaryDirectory() + "panda-e2e-storage-\(suffix)/data"
            try FileManager.default.createDirectory(atPath: (storageDirectory as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            cleanups.append { try? FileManager.default.removeItem(atPath: (storageDirectory as NSString).deletingLastPathComponent) }
            let settings = [
                "storage.directory=\(storageDirectory)",
                "github.apiBaseURL=\(githubAPI.baseURL)",
                "github.gitBaseURL=\(git.baseURL)",
                "aws.endpointURL=\(standIn.apiEndpointURL)",
                "aws.healthCheckGracePeriodSeconds=30",
                "health.targetGroupIntervalSeconds=5",
                "health.targetGroupTimeoutSeconds=4",
                "health.healthyThreshold=2",
                "health.unhealthyThreshold=2",
                "aws.registryHostOverride=\(registry.host)",
                "health.connectTo=\(standIn.connectTo.joined(separator: ","))",
                "health.intervalMilliseconds=200",
                "health.pollIntervalSeconds=1",
                "events.closeAfterTerminalSeconds=1",
                "deployments.stageTimeoutSeconds=240",
            ] + extraSettings
            let (panda, api) = try await launchPanda(settings: settings)
            cleanups.append {
                await panda.stop(grace: .seconds(10))
                try? FileManager.default.removeItem(at: panda.logFile)
            }
            return EndToEndEnvironment(owner: owner, token: token, git: git, githubAPI: githubAPI, registry: registry,
                                       moto: moto, standIn: standIn, panda: panda, api: api, pandaSettings: settings,
                                       storageDirectory: storageDirectory)
        } catch {
            await unwind()
            throw error
        }
    }

    /// Starts the panda binary with `settings` and waits until it listens.
    static func launchPanda(settings: [String]) async throws -> (TestProcess, EndToEndAPI) {
        let panda = try TestProcess.start(
            name: "panda-e2e", executable: pandaBinary,
            arguments: ["serve", "--config", checkout.appendingPathComponent("config/panda.json").path, "--port", "0"]
                + settings.flatMap { ["--set", $0] },
            workingDirectory: checkout)
        do {
            try await panda.waitUntilReady(timeout: .seconds(30)) { listeningPort(in: panda.logTail()) != nil }
        } catch {
            await panda.stop()
            throw error
        }
        return (panda, EndToEndAPI(port: try #require(listeningPort(in: panda.logTail()))))
    }

    /// The port in panda's `panda listening on http://ADDRESS:PORT` line.
    static func listeningPort(in log: String) -> UInt16? {
        for line in log.split(separator: "\n") where line.hasPrefix("panda listening on http://") {
            return line.split(separator: ":").last.flatMap { UInt16($0.trimmingCharacters(in: .whitespaces)) }
        }
        return nil
    }

    /// Stops everything (panda first, then the stand-in, which removes its containers) and
    /// removes the images the deployments made. Returns what was left behind.
    func stop() async -> [String] {
        var leftovers: [String] = []
        let pandaStopped = await panda.stop(grace: .seconds(10))
        if !pandaStopped { leftovers.append("panda (pid \(panda.pid)) did not stop") }
        do { try await standIn.stop() } catch { leftovers.append("\(error)") }
        await githubAPI.stop()
        await git.stop()
        await registry.stop()
        await moto.stop()
        try? FileManager.default.removeItem(at: moto.process.logFile)
        try? FileManager.default.removeItem(at: standIn.process.logFile)
        // Images Panda built (labelled with the repository) and their registry tags.
        let application = ImageNaming.repository(owner: owner, repo: Self.repo)
        if let listed = try? await DockerEngine.docker(["images", "-q", "--filter", "label=dev.panda.repository=\(application)"]) {
            let ids = Array(Set(listed.stdout.split(whereSeparator: \.isNewline).map(String.init)))
            if !ids.isEmpty { _ = try? await TestProcess.runner.run(DockerEngine.command(["rmi", "-f"] + ids)) }
        }
        try? FileManager.default.removeItem(at: panda.logFile)
        try? FileManager.default.removeItem(atPath: (storageDirectory as NSString).deletingLastPathComponent)
        return leftovers
    }

    /// Commits the sample app showing `version` on the default branch.
    func commitSampleApp(version: String) async throws {
        let files = try SampleApp.files(version: version)
        try await git.commit(owner: owner, repo: Self.repo, change: RepositoryChange(
            files: files.files, executableFiles: files.executableFiles, message: "Sample app \(version)"))
    }

    func loadBalancerDNS(application: String) async throws -> String {
        let answer = try await moto.aws("elbv2", "describe-load-balancers", ["--names", application])
        return try #require(answer["LoadBalancers"]?.arrayValue.first?["DNSName"]?.stringValue)
    }

    /// The target group the load balancer's production listener (port 80) forwards to, read from moto.
    func productionTargetGroup(application: String) async throws -> String {
        let balancers = try await moto.aws("elbv2", "describe-load-balancers", ["--names", application])
        let arn = try #require(balancers["LoadBalancers"]?.arrayValue.first?["LoadBalancerArn"]?.stringValue)
        let listeners = try await moto.aws("elbv2", "describe-listeners", ["--load-balancer-arn", arn])
        let production = try #require(listeners["Listeners"]?.arrayValue.first { $0["Port"]?.intValue == 80 })
        let action = try #require(production["DefaultActions"]?.arrayValue.first)
        if let direct = action["TargetGroupArn"]?.stringValue { return direct }
        let weighted = action["ForwardConfig"]?["TargetGroups"]?.arrayValue ?? []
        return try #require(weighted.first?["TargetGroupArn"]?.stringValue)
    }
}
