import Foundation
import PandaTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A slow-loris attack on the real `panda` binary: one client address opens many
/// connections and dribbles their headers a byte at a time, which keeps libmicrohttpd's
/// idle timeout from ever firing. The per-client limit keeps it from taking every slot of
/// the (here small) connection pool, so another client is served meanwhile; the header
/// timeout then cuts the attacker's connections even though they never go idle.
@Suite(.timeLimit(.minutes(2)))
struct SlowLorisBinaryTests {
    static let perClientLimit = 6
    static let attackers = 20

    @Test func anotherClientIsServedDuringASlowLorisAttack() async throws {
        try await PandaBinary.with(settings: [
            "server.connectionLimit=16", "server.perClientConnectionLimit=\(Self.perClientLimit)",
            "server.headerTimeoutSeconds=2", "server.idleTimeoutSeconds=60",
        ]) { panda in
            let port = panda.port
            let outcome = try await offloaded { try Self.attack(port: port) }
            #expect(outcome.openDuringAttack == Self.perClientLimit, "attacker connections held: \(outcome.openDuringAttack)")
            #expect(outcome.otherClientStatus == 200)
            #expect(outcome.sameAddressRefused, "a further connection from the attacker's address was served")
            #expect(outcome.allCut, "attacker connections still open after \(outcome.cutAfter)")
            #expect(outcome.afterwardsStatus == 200)
        }
    }

    struct Outcome: Sendable {
        var openDuringAttack = 0
        var otherClientStatus = 0
        var sameAddressRefused = false
        var allCut = false
        var cutAfter = Duration.zero
        var afterwardsStatus = 0
    }

    static func attack(port: UInt16) throws -> Outcome {
        var outcome = Outcome()
        let started = ContinuousClock.now
        var open: [RawHTTPClient] = []
        for _ in 0..<attackers {
            let client = try RawHTTPClient(port: port, receiveTimeout: .milliseconds(200))
            try? client.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            open.append(client)
        }
        func dribble() {
            for client in open { try? client.send("a") }
            open.removeAll { isClosedByPeer($0.descriptor) }
        }
        // Let the server accept them all and drop those over the per-client limit.
        for _ in 0..<4 {
            Thread.sleep(forTimeInterval: 0.1)
            dribble()
        }
        outcome.openDuringAttack = open.count

        // Another address is served while the attacker holds its connections...
        let other = try RawHTTPClient(port: port, sourceAddress: "127.0.0.2")
        outcome.otherClientStatus = try other.request("GET", "/health").status
        // ...and the attacker's address gets no more.
        let more = try RawHTTPClient(port: port, receiveTimeout: .seconds(2))
        outcome.sameAddressRefused = (try? more.request("GET", "/health")) == nil

        // Dribbling keeps the connections busy, yet the header timeout cuts them.
        while !open.isEmpty, ContinuousClock.now - started < .seconds(15) {
            Thread.sleep(forTimeInterval: 0.25)
            dribble()
        }
        outcome.allCut = open.isEmpty
        outcome.cutAfter = ContinuousClock.now - started
        outcome.afterwardsStatus = try RawHTTPClient(port: port).request("GET", "/health").status
        return outcome
    }

    /// Whether the server has closed this connection (end of stream or reset), without blocking.
    static func isClosedByPeer(_ descriptor: Int32) -> Bool {
        var byte: UInt8 = 0
        let count = recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
        if count == 0 { return true }
        if count < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        return false
    }
}
