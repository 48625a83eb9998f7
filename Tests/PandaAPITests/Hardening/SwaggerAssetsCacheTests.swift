import Foundation
import PandaTestSupport
import Testing
@testable import PandaAPI

@Suite struct SwaggerAssetsCacheTests {
    /// The assets are read at start-up: once the server runs, the disk is never read for
    /// them again (here the directory is gone and they are still served, unchanged).
    @Test func assetsAreServedFromMemoryReadAtStart() async throws {
        let directory = try TestTemporaryDirectory(prefix: "panda-swagger-cache")
        defer { directory.remove() }
        for name in SwaggerUI.requiredAssets {
            try Data("/* \(name) at start */".utf8).write(to: directory.appending(name))
        }
        try await withPandaServer(configure: { $0.docs.swaggerUIDirectory = directory.path }) { client in
            directory.remove()
            let css = try await client.send("GET", "/swagger-ui/swagger-ui.css")
            #expect(css.status == 200)
            #expect(css.text == "/* swagger-ui.css at start */")
            #expect(css.headers["content-type"]?.hasPrefix("text/css") == true)
            #expect(try await client.send("GET", "/swagger-ui/favicon-16x16.png").status == 404)
            #expect(try await client.send("GET", "/swagger-ui.html").status == 200)
        }
    }
}
