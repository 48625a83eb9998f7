import Foundation
import Panda
import PandaTestSupport
import Testing
import Tools

/// `kill -9` of the real `panda` binary during stage 1, stage 4 and stage 5, each time
/// followed by a restart on the same storage directory: what was finished is served byte
/// for byte as before, the interrupted deployment is FAILED/DEPLOYMENT_INTERRUPTED, its
/// green goes back to 0 tasks unless it serves production, production keeps serving, and
/// neither a workspace nor a child process is left. Then the raw storage is searched for
/// every secret Panda was given or fetched.
@Suite(.serialized, .timeLimit(.minutes(20)))
struct RestartEndToEndTests {
    @Test func killedDuringStages145AndRestarted() async throws {
        let environment = try await EndToEndEnvironment.start()
        let processes = PandaProcesses(environment.panda)
        var failure: (any Error)?
        var deploymentIDs: [String] = []
        do {
            try await Self.scenario(environment, processes, deploymentIDs: &deploymentIDs)
        } catch {
            failure = error
        }
        await processes.stopCurrent()
        var leftovers = await environment.stop()
        let temporary = (try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? []
        leftovers += temporary.filter { name in deploymentIDs.contains { name.hasPrefix("panda-\($0)") } }
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
        if let failure { throw failure }
    }

    static func scenario(_ environment: EndToEndEnvironment, _ processes: PandaProcesses, deploymentIDs: inout [String]) async throws {
        var api = environment.api
        let owner = environment.owner, repo = EndToEndEnvironment.repo
        let application = AWSNames(owner: owner, repo: repo).loadBalancer  // found by the name Panda gives it
        let github = try await api.postJSON("/api/v1/connect/github", ["owner": owner, "repo": repo, "branch": "main", "token": environment.token])
        let githubID = try #require(github.json["data"]?["githubConnectionId"]?.stringValue, "\(github.text)")
        let aws = try await api.postJSON("/api/v1/connect/aws", [
            "region": "us-east-1", "accessKeyId": EndToEndEnvironment.accessKeyId, "secretAccessKey": EndToEndEnvironment.secretAccessKey,
        ])
        let awsID = try #require(aws.json["data"]?["awsConnectionId"]?.stringValue, "\(aws.text)")
        let body = ["githubConnectionId": githubID, "awsConnectionId": awsID, "owner": owner, "repo": repo, "branch": "main"]

        // A finished deployment, as ops scripts and dashboards see it before any restart.
        let finished = try await EndToEndTests.deployAndFollow(api, body: body)
        deploymentIDs.append(finished.id)
        #expect(finished.events.last?.event == "done")
        let before = try await FinishedView.read(api, finished.id, resumeAfter: finished.events[4].id)

        let kills: [(stage: Int, trigger: String)] = [
            (1, "[Stage 1] Dockerfile 찾음"),
            (4, "[Stage 4] Green 서비스 시작 중"),
            (5, "[Stage 5] Green 서비스 HealthCheck 진행 중 - Check 1/5"),
        ]
        for kill in kills {
            // Start a deployment and follow it until the trigger, then kill -9 panda while children run.
            let started = try await api.postJSON("/api/v1/deploy", body)
            let id = try #require(started.json["data"]?["deploymentId"]?.stringValue, "\(started.text)")
            deploymentIDs.append(id)
            let port = api.port
            try await offloaded {
                let client = try RawHTTPClient(port: port, receiveTimeout: .seconds(240))
                try client.sendRequest("GET", "/api/v1/deploy/\(id)/events", headers: ["Accept": "text/event-stream"])
                _ = try client.readHead()
                var text = ""
                try client.readStream(until: kill.trigger, collected: &text)
            }
            let children = try await processes.killCurrentWithChildrenRunning()
            #expect(!children.isEmpty, "stage \(kill.stage): panda had no child process when killed")
            // The kernel kills them with panda (PR_SET_PDEATHSIG); their whole sessions must go.
            let survivors = await sessionsStillAlive(children, within: .seconds(10))
            #expect(survivors.isEmpty, "stage \(kill.stage): children outlived panda: \(survivors)")

            api = try await processes.restart(settings: environment.pandaSettings)

            // What was finished is served exactly as before; the interrupted one failed with the new code.
            let after = try await FinishedView.read(api, finished.id, resumeAfter: finished.events[4].id)
            #expect(after == before, "stage \(kill.stage): the finished deployment changed across the restart")
            let result = try await api.get("/api/v1/deploy/\(id)/result")
            #expect(result.status == 200, "\(result.text)")
            #expect(result.json["data"]?["status"]?.stringValue == "FAILED")
            #expect(result.json["data"]?["errorCode"]?.stringValue == "DEPLOYMENT_INTERRUPTED")
            #expect(result.json["data"]?["failedStage"]?.intValue == kill.stage, "\(result.text)")
            let history = try await FinishedView.read(api, id, resumeAfter: nil)
            let last = EndToEndTests.parseFrames(history.stream).last
            #expect(last?.event == "error")
            #expect(last?.data["errorCode"]?.stringValue == "DEPLOYMENT_INTERRUPTED")
            let workspaces = ((try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? [])
                .filter { $0.hasPrefix("panda-\(id)-") }
            #expect(workspaces.isEmpty, "stage \(kill.stage): workspaces left: \(workspaces)")

            if kill.stage >= 4 {
                // The reconcile pass: green at 0 unless production forwards to it; production serves.
                let names = AWSNames(owner: owner, repo: repo)
                let production = try await environment.productionTargetGroup(application: application)
                var greenCounts: [String: Int] = [:]
                let deadline = ContinuousClock.now + .seconds(120)
                repeat {
                    greenCounts = [:]
                    for slot in Slot.allCases {
                        let group = try await environment.moto.aws("elbv2", "describe-target-groups", ["--names", names.targetGroup(slot)])
                        guard group["TargetGroups"]?.arrayValue.first?["TargetGroupArn"]?.stringValue != production else { continue }
                        let services = try await environment.moto.aws("ecs", "describe-services", [
                            "--cluster", "panda-cluster", "--services", names.service(slot),
                        ])
                        greenCounts[names.service(slot)] = services["services"]?.arrayValue.first?["desiredCount"]?.intValue ?? 0
                    }
                    if greenCounts.values.allSatisfy({ $0 == 0 }) { break }
                    try await Task.sleep(for: .seconds(1))
                } while ContinuousClock.now < deadline
                #expect(greenCounts.values.allSatisfy { $0 == 0 }, "stage \(kill.stage): green still up: \(greenCounts)")
                try await EndToEndTests.expectProduction(environment, application: application, shows: "v1")
            }
        }

        // A child that would never end by itself (git cloning from a server that never answers)
        // still dies with panda: the checks above could pass for children that end soon anyway.
        let blackhole = try BlackholeListener()
        api = try await processes.restart(settings: environment.pandaSettings + ["github.gitBaseURL=\(blackhole.url)"])
        let hanging = try await api.postJSON("/api/v1/deploy", body)
        let hangingID = try #require(hanging.json["data"]?["deploymentId"]?.stringValue, "\(hanging.text)")
        deploymentIDs.append(hangingID)
        let port = api.port
        try await offloaded {
            let client = try RawHTTPClient(port: port, receiveTimeout: .seconds(120))
            try client.sendRequest("GET", "/api/v1/deploy/\(hangingID)/events", headers: ["Accept": "text/event-stream"])
            _ = try client.readHead()
            var text = ""
            try client.readStream(until: "Repository 클론 중...", collected: &text)
        }
        try await Task.sleep(for: .seconds(2))  // git is connected and waiting
        let gitChildren = try await processes.killCurrentWithChildrenRunning()
        #expect(!gitChildren.isEmpty, "panda had no child process while git hung")
        // git itself is killed by the kernel with panda. A grandchild that neither reads nor
        // writes (git-remote-http on a silent server) does not get the parent-death signal: the
        // next panda on the same storage directory finds it by its mark and kills it at start.
        let deadline = ContinuousClock.now + .seconds(10)
        while gitChildren.contains(where: { TestProcess.isAlive(pid: $0) }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!gitChildren.contains { TestProcess.isAlive(pid: $0) }, "a hanging git outlived panda: \(gitChildren)")
        let leftBehind = await sessionsStillAlive(gitChildren, within: .zero)
        api = try await processes.restart(settings: environment.pandaSettings)
        let stragglers = await sessionsStillAlive(gitChildren, within: .seconds(5))
        #expect(stragglers.isEmpty, "outlived the restart: \(stragglers) (left behind at the kill: \(leftBehind))")
        for straggler in stragglers { kill(straggler, SIGKILL) }
        let hangingResult = try await api.get("/api/v1/deploy/\(hangingID)/result")
        #expect(hangingResult.json["data"]?["errorCode"]?.stringValue == "DEPLOYMENT_INTERRUPTED", "\(hangingResult.text)")

        // No secret Panda was given or fetched is in the storage directory, in any encoding.
        let leaks = try secretLeaks(in: environment.storageDirectory, secrets: [
            environment.token, EndToEndEnvironment.secretAccessKey, EndToEndEnvironment.accessKeyId, environment.registry.password.reveal(),
        ])
        #expect(leaks.isEmpty, "\(leaks)")
    }

    /// The result body, the full replay and a `Last-Event-ID` resume of one deployment, as raw text.
    struct FinishedView: Equatable {
        var result: String
        var stream: String
        var resumed: String

        static func read(_ api: EndToEndAPI, _ id: String, resumeAfter lastEventID: String?) async throws -> FinishedView {
            let result = try await api.get("/api/v1/deploy/\(id)/result").text
            let port = api.port
            let (stream, resumed) = try await offloaded { () throws -> (String, String) in
                func read(_ headers: [String: String]) throws -> String {
                    let client = try RawHTTPClient(port: port, receiveTimeout: .seconds(30))
                    try client.sendRequest("GET", "/api/v1/deploy/\(id)/events", headers: headers.merging(["Accept": "text/event-stream"]) { $1 })
                    _ = try client.readHead()
                    return try client.readStreamToEnd()
                }
                return (try read([:]), try lastEventID.map { try read(["Last-Event-ID": $0]) } ?? "")
            }
            return FinishedView(result: result, stream: stream, resumed: resumed)
        }
    }
}

/// The panda process of the moment: killed with `kill -9`, started again on the same settings.
final class PandaProcesses: @unchecked Sendable {
    private let lock = NSLock()
    private var current: TestProcess
    /// Whether `current` was killed here (its pid may already belong to another process).
    private var currentKilled = false

    init(_ first: TestProcess) { current = first }

    private var process: TestProcess { lock.withLock { current } }

    /// Waits (a few seconds at most) until panda has a child, then SIGKILLs panda alone.
    /// Returns the children it had then.
    func killCurrentWithChildrenRunning() async throws -> [pid_t] {
        let panda = process
        var children: [pid_t] = []
        let deadline = ContinuousClock.now + .seconds(5)
        repeat {
            children = childProcesses(of: panda.pid)
            if !children.isEmpty { break }
            try await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now < deadline
        kill(panda.pid, SIGKILL)
        lock.withLock { currentKilled = true }
        while TestProcess.isAlive(pid: panda.pid) { try await Task.sleep(for: .milliseconds(20)) }
        return children
    }

    /// Starts panda again; one still running (restarted only for new settings) is stopped
    /// first, or it would be left behind, serving the same storage directory.
    func restart(settings: [String]) async throws -> EndToEndAPI {
        let (old, killed) = lock.withLock { (current, currentKilled) }
        if !killed { await old.stop(grace: .seconds(10)) }
        try? FileManager.default.removeItem(at: old.logFile)
        let (panda, api) = try await EndToEndEnvironment.launchPanda(settings: settings)
        lock.withLock {
            current = panda
            currentKilled = false
        }
        return api
    }

    func stopCurrent() async {
        let panda = process
        await panda.stop(grace: .seconds(10))
        try? FileManager.default.removeItem(at: panda.logFile)
    }
}

/// `/proc/PID/stat` fields after the command: state, ppid, pgrp, session.
private func statFields(_ pid: pid_t) -> (state: String, parent: pid_t, session: pid_t)? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let end = text.lastIndex(of: ")") else { return nil }
    let fields = text[text.index(after: end)...].split(separator: " ")
    guard fields.count > 3, let parent = pid_t(fields[1]), let session = pid_t(fields[3]) else { return nil }
    return (String(fields[0]), parent, session)
}

private func allProcesses() -> [pid_t] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(pid_t.init)
}

func childProcesses(of parent: pid_t) -> [pid_t] {
    allProcesses().filter { statFields($0)?.parent == parent }
}

/// Live (non-zombie) processes in the sessions the given children led, polled until none is left or `within` ends.
func sessionsStillAlive(_ leaders: [pid_t], within limit: Duration) async -> [pid_t] {
    let sessions = Set(leaders)
    let deadline = ContinuousClock.now + limit
    while true {
        let alive = allProcesses().filter { pid in
            guard let fields = statFields(pid) else { return false }
            return fields.state != "Z" && (sessions.contains(fields.session) || sessions.contains(pid))
        }
        if alive.isEmpty || ContinuousClock.now >= deadline { return alive }
        try? await Task.sleep(for: .milliseconds(100))
    }
}
