import Foundation
import Panda
import Tools

/// Plays ECS's and the ALB's part next to a ``MotoServer``, so a pipeline that drives
/// ECS and ELBv2 through moto sees real containers and a real load balancer.
///
/// It runs `Tests/Fixtures/ecs-standin/standin.py` (Python 3 with boto3), which
/// - makes the containers it runs with the local Docker Engine, per ECS service in moto,
///   match the service's `desiredCount` and task definition (image and first
///   `containerPort`), registers them in the service's target groups as
///   `BRIDGE_IP:CONTAINER_PORT` (moto keys targets by Id alone, so `127.0.0.1:HOSTPORT`
///   for several containers cannot work), deregisters and removes them when the count
///   drops or the task definition changes (new ones start first), and notes containers
///   that exit by themselves as stopped tasks;
/// - serves an HTTP/1.1 reverse proxy on 127.0.0.1:``proxyPort`` that routes by the
///   `Host` header `DNSNAME[:PORT]`, like the ALB with that DNS name and its listener on
///   that port would (404 without such a listener, 503 without targets, weights
///   honoured); its routing table follows moto within one poll interval (0.5 s).
///
/// It also serves the AWS API on 127.0.0.1:``apiPort`` (point Panda's `aws.endpointURL` at
/// ``apiEndpointURL``): moto behind the rules moto lacks and AWS has — stopped tasks listed
/// per service for an hour, target health from real probes with each target group's own
/// settings, tasks stopped when unhealthy past the grace period, placement failures only in
/// service events, the ECS service-linked role, IAM propagation delay, one subnet per
/// Availability Zone for a load balancer, no image pull without a route to the internet,
/// container port checks on `update-service`, and throttling (see the fixture's README).
///
/// Containers carry the labels `panda-standin=1`, `panda-standin.instance=<instanceID>`,
/// `service=<arn>` and `taskdef=<arn>`. ``stop()`` removes them; the stand-in also stops
/// by itself when the test process that started it is gone.
public final class ECSStandIn: Sendable {
    public let process: TestProcess
    /// The proxy, on 127.0.0.1.
    public let proxyPort: UInt16
    /// The AWS API (moto behind the stand-in's rules), on 127.0.0.1.
    public let apiPort: UInt16
    public var apiEndpointURL: String { "http://127.0.0.1:\(apiPort)" }
    /// The value of this instance's `panda-standin.instance` container label.
    public let instanceID: String

    /// The listener ports ``connectTo`` sends to the proxy.
    public static let listenerPorts: [UInt16] = [80, 8080]

    /// The program this wraps.
    public static var scriptPath: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("Fixtures/ecs-standin/standin.py")
    }

    /// curl `--connect-to HOST1:PORT1:HOST2:PORT2` entries (empty HOST1 = any host) that send
    /// every host on listener ports 80 and 8080 to the proxy. The request keeps its
    /// `Host: DNSNAME[:PORT]` header, from which the proxy picks the load balancer and listener.
    public var connectTo: [String] {
        Self.listenerPorts.map { ":\($0):127.0.0.1:\(proxyPort)" }
    }

    /// How strictly the stand-in plays AWS where tests want to choose.
    public struct Strictness: Sendable {
        /// A role created through the API cannot be assumed for this long.
        public var iamPropagation: Duration = .zero
        /// Target group health check intervals and timeouts are multiplied by this (1 = AWS's seconds).
        public var healthTimeScale: Double = 0.2
        /// Share of API calls answered `ThrottlingException`.
        public var throttleShare: Double = 0
        public var stoppedTaskRetention: Duration = .seconds(3600)

        public init() {}
    }

    private init(process: TestProcess, proxyPort: UInt16, apiPort: UInt16, instanceID: String) {
        self.process = process
        self.apiPort = apiPort
        self.proxyPort = proxyPort
        self.instanceID = instanceID
    }

    /// Starts the stand-in against `moto` and waits for its `standin ready proxy=127.0.0.1:PORT` line.
    public static func start(
        moto: MotoServer,
        region: String = "us-east-1",
        pollInterval: Duration = .milliseconds(500),
        strictness: Strictness = Strictness()
    ) async throws -> ECSStandIn {
        let instanceID = "t" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        let (seconds, attoseconds) = pollInterval.components
        let interval = Double(seconds) + Double(attoseconds) / 1e18
        // Dummy credentials only: nothing of the host's AWS configuration reaches boto3.
        let environment = Command.Environment.inheritingAll(except: ["AWS_"])
            .setting("AWS_ACCESS_KEY_ID", "standin")
            .setting("AWS_SECRET_ACCESS_KEY", "standin")
            .setting("AWS_DEFAULT_REGION", region)
            .setting("AWS_CONFIG_FILE", AWSCLI.emptyFile)
            .setting("AWS_SHARED_CREDENTIALS_FILE", AWSCLI.emptyFile)
            .setting("AWS_EC2_METADATA_DISABLED", "true")
            .setting("PYTHONUNBUFFERED", "1")
            .setting("PYTHONDONTWRITEBYTECODE", "1")
            .resolved(inheriting: ProcessInfo.processInfo.environment)
        let process = try TestProcess.start(
            name: "ecs-standin",
            executable: "python3",
            arguments: [
                scriptPath.path,
                "--moto-endpoint", moto.endpointURL,
                "--region", region,
                "--proxy-port", "0",
                "--poll-interval", String(format: "%.3f", interval),
                "--instance-id", instanceID,
                "--watch-pid", "\(ProcessInfo.processInfo.processIdentifier)",
                "--api-port", "0",
                "--iam-propagation-seconds", Self.seconds(strictness.iamPropagation),
                "--health-time-scale", String(strictness.healthTimeScale),
                "--throttle-share", String(strictness.throttleShare),
                "--stopped-task-retention", Self.seconds(strictness.stoppedTaskRetention),
            ],
            environment: environment
        )
        do {
            try await process.waitUntilReady(timeout: .seconds(120), interval: .milliseconds(50)) {
                readyPorts(in: process.logTail(maxBytes: 64 * 1024)) != nil
            }
        } catch {
            await process.stop(grace: .seconds(10))
            await removeContainers(instanceID: instanceID)
            throw error
        }
        guard let ports = readyPorts(in: process.logTail(maxBytes: 64 * 1024)) else {
            await process.stop(grace: .seconds(10))
            throw TestFixtureError("ecs-standin: no ready line; log:\n\(process.logTail())")
        }
        return ECSStandIn(process: process, proxyPort: ports.proxy, apiPort: ports.api, instanceID: instanceID)
    }

    private static func seconds(_ duration: Duration) -> String {
        String(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    /// The ports in the line `standin ready proxy=127.0.0.1:PORT api=127.0.0.1:PORT` of the stand-in's output.
    public static func readyPorts(in log: String) -> (proxy: UInt16, api: UInt16)? {
        for line in log.split(separator: "\n") where line.hasPrefix("standin ready ") {
            var ports: [String: UInt16] = [:]
            for field in line.dropFirst("standin ready ".count).split(separator: " ") {
                let parts = field.split(separator: "=", maxSplits: 1)
                if parts.count == 2, let port = parts[1].split(separator: ":").last.flatMap({ UInt16($0) }) {
                    ports[String(parts[0])] = port
                }
            }
            if let proxy = ports["proxy"], let api = ports["api"] { return (proxy, api) }
        }
        return nil
    }

    // MARK: Control

    /// Every request for listener port `port` (of any load balancer) is answered with `status`.
    public func setFault(port: UInt16, status: Int) async throws {
        _ = try await control("POST", "/_standin/fault?port=\(port)&status=\(status)")
    }

    /// Undoes ``setFault(port:status:)``.
    public func clearFault(port: UInt16) async throws {
        _ = try await control("DELETE", "/_standin/fault?port=\(port)")
    }

    /// ECS cannot place tasks of `service` (any service when `nil`): only the service's events say so.
    public func setPlacementFailure(service: String? = nil, reason: String) async throws {
        let encoded = reason.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        _ = try await control("POST", "/_standin/placement?service=\(service ?? "*")&reason=\(encoded)")
    }

    public func clearPlacementFailure(service: String? = nil) async throws {
        _ = try await control("DELETE", "/_standin/placement?service=\(service ?? "*")")
    }

    /// The API fails `action` (e.g. `ModifyListener`) `count` times with `code` after letting
    /// `skip` calls through; `delay` holds the failing answer back (to cancel meanwhile).
    public func failAPI(action: String, skip: Int = 0, count: Int = 1, code: String = "InternalFailure", status: Int = 500,
                        delay: Duration = .zero) async throws {
        _ = try await control("POST", "/_standin/api-fault?action=\(action)&skip=\(skip)&count=\(count)&code=\(code)&status=\(status)&delay=\(Self.seconds(delay))")
    }

    /// The next `count` calls of `action` (after `skip`) wait `delay`, then go through.
    public func delayAPI(action: String, skip: Int = 0, count: Int = 1, by delay: Duration) async throws {
        try await failAPI(action: action, skip: skip, count: count, code: "Delay", status: 200, delay: delay)
    }

    /// From now on this share of API calls answers `ThrottlingException` (`Throttling` in query APIs).
    public func setThrottleShare(_ share: Double) async throws {
        _ = try await control("POST", "/_standin/throttle?share=\(share)")
    }

    /// From now on a role created through the API cannot be assumed for this long.
    public func setIAMPropagation(_ duration: Duration) async throws {
        _ = try await control("POST", "/_standin/iam-propagation?seconds=\(Self.seconds(duration))")
    }

    /// Runs `aws SERVICE OPERATION ARGUMENTS --output json` against the stand-in's API (one
    /// attempt unless told otherwise) and returns what it answered, failures included.
    public func aws(_ service: String, _ operation: String, _ arguments: [String] = [], maxAttempts: Int = 1,
                    region: String = "us-east-1") async throws -> (succeeded: Bool, json: JSONValue, stderr: String) {
        let cli = AWSCLI(credentials: MotoServer.setupCredentials, region: region, endpointURL: apiEndpointURL,
                         timeout: .seconds(60), maxAttempts: maxAttempts)
        let command = Command(cli.executable, arguments: [service, operation] + arguments + ["--output", "json"],
                              environment: cli.environment, timeout: cli.timeout)
        let result = try await TestProcess.runner.run(command)
        let output = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let json = output.isEmpty ? JSONValue.null : (try? JSONDecoder().decode(JSONValue.self, from: Data(output.utf8))) ?? .null
        return (result.succeeded, json, result.stderr)
    }

    /// `GET /_standin/state`: `services` (ARN → `desiredCount`, `taskDefinition`,
    /// `targetGroups`, `containers` [{`id`, `hostPort`, `target`, `targetGroup`, `targetGroups`,
    /// `taskdef`, `image`, …}]), `stopped` (the same plus `stoppedReason`, `exitCode`, `service`),
    /// `routes` (`DNSNAME:PORT` → target groups with weights and targets), `faults`,
    /// `timings` and the last poll `errors`.
    public func state() async throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(try await control("GET", "/_standin/state").utf8))
    }

    /// One container the stand-in runs for a service, from ``state()``.
    public struct Container: Sendable, Hashable, Decodable {
        public var id: String
        public var hostPort: UInt16
        /// `BRIDGE_IP:CONTAINER_PORT`, as registered in the target groups.
        public var target: String
        public var targetGroups: [String]
        public var taskdef: String
        public var image: String
    }

    /// The running containers, by service ARN.
    public func containers() async throws -> [String: [Container]] {
        struct State: Decodable {
            struct Service: Decodable { var containers: [Container] }
            var services: [String: Service]
        }
        let state = try JSONDecoder().decode(State.self, from: Data(try await control("GET", "/_standin/state").utf8))
        return state.services.mapValues(\.containers)
    }

    /// The containers labelled with this instance's id, as the engine sees them (running or not).
    public func engineContainerIDs() async throws -> [String] {
        try await Self.engineContainerIDs(instanceID: instanceID)
    }

    /// Sends SIGTERM and waits; the stand-in deregisters and removes its containers and exits.
    /// Then checks that no container of this instance is left (removing any it finds) and
    /// throws if one was, or if the process had to be killed.
    public func stop() async throws {
        let clean = await process.stop(grace: .seconds(20))
        let leftovers = (try? await engineContainerIDs()) ?? []
        if !leftovers.isEmpty {
            await DockerEngine.removeContainers(leftovers)
            throw TestFixtureError("ecs-standin: \(leftovers.count) container(s) left after stop; log:\n\(process.logTail())")
        }
        guard clean, process.logTail().contains("standin: stopped") else {
            throw TestFixtureError("ecs-standin: did not stop cleanly; log:\n\(process.logTail())")
        }
    }

    private func control(_ method: String, _ path: String) async throws -> String {
        let command = Command(
            "curl",
            arguments: [
                "-sS", "--fail-with-body", "--max-time", "10", "-X", method,
                "-H", "Host: standin", "http://127.0.0.1:\(proxyPort)\(path)",
            ],
            timeout: .seconds(15)
        )
        let result = try await TestProcess.runner.run(command)
        guard result.succeeded else {
            throw TestFixtureError("ecs-standin: \(method) \(path) failed: \(result.stdout) \(result.stderr)")
        }
        return result.stdout
    }

    private static func engineContainerIDs(instanceID: String) async throws -> [String] {
        let result = try await DockerEngine.docker(["ps", "-aq", "--filter", "label=panda-standin.instance=\(instanceID)"])
        return result.stdout.split(whereSeparator: \.isNewline).map(String.init)
    }

    private static func removeContainers(instanceID: String) async {
        await DockerEngine.removeContainers((try? await engineContainerIDs(instanceID: instanceID)) ?? [])
    }
}
