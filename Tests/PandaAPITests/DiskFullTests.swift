import Foundation
import Testing
import Panda
import PandaTestSupport
@testable import PandaAPI

/// A storage directory on a small tmpfs that fills up: writes answer 503, reads go on,
/// nothing stored is lost, and writes work again once there is room.
@Suite(.enabled(if: SmallFileSystem.canMount, "needs root and tmpfs mounts"))
struct DiskFullTests {
    @Test func aFullDiskAnswers503OnWritesAndLosesNothing() async throws {
        let small = try SmallFileSystem(bytes: 1 << 20)
        defer { small.unmount() }
        let storage = try Storage.open(directory: small.path + "/data", environment: [:])
        let engine = await EngineServices(configuration: PandaConfiguration(), storage: storage) { [ProcessStage(1, "true", [])] }
        try await withPandaServer(services: { _ in engine.services }) { (client: APITestClient) async throws in
            let first = try await client.postJSON("/api/v1/deploy", engine.deployBody)
            #expect(first.status == 200, "\(first.text)")
            let id = try #require((first.json["data"] as? [String: Any])?["deploymentId"] as? String)
            let deployment = try #require(await engine.services.deployments.deployment(id))
            while !deployment.status.isTerminal { try await Task.sleep(for: .milliseconds(50)) }

            small.fill()
            var refused: APITestClient.Reply?
            for _ in 0..<500 {
                let reply = try await client.postJSON("/api/v1/deploy", engine.deployBody)
                if reply.status != 200 { refused = reply; break }
            }
            let reply = try #require(refused, "the store never refused a write on a full disk")
            expectErrorBody(reply, status: 503, error: "Service Unavailable", message: "Storage unavailable: the disk is full")
            #expect(reply.headers["retry-after"] == "30")
            // A load balancer stops sending traffic: the store cannot write.
            let unready = try await client.send("GET", "/ready")
            expectErrorBody(unready, status: 503, error: "Service Unavailable",
                            message: "Not ready: storage: Storage unavailable: the disk is full")
            #expect(try await client.send("GET", "/health").status == 200, "liveness does not follow the store")
            // Reads go on, and what was stored is still there.
            #expect(try await client.send("GET", "/api/v1/deploy/\(id)/result").status == 200)
            #expect(try storage.store.deployments().contains { $0.id == id && $0.status == .completed })

            small.drain()
            // No traffic reaches an unready instance: the probe itself finds the room again.
            let readyAgain = try await client.send("GET", "/ready")
            #expect(readyAgain.status == 200, "\(readyAgain.text)")
            #expect(try await client.postJSON("/api/v1/deploy", engine.deployBody).status == 200)
        }
    }
}

/// A tmpfs of a given size, mounted on a fresh directory, with a filler file to use it up.
struct SmallFileSystem {
    let path: String

    static let canMount: Bool = {
        guard getuid() == 0, let probe = try? SmallFileSystem(bytes: 64 * 1024) else { return false }
        probe.unmount()
        return true
    }()

    init(bytes: Int) throws {
        var template = Array((NSTemporaryDirectory() + "panda-small-fs-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else { throw TestFixtureError("mkdtemp failed") }
        path = String(cString: created)
        guard mount("tmpfs", path, "tmpfs", 0, "size=\(bytes),mode=0700") == 0 else {
            rmdir(path)
            throw TestFixtureError("mount tmpfs: errno \(errno)")
        }
    }

    /// Writes a filler file until the file system is full.
    func fill() {
        let descriptor = open(path + "/filler", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        defer { close(descriptor) }
        let block = [UInt8](repeating: 0, count: 4096)
        while block.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
    }

    func drain() { unlink(path + "/filler") }

    func unmount() {
        umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }
}
