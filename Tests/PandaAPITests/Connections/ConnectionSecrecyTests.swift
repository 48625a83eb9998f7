import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Synchronization
import Testing
import Panda
import PandaTestSupport
import Tools
@testable import PandaAPI

/// Reads every process's command line, again and again, while connects run.
final class CommandLineSampler: Sendable {
    private struct State {
        var running = true
        var awsSightings = 0
        var leaks: [String] = []
        var passes = 0
    }

    private let state = Mutex(State())
    private let secrets: [String]

    init(secrets: [String]) { self.secrets = secrets }

    func run() async {
        while state.withLock({ $0.running }) {
            let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { Int32($0) != nil }
            for pid in pids {
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { continue }
                let text = String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
                let isAWS = text.contains("get-caller-identity")
                let leaked = secrets.filter { text.contains($0) }
                state.withLock {
                    if isAWS { $0.awsSightings += 1 }
                    if !leaked.isEmpty { $0.leaks.append("pid \(pid): \(text.prefix(200))") }
                }
            }
            state.withLock { $0.passes += 1 }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    func stop() -> (awsSightings: Int, leaks: [String], passes: Int) {
        state.withLock {
            $0.running = false
            return ($0.awsSightings, $0.leaks, $0.passes)
        }
    }
}

extension AWSConnectionAPITests {
    /// After successful and failing connects, no token, secret key or session token shows in
    /// the logs, in any response body, or in the command line of any process (sampled live).
    @Test func secretsNeverShowInLogsBodiesOrCommandLines() async throws {
        let account = try MotoAccount.require()
        let githubToken = "ghp_LEAKCHECKgood00000000000000000000000001"
        let badGitHubToken = "ghp_LEAKCHECKbad000000000000000000000000002"
        let wrongSecret = "LEAKCHECK/wrong+secret/000000000000000000"
        let wrongSessionToken = "FQoGZXIvYXdzLEAKCHECKwrongsessiontoken0000"
        let secrets = [githubToken, badGitHubToken, wrongSecret, wrongSessionToken,
                       account.user.secretAccessKey.reveal(), account.session.secretAccessKey.reveal(),
                       try #require(account.session.sessionToken?.reveal())]
        let (logger, logs) = LogCapture.logger()
        let sampler = CommandLineSampler(secrets: secrets)
        let sampling = Task.detached { await sampler.run() }

        var bodies: [String] = []
        try await GitHubAPIFixture.with(tokens: [githubToken], repositories: GitHubConnectionAPITests.repositories) { fixture in
            try await withPandaServer(configure: {
                $0.github.apiBaseURL = fixture.baseURL
                $0.aws.endpointURL = account.moto.endpointURL
                $0.connections.maxConcurrentValidations = 8  // all seven at once, none refused with 429
            }, logger: logger) { client in
                async let a = client.postJSON("/api/v1/connect/aws", account.user.connectBody())
                async let b = client.postJSON("/api/v1/connect/aws", account.user.connectBody(secret: wrongSecret))
                async let c = client.postJSON("/api/v1/connect/aws", account.session.connectBody())
                async let d = client.postJSON("/api/v1/connect/aws", account.session.connectBody(sessionToken: wrongSessionToken))
                let github = [
                    try await client.postJSON("/api/v1/connect/github", GitHubConnectionAPITests.body(token: githubToken)),
                    try await client.postJSON("/api/v1/connect/github", GitHubConnectionAPITests.body(token: badGitHubToken)),
                    try await client.postJSON("/api/v1/connect/github", GitHubConnectionAPITests.body(branch: "a b", token: githubToken)),
                ]
                let aws = [try await a, try await b, try await c, try await d]
                #expect((github + aws).map(\.status) == [200, 400, 400, 200, 400, 200, 400])
                bodies = (github + aws).map(\.text)
                bodies.append(try await client.send("GET", "/api/v1/connections").text)
            }
        }
        let (awsSightings, leaks, passes) = sampler.stop()
        await sampling.value

        #expect(awsSightings > 0, "the sampler saw no aws process in \(passes) passes: it proves nothing")
        #expect(leaks.isEmpty, "\(leaks)")
        let logText = logs.all
        #expect(logText.contains("AWS connection registered"))
        #expect(logText.contains("GitHub connection registered"))
        for secret in secrets {
            #expect(!logText.contains(secret), "a secret in the logs")
            for body in bodies { #expect(!body.contains(secret), "a secret in a body: \(body)") }
        }
    }

    /// AWS_* variables of the host (of the panda process itself) change nothing: a real
    /// `panda serve` child whose environment is full of them still validates against the
    /// configured endpoint with the submitted keys only.
    @Test func hostAWSVariablesChangeNothing() async throws {
        let account = try MotoAccount.require()
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("panda").path
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build the panda product first (\(executable))")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("panda-hostenv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let config = scratch.appendingPathComponent("panda.json")
        try Data("{}".utf8).write(to: config)
        let awsConfig = scratch.appendingPathComponent("aws-config")
        try Data("[default]\nregion = sa-east-1\nendpoint_url = http://127.0.0.1:1\n[profile hostprofile]\naws_access_key_id = AKIAHOSTPROFILE\n".utf8)
            .write(to: awsConfig)

        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PANDA_") && !$0.key.hasPrefix("AWS_") }
        environment.merge([
            "AWS_ACCESS_KEY_ID": "AKIAHOSTLEAK00000001", "AWS_SECRET_ACCESS_KEY": "host-secret", "AWS_SESSION_TOKEN": "host-token",
            "AWS_PROFILE": "hostprofile", "AWS_DEFAULT_REGION": "sa-east-1", "AWS_REGION": "sa-east-1",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1",
            "AWS_CONFIG_FILE": awsConfig.path, "AWS_SHARED_CREDENTIALS_FILE": awsConfig.path, "AWS_CA_BUNDLE": "/nonexistent.pem",
        ]) { $1 }
        let panda = try TestProcess.start(
            name: "panda-hostenv", executable: executable,
            arguments: ["serve", "--config", config.path, "--port", "0", "--set", "aws.endpointURL=\(account.moto.endpointURL)"],
            environment: environment)
        defer { Task.detached { await panda.stop() } }
        try await panda.waitUntilReady(timeout: .seconds(20)) { panda.logTail().contains("panda listening on http://127.0.0.1:") }
        let port = try #require(panda.logTail().firstMatch(of: /panda listening on http:\/\/127\.0\.0\.1:(\d+)/).flatMap { UInt16($0.1) })
        let client = APITestClient(port: port, session: URLSession(configuration: .ephemeral))

        async let good = client.postJSON("/api/v1/connect/aws", account.bareUser.connectBody(region: "eu-west-3"))
        async let bad = client.postJSON("/api/v1/connect/aws", account.bareUser.connectBody(secret: "host-secret"))
        let reply = try await good
        #expect(reply.status == 200, "\(reply.text)")
        let entries = try await client.send("GET", "/api/v1/connections").json["data"] as? [[String: Any]] ?? []
        #expect(entries.first?["arn"] as? String == "arn:aws:iam::123456789012:user/panda-nopolicy")
        #expect(entries.first?["region"] as? String == "eu-west-3")
        expectErrorBody(try await bad, status: 400, error: "Deployment Error", message: Self.badSignature)
        await panda.stop()
        let log = panda.logTail(maxBytes: 1 << 20)
        #expect(!log.contains(account.bareUser.secretAccessKey.reveal()))
    }
}
