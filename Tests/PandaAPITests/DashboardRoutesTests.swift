import Foundation
import Testing
import Panda
@testable import PandaAPI

/// The dashboard's files as served: what the page references is on this server, and only that.
/// (What the page does is tested in a real browser: Tests/Browser, run by scripts/run-tests.sh.)
@Suite struct DashboardRoutesTests {
    @Test func thePageAndEveryFileItReferencesAreServedFromThisOrigin() async throws {
        try await withPandaServer { (client: APITestClient) async throws in
            let page = try await client.send("GET", "/")
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            let policy = page.headers["content-security-policy"] ?? ""
            #expect(policy.hasPrefix("default-src 'self'"), "\(policy)")
            #expect(page.headers["referrer-policy"] == "no-referrer")
            #expect(page.text.contains(#"<meta name="panda-api-key" content="optional">"#))

            // A shared link to a deployment is the same page; it reads `?deployment=` itself.
            let shared = try await client.send("GET", "/?deployment=dep_abcdefghij")
            #expect(shared.status == 200 && shared.body == page.body)

            // Every file the page and its modules name, followed transitively.
            var pending = Self.references(in: page.text, relativeTo: "/")
            var served: Set<String> = []
            while let path = pending.popLast() {
                guard served.insert(path).inserted else { continue }
                #expect(path.hasPrefix("/dashboard/") || ["/", "/swagger-ui.html"].contains(path), "\(path) is outside the dashboard")
                guard path.hasPrefix("/dashboard/") else { continue }
                let file = try await client.send("GET", path)
                #expect(file.status == 200, "\(path)")
                let expectedType = path.hasSuffix(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8"
                #expect(file.headers["content-type"] == expectedType, "\(path)")
                #expect(file.headers["x-content-type-options"] == "nosniff")
                pending += Self.references(in: file.text, relativeTo: path)
                // Nothing from another host: the only absolute URL is the SVG namespace name.
                let absolute = file.text.matches(of: /https?:\/\/[^\s'"`)]+/).map { String($0.output) }
                #expect(absolute.allSatisfy { $0 == "http://www.w3.org/2000/svg" }, "\(path): \(absolute)")
            }
            #expect(served.contains("/dashboard/app.js") && served.contains("/dashboard/dashboard.css")
                    && served.contains("/dashboard/stream.js"), "\(served)")
        }
    }

    @Test func nothingElseIsServedUnderTheDashboardPath() async throws {
        try await withPandaServer { (client: APITestClient) async throws in
            for path in ["/dashboard/missing.js", "/dashboard/..%2FDashboard.swift", "/dashboard/%2E%2E%2Fdashboard.css",
                         "/dashboard/", "/dashboard/app.js/x"] {
                expectErrorBody(try await client.send("GET", path), status: 404, error: "Not Found")
            }
            let post = try await client.send("POST", "/")
            #expect(post.status == 405)
        }
    }

    @Test func withAPIKeysThePageLoadsWithoutOneAndAsksForIt() async throws {
        try await withPandaServer(configure: { $0.auth.apiKeys = ["dash-key"] }) { (client: APITestClient) async throws in
            let page = try await client.send("GET", "/")
            #expect(page.status == 200)
            #expect(page.text.contains(#"<meta name="panda-api-key" content="required">"#))
            #expect(try await client.send("GET", "/dashboard/app.js").status == 200)
            #expect(try await client.send("GET", "/api/v1/deployments").status == 401)
        }
    }

    /// `src`/`href` attributes and ES module imports, resolved against `base`.
    static func references(in text: String, relativeTo base: String) -> [String] {
        let attributes = text.matches(of: /(?:src|href)="([^"#]+)"/).map { String($0.output.1) }
        let imports = text.matches(of: /(?:import|from)\s+'([^']+)'/).map { String($0.output.1) }
        let directory = base.hasSuffix("/") ? base : String(base[...base.lastIndex(of: "/")!])
        return (attributes + imports).filter { !$0.hasPrefix("data:") }.map { reference in
            if reference.hasPrefix("/") || reference.contains("://") { return reference }
            return directory + reference.replacingOccurrences(of: "./", with: "")
        }
    }
}
