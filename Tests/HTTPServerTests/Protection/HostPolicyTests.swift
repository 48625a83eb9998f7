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
    /// closed that must write nowhere, since its descriptor number may belong to another file
    /// by then. (Checked by the waker's own account: reusing the number here would race with
    /// every other test's sockets in this process.)
    @Test func aWakeAfterCloseWritesNothing() {
        let waker = LoopWaker()
        #expect(waker.wake(), "an open waker writes its byte")
        waker.drain()
        waker.close()
        #expect(!waker.wake(), "the waker wrote into a descriptor it had closed")
    }
}
