import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Panda
import PandaTestSupport
import Testing
import Tools

/// Panda for operators, from the outside: the real `panda` binary serving (JSON logs at
/// debug, an API key, event streams cut every 2 s), the same binary as the CLI client run
/// as a child process (on a pipe, and on a pseudo-terminal), three real deployments through
/// the demo fixtures, then `/metrics` parsed by the reference Prometheus parser
/// (pip `prometheus-client`) and the log read line by line.
@Suite(.serialized, .timeLimit(.minutes(15)))
struct OpsEndToEndTests {
    static let apiKey = "ops-key-" + UUID().uuidString.lowercased()

    @Test func cliMetricsAndLogsAgainstTheRealBinary() async throws {
        let environment = try await EndToEndEnvironment.start(extraSettings: [
            "auth.apiKeys=\(Self.apiKey)", "log.format=json", "log.level=debug", "log.requests=true",
            // Streams end every 2 s: every follow below has to resume with Last-Event-ID.
            "events.maxStreamSeconds=2", "events.retryMilliseconds=100",
        ])
        var failure: (any Error)?
        var deploymentIDs: [String] = []
        do {
            deploymentIDs = try await Self.scenario(environment)
        } catch {
            failure = error
        }
        let log = (try? String(contentsOf: environment.panda.logFile, encoding: .utf8)) ?? ""
        var leftovers = await environment.stop()
        let temporary = (try? FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)) ?? []
        leftovers += temporary.filter { name in deploymentIDs.contains { name.hasPrefix("panda-\($0)") } }
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
        if let failure { throw failure }
        try Self.checkLog(log, deployments: deploymentIDs, secrets: [environment.token, EndToEndEnvironment.secretAccessKey, Self.apiKey])
    }

    /// Returns the ids of the completed, completed and failed deployments.
    static func scenario(_ environment: EndToEndEnvironment) async throws -> [String] {
        let cli = CLI(server: "http://127.0.0.1:\(environment.api.port)", apiKey: apiKey)
        let owner = environment.owner, repo = EndToEndEnvironment.repo

        // Usage, request and not-found errors, each with its exit code and a message on stderr.
        let usage = try await cli.run(["deploy", "--owner", owner])
        #expect(usage.code == 2 && usage.stdout.isEmpty && usage.stderr.contains("Missing expected argument"), "\(usage)")
        let noKey = try await cli.run(["result", "dep_aaaaaaaaaa"], withoutAPIKey: true)
        #expect(noKey.code == 2 && noKey.stderr.contains("401"), "\(noKey)")
        let unreachable = try await cli.run(["result", "dep_aaaaaaaaaa", "--server", "http://127.0.0.1:9"])
        #expect(unreachable.code == 2 && unreachable.stderr.contains("cannot reach"), "\(unreachable)")
        let unknownResult = try await cli.run(["result", "dep_aaaaaaaaaa"])
        #expect(unknownResult.code == 3 && unknownResult.stderr.contains("Deployment result not found: dep_aaaaaaaaaa"), "\(unknownResult)")
        let unknownWatch = try await cli.run(["watch", "dep_aaaaaaaaaa"])
        #expect(unknownWatch.code == 3 && unknownWatch.stderr.contains("not found"), "\(unknownWatch)")

        // Connections: secrets on stdin or in the environment, never in argv.
        let badToken = try await cli.run(["connect", "github", "--owner", owner, "--repo", repo, "--branch", "main"],
                                         environment: ["GITHUB_TOKEN": "ghp_wrongwrongwrong"])
        #expect(badToken.code == 2 && badToken.stderr.contains("Bad credentials"), "\(badToken)")
        let github = try await cli.run(["connect", "github", "--owner", owner, "--repo", repo, "--branch", "main"],
                                       stdin: environment.token + "\n")
        let githubID = github.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(github.code == 0 && githubID.wholeMatch(of: /gh_[a-z0-9]{10}/) != nil, "\(github)")
        let aws = try await cli.run(["connect", "aws", "--region", "us-east-1"], environment: [
            "AWS_ACCESS_KEY_ID": EndToEndEnvironment.accessKeyId, "AWS_SECRET_ACCESS_KEY": EndToEndEnvironment.secretAccessKey,
        ])
        let awsID = aws.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(aws.code == 0 && awsID.wholeMatch(of: /aws_[a-z0-9]{10}/) != nil, "\(aws)")
        let deploy = ["deploy", "--github-connection", githubID, "--aws-connection", awsID,
                      "--owner", owner, "--repo", repo, "--branch", "main"]

        // 1. Deploy and follow as JSON lines: every event once, in order, across the resumes.
        let first = try await cli.run(deploy + ["--follow", "--json"])
        #expect(first.code == 0, "\(first)")
        let firstLines = first.stdout.split(separator: "\n").map { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        #expect(firstLines.allSatisfy { $0 != nil } && !firstLines.isEmpty, "not JSON lines: \(first.stdout)")
        let firstEvents = firstLines.compactMap { $0 }
        #expect(firstEvents.last?["event"]?.stringValue == "done")
        let firstID = try deploymentID(in: first.stderr)
        let history = try await fullHistory(of: firstID, port: environment.api.port)
        #expect(firstEvents.map { $0["id"]?.stringValue ?? "" } == history.map(\.id), "the followed events differ from the history")
        #expect(firstEvents.map { $0["data"] ?? .null } == history.map(\.data))

        // 2. A new version: started without following, still running (4), watched on a terminal, then on a pipe.
        try await environment.commitSampleApp(version: "v2")
        let started = try await cli.run(deploy)
        let secondID = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(started.code == 0 && secondID.wholeMatch(of: /dep_[a-z0-9]{10}/) != nil, "\(started)")
        let running = try await cli.run(["result", secondID])
        #expect(running.code == 4, "\(running)")
        let runningStatus = try JSONDecoder().decode(JSONValue.self, from: Data(running.stdout.utf8))["status"]?.stringValue
        #expect(["QUEUED", "IN_PROGRESS"].contains(runningStatus ?? ""), "\(running)")
        #expect(running.stderr.contains("--wait"))

        let onTerminal = try await cli.run(["watch", secondID], terminal: true)
        #expect(onTerminal.code == 0, "\(onTerminal)")
        let redraw = "\r\u{1B}[2K"
        for stage in 1...6 {
            #expect(onTerminal.stdout.contains("\(redraw)[\(stage)/6] [Stage \(stage)]"), "no progress line for stage \(stage)")
        }
        #expect(onTerminal.stdout.contains("✔ Deployment completed successfully"))
        // A progress line per stage: the stage's events redraw one line, so only 6 stage lines and the outcome remain.
        // (A terminal ends lines with CRLF, which Swift counts as one Character: split on the scalars.)
        let terminalLines = onTerminal.stdout.unicodeScalars.split(separator: "\n").map { String(String.UnicodeScalarView($0)) }
        let visibleLines = terminalLines.filter { $0.contains("/6] [Stage ") }
        #expect(visibleLines.count == 6, "\(visibleLines.count) stage lines on the terminal")

        let onPipe = try await cli.run(["watch", secondID])
        #expect(onPipe.code == 0, "\(onPipe)")
        #expect(!onPipe.stdout.contains("\u{1B}") && !onPipe.stdout.contains("\r"), "escape codes on a pipe")
        let pipeLines = onPipe.stdout.split(separator: "\n")
        #expect(pipeLines.first?.hasPrefix("stage 1\t[Stage 1] ") == true, "\(onPipe.stdout)")
        #expect(pipeLines.last == "done\tDeployment completed successfully", "\(onPipe.stdout)")
        let waited = try await cli.run(["result", secondID, "--wait", "--interval", "0.5"])
        #expect(waited.code == 0, "\(waited)")
        let secondResult = try JSONDecoder().decode(JSONValue.self, from: Data(waited.stdout.utf8))
        #expect(secondResult["status"]?.stringValue == "COMPLETED" && secondResult["deploymentId"]?.stringValue == secondID)

        // 3. A broken Dockerfile: followed on a pipe, it fails (1), and so does its result.
        let broken = try SampleApp.files(.dockerfileSyntaxError, version: "v3")
        try await environment.git.commit(owner: owner, repo: repo, change: RepositoryChange(
            files: ["Dockerfile": try #require(broken.files["Dockerfile"])], message: "Break the Dockerfile"))
        let third = try await cli.run(deploy + ["--follow"])
        #expect(third.code == 1, "\(third)")
        let lastLine = third.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLine.hasPrefix("error\tDeployment failed: ") && lastLine.hasSuffix("\terrorCode=DOCKER_BUILD_FAILED\tstage=1"), "\(lastLine)")
        let thirdID = try deploymentID(in: third.stderr)
        let failedResult = try await cli.run(["result", thirdID])
        #expect(failedResult.code == 1, "\(failedResult)")
        let thirdResult = try JSONDecoder().decode(JSONValue.self, from: Data(failedResult.stdout.utf8))
        #expect(thirdResult["status"]?.stringValue == "FAILED" && thirdResult["errorCode"]?.stringValue == "DOCKER_BUILD_FAILED")

        // The list (GET /api/v1/deployments): newest first, one tab-separated line each, pages by cursor.
        let listed = try await cli.run(["deployments", "--owner", owner])
        #expect(listed.code == 0, "\(listed)")
        let rows = listed.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.map { $0.first ?? "" } == [thirdID, secondID, firstID], "\(listed.stdout)")
        #expect(rows.map { $0.count > 2 ? $0[2] : "" } == ["FAILED", "COMPLETED", "COMPLETED"])
        #expect(rows.first?[1] == "DEPLOY" && rows.first?.last == "DOCKER_BUILD_FAILED" && rows.last?.last == "-")
        let page = try await cli.run(["deployments", "--owner", owner, "--limit", "2"])
        #expect(page.stdout.split(separator: "\n").count == 2 && page.stderr.contains("more: --cursor "), "\(page)")
        let failedOnly = try await cli.run(["deployments", "--owner", owner, "--status", "FAILED", "--json"])
        let failedList = try JSONDecoder().decode(JSONValue.self, from: Data(failedOnly.stdout.utf8))
        #expect(failedList["deployments"]?.arrayValue.map { $0["deploymentId"]?.stringValue ?? "" } == [thirdID], "\(failedOnly)")
        let badFilter = try await cli.run(["deployments", "--status", "SOMETIMES"])
        #expect(badFilter.code == 2 && badFilter.stderr.contains("400"), "\(badFilter)")

        // The applications in the account (GET /api/v1/apps, from the resources' tags): this one,
        // its production where the second version now serves, and that deployment as its last switch.
        let apps = try await cli.run(["apps", "--aws-connection", awsID])
        #expect(apps.code == 0, "\(apps)")
        let appRows = apps.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let appRow = try #require(appRows.first { $0.first?.lowercased() == "\(owner)/\(repo)".lowercased() }, "\(apps.stdout)")
        #expect(appRow.count == 6 && appRow[1] == "us-east-1", "\(appRow)")
        #expect(appRow[2] == secondResult["greenUrl"]?.stringValue, "\(appRow) vs \(secondResult)")
        #expect(appRow[5] == secondID, "\(appRow)")
        let appsJSON = try await cli.run(["apps", "--aws-connection", awsID, "--json"])
        let listedApps = try JSONDecoder().decode(JSONValue.self, from: Data(appsJSON.stdout.utf8))["apps"]?.arrayValue ?? []
        #expect(appsJSON.code == 0 && listedApps.count == appRows.count, "\(appsJSON)")
        #expect(listedApps.contains { $0["lastDeploymentId"]?.stringValue == secondID }, "\(appsJSON)")
        let appsOfNobody = try await cli.run(["apps", "--aws-connection", "aws_nothere00"])
        #expect(appsOfNobody.code == 3 && appsOfNobody.stderr.contains("AWS connection not found"), "\(appsOfNobody)")

        // 4. A stream dropped mid-event, over and over, by a proxy: the client resumes and loses nothing.
        try await checkResumeThroughCuttingProxy(cli: cli, deploymentID: firstID, history: history, port: environment.api.port)

        // 5. /metrics agrees with what ran.
        let results = try await [firstID, secondID, thirdID].asyncMap { id in
            try JSONDecoder().decode(JSONValue.self, from: Data(try await cli.run(["result", id]).stdout.utf8))
        }
        try await checkMetrics(port: environment.api.port, results: results, appsListings: 2)
        return [firstID, secondID, thirdID]
    }

    /// `panda deploy --follow` names the deployment on stderr (`deployment dep_…`): stdout has the events.
    static func deploymentID(in text: String) throws -> String {
        let match = try #require(text.firstMatch(of: /dep_[a-z0-9]{10}/), "no deployment id in: \(text)")
        return String(match.output)
    }

    // MARK: Resume

    static func checkResumeThroughCuttingProxy(cli: CLI, deploymentID: String, history: [EndToEndTests.Frame],
                                               port: UInt16) async throws {
        let proxy = try TestProcess.start(
            name: "cutting-proxy", executable: "/usr/bin/env",
            arguments: ["python3", fixture("cutting-proxy.py"), String(port), "3000"], workingDirectory: EndToEndEnvironment.checkout)
        defer { try? FileManager.default.removeItem(at: proxy.logFile) }
        try await proxy.waitUntilReady(timeout: .seconds(10)) { proxyPort(in: proxy.logTail()) != nil }
        let proxied = try #require(proxyPort(in: proxy.logTail()))
        let watched = try await cli.run(["watch", deploymentID, "--json", "--server", "http://127.0.0.1:\(proxied)"])
        _ = await proxy.stop(grace: .seconds(5))
        #expect(watched.code == 0, "\(watched)")
        let ids = watched.stdout.split(separator: "\n").compactMap {
            (try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)))?["id"]?.stringValue
        }
        #expect(ids == history.map(\.id), "events lost or repeated across cut streams")
        let counts = proxy.logTail().split(separator: "\n").last.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        #expect((counts?["cut"]?.intValue ?? 0) >= 2, "the proxy cut \(counts?["cut"]?.intValue ?? 0) streams: \(proxy.logTail())")
    }

    static func proxyPort(in log: String) -> UInt16? {
        log.split(separator: "\n").first.flatMap { UInt16($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Every event of a deployment, read in one stream from the start.
    static func fullHistory(of id: String, port: UInt16) async throws -> [EndToEndTests.Frame] {
        let key = apiKey
        let text = try await offloaded { () throws -> String in
            let client = try RawHTTPClient(port: port, receiveTimeout: .seconds(30))
            try client.sendRequest("GET", "/api/v1/deploy/\(id)/events",
                                   headers: ["Accept": "text/event-stream", "Authorization": "Bearer \(key)"])
            let (status, _) = try client.readHead()
            guard status == 200 else { throw TestFixtureError("events answered \(status)") }
            return try client.readStreamToEnd()
        }
        let frames = EndToEndTests.parseFrames(text)
        #expect(frames.last?.event == "done" || frames.last?.event == "error", "history without its end: \(text.suffix(300))")
        return frames
    }

    // MARK: Metrics

    struct Sample: Decodable {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    struct Exposition: Decodable {
        let types: [String: String]
        let samples: [Sample]

        func values(_ name: String, _ labels: [String: String] = [:]) -> [Double] {
            samples.filter { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }
                .map(\.value)
        }

        func sum(_ name: String, _ labels: [String: String] = [:]) -> Double { values(name, labels).reduce(0, +) }
    }

    static func scrape(port: UInt16, key: String?) async throws -> (status: Int, contentType: String, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/metrics")!, timeoutInterval: 30)
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type") ?? "", String(decoding: data, as: UTF8.self))
    }

    static func checkMetrics(port: UInt16, results: [JSONValue], appsListings: Int) async throws {
        let withoutKey = try await scrape(port: port, key: nil)
        #expect(withoutKey.status == 401, "/metrics without the API key")
        _ = try await EndToEndAPI(port: port).get("/no-such-route")

        // Streams close a moment after their client has gone.
        var exposition: Exposition?
        for _ in 0..<40 {
            let scraped = try await scrape(port: port, key: apiKey)
            #expect(scraped.status == 200 && scraped.contentType.hasPrefix("text/plain; version=0.0.4"))
            let parsed = try await TestProcess.run(Command(
                "python3", arguments: [fixture("parse-metrics.py")], environment: .safe, stdin: .text(scraped.body),
                timeout: .seconds(30)))
            #expect(parsed.succeeded, "the Prometheus parser rejected the exposition: \(parsed.stderr)")
            exposition = try JSONDecoder().decode(Exposition.self, from: Data(parsed.stdout.utf8))
            if exposition?.values("panda_sse_streams_open") == [0] { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        let metrics = try #require(exposition)

        for (name, type) in [
            ("panda_http_requests", "counter"), ("panda_http_request_duration_seconds", "histogram"),
            ("panda_sse_streams_open", "gauge"), ("panda_deployments_running", "gauge"), ("panda_deployments_queued", "gauge"),
            ("panda_deployments", "counter"), ("panda_stage_duration_seconds", "histogram"),
            ("panda_child_processes", "counter"), ("panda_child_process_duration_seconds", "histogram"),
        ] {
            #expect(metrics.types[name] == type, "\(name): \(metrics.types[name] ?? "missing")")
        }

        // Deployments: two completed, one failed in stage 1; nothing running now.
        #expect(metrics.values("panda_deployments_total", ["kind": "DEPLOY", "status": "COMPLETED", "error_code": ""]) == [2])
        #expect(metrics.values("panda_deployments_total", ["kind": "DEPLOY", "status": "FAILED", "error_code": "DOCKER_BUILD_FAILED"]) == [1])
        #expect(metrics.sum("panda_deployments_total") == 3)
        #expect(metrics.values("panda_deployments_running") == [0] && metrics.values("panda_deployments_queued") == [0])
        #expect(metrics.values("panda_sse_streams_open") == [0])

        // Stages: as many as ran, as long as the results say they took.
        var stageRuns: [Int: (count: Int, seconds: Double)] = [:]
        var childProcesses = 0
        for result in results {
            for timing in result["stageTimings"]?.arrayValue ?? [] {
                let stage = timing["stage"]?.intValue ?? -1
                stageRuns[stage, default: (0, 0)].count += 1
                stageRuns[stage, default: (0, 0)].seconds += Double(timing["wallMs"]?.intValue ?? 0) / 1000
                childProcesses += timing["childProcessCount"]?.intValue ?? 0
            }
        }
        #expect(stageRuns[1]?.count == 3 && (2...6).allSatisfy { stageRuns[$0]?.count == 2 }, "\(stageRuns)")
        for (stage, runs) in stageRuns {
            let labels = ["stage": String(stage)]
            #expect(metrics.values("panda_stage_duration_seconds_count", labels) == [Double(runs.count)], "stage \(stage)")
            let recorded = metrics.sum("panda_stage_duration_seconds_sum", labels)
            #expect(abs(recorded - runs.seconds) <= 0.002 * Double(runs.count), "stage \(stage): \(recorded) s vs \(runs.seconds) s")
        }

        // Child processes: the deployments' own (their stage timings count them), the STS check of
        // `connect aws`, each deployment's STS re-check of its credentials before stage 1, and
        // each apps listing's two aws calls (tagged resources, then the one load balancer).
        let total = metrics.sum("panda_child_processes_total")
        let expected = childProcesses + 1 + results.count + 2 * appsListings
        #expect(total == Double(expected), "\(total) child processes counted, \(expected) ran")
        for tool in ["git", "docker", "aws", "curl"] {
            let count = metrics.sum("panda_child_processes_total", ["tool": tool])
            #expect(count > 0, "no \(tool) process counted")
            #expect(metrics.values("panda_child_process_duration_seconds_count", ["tool": tool]) == [count], "\(tool)")
        }
        #expect(metrics.sum("panda_child_processes_total", ["tool": "git", "exit": "0"]) >= 3, "a clone per deployment")
        let failedDocker = metrics.samples.filter {
            $0.name == "panda_child_processes_total" && $0.labels["tool"] == "docker" && $0.labels["exit"] != "0"
        }
        #expect(failedDocker.reduce(0) { $0 + $1.value } >= 1, "the broken build's docker run")

        // Requests: by route template, never by raw path.
        func requests(_ route: String, _ method: String, _ status: Int) -> Double {
            metrics.sum("panda_http_requests_total", ["route": route, "method": method, "status": String(status)])
        }
        #expect(requests("/api/v1/deploy", "POST", 200) == 3)
        #expect(requests("/api/v1/connect/github", "POST", 200) == 1)
        #expect(requests("/api/v1/connect/github", "POST", 400) == 1)
        #expect(requests("/api/v1/connect/aws", "POST", 200) == 1)
        #expect(requests("/api/v1/deploy/{deploymentId}/result", "GET", 401) == 1)
        #expect(requests("/api/v1/deploy/{deploymentId}/result", "GET", 400) == 1)
        #expect(requests("/api/v1/deploy/{deploymentId}/events", "GET", 400) == 1)
        #expect(requests("unmatched", "GET", 404) == 1)
        #expect(requests("/metrics", "GET", 401) == 1)
        // Five follows, most of them resumed at least once (streams end every 2 s; the proxy cuts them).
        #expect(requests("/api/v1/deploy/{deploymentId}/events", "GET", 200) > 8)
        #expect(!metrics.samples.contains { $0.labels.values.contains { $0.contains("dep_") } }, "a raw id in a label")
        let durations = metrics.values("panda_http_request_duration_seconds_count", ["route": "/api/v1/deploy"])
        #expect(durations == [3])
    }

    // MARK: The log

    /// JSON lines only; every deployment's lines carry its id; child commands at debug; no secret anywhere.
    static func checkLog(_ log: String, deployments: [String], secrets: [String]) throws {
        for secret in secrets {
            #expect(!log.contains(secret), "a secret in panda's log")
        }
        var entries: [JSONValue] = []
        for line in log.split(separator: "\n") where !line.hasPrefix("panda listening on ") {
            guard let entry = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)),
                  entry["timestamp"]?.stringValue != nil, entry["level"]?.stringValue != nil, entry["message"]?.stringValue != nil
            else {
                Issue.record("not a JSON log line: \(line)")
                continue
            }
            entries.append(entry)
        }
        let requests = entries.filter { $0["message"]?.stringValue == "request" }
        #expect(requests.count > 20)
        for request in requests {
            #expect(request["level"]?.stringValue == "info")
            #expect(request["method"] != nil && request["route"] != nil && request["status"] != nil && request["durationMs"] != nil,
                    "\(request)")
            if request["route"]?.stringValue?.contains("{deploymentId}") == true {
                #expect(request["deploymentId"]?.stringValue?.hasPrefix("dep_") == true, "\(request)")
            }
        }
        let processes = entries.filter { $0["message"]?.stringValue == "running process" }
        for process in processes {
            #expect(process["level"]?.stringValue == "debug", "\(process)")
            let executable = process["executable"]?.stringValue ?? ""
            if ["git", "docker", "curl"].contains(executable) {
                #expect(deployments.contains(process["deploymentId"]?.stringValue ?? ""), "a child without its deployment: \(process)")
            }
        }
        #expect(processes.count > 20)
        for id in deployments {
            let mine = entries.filter { $0["deploymentId"]?.stringValue == id }
            let messages = Set(mine.compactMap { $0["message"]?.stringValue })
            #expect(messages.isSuperset(of: ["deployment accepted", "deployment started", "deployment finished", "running process"]),
                    "\(id): \(messages)")
        }
        let failed = entries.first { $0["message"]?.stringValue == "deployment finished" && $0["deploymentId"]?.stringValue == deployments.last }
        #expect(failed?["errorCode"]?.stringValue == "DOCKER_BUILD_FAILED" && failed?["status"]?.stringValue == "FAILED")
    }

    static func fixture(_ name: String) -> String {
        EndToEndEnvironment.checkout.appendingPathComponent("Tests/Fixtures/ops/\(name)").path
    }
}

/// The `panda` binary as a client, run the way a script runs it.
struct CLI: Sendable {
    let server: String
    let apiKey: String?

    struct Outcome: CustomStringConvertible {
        let code: Int32
        let stdout: String
        let stderr: String
        var description: String { "exit \(code)\nstdout: \(stdout.suffix(2000))\nstderr: \(stderr.suffix(2000))" }
    }

    /// - Parameter terminal: run it on a pseudo-terminal (its stderr then arrives in `stdout` too).
    func run(_ arguments: [String], withoutAPIKey: Bool = false, stdin: String? = nil, environment extra: [String: String] = [:],
             terminal: Bool = false) async throws -> Outcome {
        var environment = Command.Environment.safe.setting("PANDA_SERVER", server)
        if let apiKey, !withoutAPIKey { environment = environment.setting("PANDA_API_KEY", secret: Secret(apiKey)) }
        for (name, value) in extra { environment = environment.setting(name, value) }
        let binary = EndToEndEnvironment.pandaBinary
        let command = Command(
            terminal ? "python3" : binary,
            arguments: terminal ? [OpsEndToEndTests.fixture("pty-run.py"), binary] + arguments : arguments,
            environment: environment, stdin: stdin.map { .text($0) }, timeout: .seconds(300))
        let result = try await TestProcess.runner.run(command)
        guard case .exited(let code) = result.status else { throw TestFixtureError("panda \(arguments) ended by \(result.status)") }
        return Outcome(code: code, stdout: result.stdout, stderr: result.stderr)
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var mapped: [T] = []
        for element in self { mapped.append(try await transform(element)) }
        return mapped
    }
}
