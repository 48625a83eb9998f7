// panda-storage-bench: what the durable store costs. Prints figures, never asserts.
//
//   panda-storage-bench [--events N] [--deployments N] [--lookups N] [--subscribers N] [--history N]
//
// 1. Event append rate: a stage publishes N events through the real path (event log,
//    SQLite in WAL mode on disk), against the same with an in-memory SQLite database.
// 2. Result lookups: deployment(id) + snapshot over N finished deployments, on disk and in memory.
// 3. SSE replay from the store: one finished deployment with a long history, replayed at
//    once to N subscribers over real sockets (page by page from the store).
import Foundation
import HTTPServer
import Panda
import PandaAPI
import Tools

struct Options {
    var events = 20_000
    var deployments = 1000
    var lookups = 100_000
    var subscribers = 1000
    var history = 1000

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let name = iterator.next(), let value = iterator.next().flatMap(Int.init) {
            switch name {
            case "--events": events = value
            case "--deployments": deployments = value
            case "--lookups": lookups = value
            case "--subscribers": subscribers = value
            case "--history": history = value
            default: break
            }
        }
    }
}

/// Publishes `count` stage events of about 200 bytes.
struct PublishingStage: Stage {
    let number = 1
    let name = "publish"
    let failureCode = ErrorCode.unexpectedError
    let count: Int

    func run(in context: DeploymentContext) async throws {
        let filler = String(repeating: "e", count: 120)
        for index in 0..<count { context.publish("[Stage 1] event \(index)", details: ["filler": .string(filler)]) }
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func scratchDirectory() -> String {
    var template = Array((NSTemporaryDirectory() + "panda-storage-bench-XXXXXX").utf8CString)
    guard let created = mkdtemp(&template) else { fatalError("mkdtemp failed") }
    return String(cString: created)
}

/// Services over `storage` with one connection pair and a pipeline of one publishing stage.
func services(_ storage: Storage, events: Int, configure: (inout PandaConfiguration) -> Void = { _ in }) async throws
    -> (PandaServices, PandaConfiguration) {
    var configuration = PandaConfiguration()
    configuration.deployments.maxConcurrent = 50
    configuration.deployments.queueCapacity = 100_000
    configure(&configuration)
    let runner = ProcessRunner()
    let connections = ConnectionService(configuration: configuration, runner: runner, registry: ConnectionRegistry(storage: storage))
    let deployments = DeploymentService(configuration: configuration, connections: connections.registry, runner: runner,
                                        pipeline: { _ in [PublishingStage(count: events)] })
    try await connections.registry.add(GitHubConnection(id: "gh_bench00001", owner: "octo", repo: "app", branch: "main",
                                                        token: Secret("ghp_bench"), fullName: "octo/app", defaultBranch: "main",
                                                        headCommitSHA: ""))
    try await connections.registry.add(AWSConnection(id: "aws_bench0001", region: "us-east-1",
                                                     credentials: AWSCredentials(accessKeyId: Secret("AKIA"), secretAccessKey: Secret("s")),
                                                     accountId: "123456789012", callerARN: "arn:aws:iam::123456789012:user/bench"))
    return (PandaServices(connections: connections, deployments: deployments), configuration)
}

func deployAndWait(_ services: PandaServices) async throws -> Deployment {
    let deployment = try await services.deployments.start(githubConnectionID: "gh_bench00001", awsConnectionID: "aws_bench0001",
                                                          owner: "octo", repo: "app", branch: "main")
    while !deployment.status.isTerminal { try await Task.sleep(for: .milliseconds(5)) }
    return deployment
}

func appendRate(_ storage: Storage, events: Int) async throws -> Double {
    let (services, _) = try await services(storage, events: events)
    let clock = ContinuousClock()
    let started = clock.now
    let deployment = try await deployAndWait(services)
    let elapsed = seconds(clock.now - started)
    precondition(deployment.log.count >= events, "events missing")
    return Double(events) / elapsed
}

func lookupRate(_ storage: Storage, deployments count: Int, lookups: Int) async throws -> Double {
    let (services, _) = try await services(storage, events: 3)
    var ids: [String] = []
    for _ in 0..<count { ids.append(try await deployAndWait(services).id) }
    let clock = ContinuousClock()
    let started = clock.now
    var found = 0
    for index in 0..<lookups {
        if let deployment = await services.deployments.deployment(ids[index % ids.count]), deployment.snapshot().status == .completed {
            found += 1
        }
    }
    let elapsed = seconds(clock.now - started)
    precondition(found == lookups, "lookups missed")
    return Double(lookups) / elapsed
}

/// Replays one deployment's history to `subscribers` sockets at once; returns (all done seconds, bytes each).
func replay(subscribers: Int, history: Int) async throws -> (Double, Int) {
    let directory = scratchDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let storage = try Storage.open(directory: directory + "/data", environment: [:])
    let (services, configuration) = try await services(storage, events: history) { configuration in
        configuration.server.port = 0
        configuration.events.closeAfterTerminalSeconds = 0
        configuration.server.connectionLimit = subscribers + 100
        configuration.server.perClientConnectionLimit = 0  // every subscriber connects from 127.0.0.1
        configuration.log.requests = false  // the replay is measured, not a log line per stream
    }
    let deployment = try await deployAndWait(services)
    let server = PandaHTTPApp(configuration: configuration, services: services).makeServer()
    try server.start()
    defer { Task { await server.shutdown() } }
    let port = server.port
    let request = Array("GET /api/v1/deploy/\(deployment.id)/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n".utf8)

    return try await Task.detached {
        var sockets: [Int32] = []
        let clock = ContinuousClock()
        let started = clock.now
        for _ in 0..<subscribers {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
            _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
            sockets.append(descriptor)
        }
        var open = Set(sockets)
        var bytes = [Int32: Int]()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !open.isEmpty {
            var polls = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&polls, nfds_t(polls.count), 30_000) > 0 else { break }
            for entry in polls where entry.revents != 0 {
                let count = read(entry.fd, &buffer, buffer.count)
                if count <= 0 {
                    open.remove(entry.fd)
                    close(entry.fd)
                } else {
                    bytes[entry.fd, default: 0] += count
                }
            }
        }
        let elapsed = seconds(clock.now - started)
        return (elapsed, bytes.values.min() ?? 0)
    }.value
}

let options = Options(CommandLine.arguments)
let disk = scratchDirectory()
defer { try? FileManager.default.removeItem(atPath: disk) }

let onDisk = try Storage.open(directory: disk + "/append", environment: [:])
let appendDisk = try await appendRate(onDisk, events: options.events)
let appendMemory = try await appendRate(.inMemory(), events: options.events)
print(String(format: "event append, %d events:          disk %9.0f/s   in memory %9.0f/s", options.events, appendDisk, appendMemory))

let lookupsDisk = try await lookupRate(try Storage.open(directory: disk + "/lookup", environment: [:]),
                                       deployments: options.deployments, lookups: options.lookups)
let lookupsMemory = try await lookupRate(.inMemory(), deployments: options.deployments, lookups: options.lookups)
print(String(format: "result lookups, %d results:        disk %9.0f/s   in memory %9.0f/s", options.deployments, lookupsDisk, lookupsMemory))

let (replaySeconds, bytesEach) = try await replay(subscribers: options.subscribers, history: options.history)
print(String(format: "SSE replay from the store: %d subscribers x %d events (%d bytes each): all done in %.2f s (%.0f events/s)",
             options.subscribers, options.history + 1, bytesEach, replaySeconds,
             Double(options.subscribers * (options.history + 1)) / replaySeconds))
print("RESULT append_disk=\(Int(appendDisk)) append_memory=\(Int(appendMemory)) lookups_disk=\(Int(lookupsDisk)) lookups_memory=\(Int(lookupsMemory)) replay_seconds=\(String(format: "%.3f", replaySeconds)) replay_bytes_each=\(bytesEach)")
