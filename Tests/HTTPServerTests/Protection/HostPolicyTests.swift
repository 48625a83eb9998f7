import Testing
@testable import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

@Suite struct HostPolicyTests {
    static let local = HostPolicy(allowedHosts: ["localhost", "127.0.0.1", "[::1]"])

    @Test(arguments: ["localhost", "localhost:8080", "LOCALHOST:8080", "localhost.:8080", "127.0.0.1:8080", "[::1]:8080", "[::1]", " 127.0.0.1:8080 "])
    func localNamesOnTheBoundPortAreAllowed(_ host: String) {
        #expect(Self.local.allows(host, boundPort: 8080))
    }

    @Test(arguments: [
        "evil.example", "evil.example:8080", "localhost:8081", "127.0.0.1:80", "localhost.evil.example:8080",
        "127.0.0.2:8080", "[::1]:8081", "[::2]:8080", "::1", "localhost:", "localhost:http", "localhost:8080:8080",
        "[::1", "[::1]8080", "", " ", "local host:8080", "localhost\u{0}:8080", "localhost:65536", "localhost:-1",
    ])
    func anythingElseIsRefused(_ host: String) {
        #expect(!Self.local.allows(host, boundPort: 8080))
    }

    @Test func missingHostIsRefusedUnlessAnyIsAllowed() {
        #expect(!Self.local.allows(nil, boundPort: 8080))
        #expect(HostPolicy.any.allows(nil, boundPort: 8080))
        #expect(HostPolicy.any.allows("evil.example", boundPort: 8080))
    }

    @Test func anExplicitPortMatchesOnlyThatPort() {
        let policy = HostPolicy(allowedHosts: ["panda.example.com:8443", "api.example.com"])
        #expect(policy.allows("panda.example.com:8443", boundPort: 8080))
        #expect(!policy.allows("panda.example.com", boundPort: 8080))
        #expect(!policy.allows("panda.example.com:8080", boundPort: 8080))
        #expect(policy.allows("api.example.com", boundPort: 8080))
        #expect(policy.allows("api.example.com:8080", boundPort: 8080))
        #expect(!policy.allows("api.example.com:443", boundPort: 8080))
    }
}

@Suite struct LoopWakerTests {
    /// Work that outlives the shutdown grace period still wakes the loop; once the pipe is
    /// closed that must write nowhere, even when its descriptor number belongs to another file.
    @Test func aWakeAfterCloseWritesNothing() throws {
        let waker = LoopWaker()
        let staleDescriptor = waker.writeDescriptor
        waker.close()
        // Reuse the closed number for a pipe of ours, as the process may do at any time.
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        try #require(dup2(ends[1], staleDescriptor) == staleDescriptor)
        defer {
            close(ends[0])
            close(ends[1])
            close(staleDescriptor)
        }
        _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)

        waker.wake()
        waker.wake()
        var byte: UInt8 = 0
        #expect(read(ends[0], &byte, 1) == -1 && errno == EAGAIN, "the waker wrote into a descriptor it had closed")

        // The same pipe does see a write through the reused number: the check above could fail.
        var one: UInt8 = 1
        #expect(write(staleDescriptor, &one, 1) == 1)
        #expect(read(ends[0], &byte, 1) == 1)
    }
}
