import Foundation
import HTTPServer

/// The browser dashboard: plain HTML, CSS and JavaScript modules shipped as resources of this
/// module (`Dashboard/Site`), read once at start and served from memory. No build step, and
/// nothing is loaded from another host (the Content-Security-Policy says so to the browser).
struct Dashboard: Sendable {
    struct File: Sendable {
        let body: [UInt8]
        let contentType: String
    }

    /// URL path under which `file(named:)` is served; the page loads its CSS and modules from here.
    static let pathPrefix = "/dashboard/"
    static let pageName = "index.html"

    static let contentTypes = [
        "html": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
    ]

    /// Only the files read at start can be served: a request can name nothing else on disk.
    private let files: [String: File]

    /// - Parameter apiKeyRequired: told to the page, so it asks for the key before its first call.
    init(directory: URL = Dashboard.bundledDirectory, apiKeyRequired: Bool) {
        var files: [String: File] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names {
            guard let contentType = Self.contentTypes[(name as NSString).pathExtension],
                  let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path)
            else { continue }
            var body = [UInt8](data)
            if name == Self.pageName {
                let mode = apiKeyRequired ? "required" : "optional"
                body = Array(String(decoding: data, as: UTF8.self)
                    .replacingOccurrences(of: #"content="api-key-mode""#, with: #"content="\#(mode)""#).utf8)
            }
            files[name] = File(body: body, contentType: contentType)
        }
        self.files = files
    }

    static var bundledDirectory: URL {
        Bundle.module.resourceURL?.appendingPathComponent("Site") ?? URL(fileURLWithPath: "Site")
    }

    func file(named name: String) -> File? { files[name] }

    var page: File? { files[Self.pageName] }

    /// A file as an HTTP answer, with headers that keep the page to its own origin.
    static func response(_ file: File) -> Response {
        var response = Response(status: 200, contentType: file.contentType, body: file.body)
        response.headers["Content-Security-Policy"] =
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        response.headers["X-Content-Type-Options"] = "nosniff"
        // The event stream's URL may carry `access_token`: never send it on as a referrer.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-cache"
        return response
    }
}
