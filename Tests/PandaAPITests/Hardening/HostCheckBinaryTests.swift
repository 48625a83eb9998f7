import Foundation
import PandaTestSupport
import Testing
import Tools

/// DNS rebinding and public binds, through the real `panda` binary.
@Suite(.timeLimit(.minutes(3)))
struct HostCheckBinaryTests {
    static func expectMisdirected(_ reply: RawHTTPClient.Reply, _ host: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == 421, "Host \(host): \(reply.status) \(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.json["status"] as? Int == 421, sourceLocation: sourceLocation)
        #expect(reply.json["error"] as? String == "Misdirected Request", sourceLocation: sourceLocation)
        #expect((reply.json["message"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect((reply.json["timestamp"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/) != nil, sourceLocation: sourceLocation)
        #expect(reply.headers["content-type"] == "application/json; charset=utf-8", sourceLocation: sourceLocation)
    }

    @Test func foreignHostIs421AndTheDefaultNamesAreServed() async throws {
        try await PandaBinary.with { panda in
            let port = panda.port
            // What a rebinding page's requests carry: its own name, with or without the port.
            for host in ["evil.example", "evil.example:\(port)", "127.0.0.1.evil.example:\(port)", "127.0.0.1:1",
                         "localhost:\(port + 1)", "0.0.0.0:\(port)", "[::1]x", "127.0.0.1:\(port):\(port)", ""] {
                Self.expectMisdirected(try await panda.raw("GET /health HTTP/1.1\r\nHost: \(host)\r\n"), host)
            }
            // Every route, every method, before anything else happens: no body is read, nothing is validated.
            let connect = try await panda.raw(
                "POST /api/v1/connect/github HTTP/1.1\r\nHost: evil.example:\(port)\r\nContent-Type: application/json\r\nContent-Length: 2\r\n", body: "{}")
            Self.expectMisdirected(connect, "evil.example (POST)")
            let preflight = try await panda.raw(
                "OPTIONS /api/v1/deploy HTTP/1.1\r\nHost: evil.example:\(port)\r\nOrigin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\n")
            Self.expectMisdirected(preflight, "evil.example (OPTIONS)")
            Self.expectMisdirected(try await panda.raw("GET /health HTTP/1.0\r\n"), "none (HTTP/1.0)")

            for host in ["127.0.0.1:\(port)", "localhost:\(port)", "LocalHost:\(port)", "[::1]:\(port)", "127.0.0.1", "localhost."] {
                let reply = try await panda.raw("GET /health HTTP/1.1\r\nHost: \(host)\r\n")
                #expect(reply.status == 200, "Host \(host): \(reply.status) \(reply.text)")
            }
        }
    }

    @Test func anOperatorListsThePublicNameBehindAProxy() async throws {
        try await PandaBinary.with(settings: ["server.allowedHosts=panda.example.com,panda.example.com:8443"]) { panda in
            let port = panda.port
            for host in ["panda.example.com", "panda.example.com:\(port)", "PANDA.example.com:8443", "127.0.0.1:\(port)"] {
                let reply = try await panda.raw("GET /health HTTP/1.1\r\nHost: \(host)\r\n")
                #expect(reply.status == 200, "Host \(host): \(reply.status) \(reply.text)")
            }
            // The list replaces the defaults (the bound address stays); other ports of a listed name do not match.
            for host in ["localhost:\(port)", "panda.example.com:9999", "evil.example"] {
                Self.expectMisdirected(try await panda.raw("GET /health HTTP/1.1\r\nHost: \(host)\r\n"), host)
            }
        }
    }

    @Test func refusesToStartOnAReachableAddressWithoutKeys() async throws {
        for address in ["0.0.0.0", "::"] {
            let refused = try await PandaBinary.refusal(address: address)
            #expect(refused.status == Tools.ExitStatus.exited(78), "\(address): \(refused.status) \(refused.stderr)")
            #expect(refused.stderr.contains("auth.apiKeys"), "\(refused.stderr)")
            #expect(refused.stderr.contains("auth.allowAnonymous"), "\(refused.stderr)")
        }
        // With keys, or with the explicit opt-out, it starts (and still checks Host).
        try await PandaBinary.with(address: "0.0.0.0", environment: ["PANDA_AUTH_API_KEYS": "hardening-key-1"]) { panda in
            let reply = try await panda.raw("GET /health HTTP/1.1\r\nHost: 127.0.0.1:\(panda.port)\r\n")
            #expect(reply.status == 200)
            HostCheckBinaryTests.expectMisdirected(try await panda.raw("GET /health HTTP/1.1\r\nHost: 0.0.0.0:\(panda.port)\r\n"), "0.0.0.0")
        }
        try await PandaBinary.with(settings: ["auth.allowAnonymous=true"], address: "0.0.0.0") { panda in
            let reply = try await panda.raw("GET /health HTTP/1.1\r\nHost: localhost:\(panda.port)\r\n")
            #expect(reply.status == 200)
        }
        // Loopback addresses other than 127.0.0.1 are loopback too.
        try await PandaBinary.with(address: "127.0.0.2") { panda in
            let reply = try await offloaded { [port = panda.port] in
                let client = try RawHTTPClient(port: port, sourceAddress: nil, connectAddress: "127.0.0.2")
                try client.send("GET /health HTTP/1.1\r\nHost: 127.0.0.2:\(port)\r\n\r\n")
                return try client.readReply()
            }
            #expect(reply.status == 200, "\(reply.text)")
        }
    }

    @Test func anEmptyAPIKeyIsAStartUpError() async throws {
        let blank = try await PandaBinary.refusal(environment: ["PANDA_AUTH_API_KEYS": ""])
        #expect(blank.status == Tools.ExitStatus.exited(78), "\(blank.stderr)")
        #expect(blank.stderr.contains("PANDA_AUTH_API_KEYS"), "\(blank.stderr)")
        let emptyItem = try await PandaBinary.refusal(environment: ["PANDA_AUTH_API_KEYS": "key-one,,key-two"])
        #expect(emptyItem.status == Tools.ExitStatus.exited(78), "\(emptyItem.stderr)")
        let flag = try await PandaBinary.refusal(settings: ["auth.apiKeys= "])
        #expect(flag.status == Tools.ExitStatus.exited(78), "\(flag.stderr)")
        #expect(flag.stderr.contains("auth.apiKeys"), "\(flag.stderr)")

        let directory = try TestTemporaryDirectory(prefix: "panda-emptykey")
        defer { directory.remove() }
        let config = directory.appending("panda.json")
        try Data(#"{"auth":{"apiKeys":["good-key",""]}}"#.utf8).write(to: config)
        let inFile = try await PandaBinary.refusal(configFile: config.path)
        #expect(inFile.status == Tools.ExitStatus.exited(78), "\(inFile.stderr)")
        #expect(inFile.stderr.contains("auth.apiKeys") && inFile.stderr.contains("empty key"), "\(inFile.stderr)")
        // Nothing secret is echoed back.
        #expect(!inFile.stderr.contains("good-key"))
    }
}
