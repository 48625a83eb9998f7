import Foundation
import Testing
import Panda
@testable import PandaAPI
import PandaTestSupport

/// `api/openapi.json` is the only description of the API: these tests hold it against the code
/// (routes, error codes, stage messages, request limits) and check its own consistency.
@Suite struct OpenAPIDocumentTests {
    static let bytes = (try? [UInt8](OpenAPIDocumentFile.bytes())) ?? []

    static func parsed() throws -> [String: Any] {
        try OpenAPIDocumentFile.parsed()
    }

    static func operations() throws -> [(path: String, method: String, operation: [String: Any])] {
        let paths = try #require(parsed()["paths"] as? [String: Any])
        return try paths.flatMap { path, item in
            let methods = try #require(item as? [String: Any])
            return try methods.map { method, operation in
                (path: path, method: method, operation: try #require(operation as? [String: Any]))
            }
        }
    }

    /// The response object for `status`, following a `$ref` into `components/responses`.
    static func response(_ status: String, of operation: [String: Any]) throws -> [String: Any]? {
        guard let responses = operation["responses"] as? [String: Any],
              let response = responses[status] as? [String: Any] else { return nil }
        if let ref = response["$ref"] as? String {
            let name = try #require(ref.split(separator: "/").last.map(String.init))
            let components = try #require(parsed()["components"] as? [String: Any])
            return (components["responses"] as? [String: Any])?[name] as? [String: Any]
        }
        return response
    }

    /// Whether a schema is, or is built on (`allOf`), the error body.
    static func isErrorSchema(_ schema: Any?) -> Bool {
        guard let schema = schema as? [String: Any] else { return false }
        if schema["$ref"] as? String == "#/components/schemas/ErrorBody" { return true }
        return (schema["allOf"] as? [Any])?.contains(where: isErrorSchema) ?? false
    }

    static func jsonSchema(of response: [String: Any]?) -> Any? {
        ((response?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
    }

    @Test func parsesAsOpenAPI303WithoutServers() throws {
        let document = try Self.parsed()
        #expect(document["openapi"] as? String == "3.0.3")
        // No `servers`: clients resolve paths against the origin they fetched the document from.
        #expect(document["servers"] == nil)
    }

    @Test func operationsEqualTheRouterRoutes() async throws {
        let configuration = PandaConfiguration()
        // With a metrics exposition, as the executable builds it, so `/metrics` is routed too.
        let app = PandaHTTPApp(configuration: configuration, services: .live(configuration: configuration), metrics: { [] })
        let routed = app.router().routes.map { "\($0.method) \($0.template)" }
        #expect(Set(routed).count == routed.count, "a route is registered twice")
        let documented = try Self.operations().map { "\($0.method.uppercased()) \($0.path)" }
        #expect(Set(documented) == Set(routed))
        #expect(Set(documented).subtracting(routed).isEmpty, "documented but not routed")
        #expect(Set(routed).subtracting(documented).isEmpty, "routed but not documented")
    }

    @Test func errorCodeEnumsEqualTheCoresErrorCodes() throws {
        let expected = ErrorCode.allCases.map(\.rawValue)
        let enums = try OpenAPIDocumentFile.enums(ofProperty: "errorCode")
        #expect(!enums.isEmpty)
        for values in enums {
            #expect(values.compactMap { $0 as? String } == expected)
            #expect(values.allSatisfy { $0 is String || $0 is NSNull })
        }
        let components = try #require(Self.parsed()["components"] as? [String: Any])
        let errorCode = try #require((components["schemas"] as? [String: Any])?["ErrorCode"] as? [String: Any])
        #expect(errorCode["enum"] as? [String] == expected)
    }

    static let specStageMessages = SpecStageMessages.all

    @Test func stageMessageEnumEqualsTheSpec() throws {
        let components = try #require(Self.parsed()["components"] as? [String: Any])
        let stageMessage = try #require((components["schemas"] as? [String: Any])?["StageMessage"] as? [String: Any])
        #expect(stageMessage["enum"] as? [String] == Self.specStageMessages)
        #expect(stageMessage["enum"] as? [String] == StageMessage.specified.map(\.text))
    }

    @Test func requestMaxLengthsEqualTheLimitsTheServerEnforces() throws {
        let components = try #require(Self.parsed()["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        var checked = 0
        for (path, method, operation) in try Self.operations() {
            guard let body = operation["requestBody"] as? [String: Any] else { continue }
            let content = try #require((body["content"] as? [String: Any])?["application/json"] as? [String: Any])
            var schema = try #require(content["schema"] as? [String: Any], "\(method) \(path)")
            if let ref = schema["$ref"] as? String {
                schema = try #require(schemas[String(ref.split(separator: "/").last ?? "")] as? [String: Any])
            }
            let properties = try #require(schema["properties"] as? [String: [String: Any]], "\(method) \(path)")
            for (name, property) in properties {
                #expect(property["maxLength"] as? Int == RequestLimits.maxLength(of: name), "\(method) \(path) \(name)")
                checked += 1
            }
        }
        #expect(checked >= 12)
    }

    @Test func queryParameterMaxLengthsEqualTheLimitTheServerEnforces() throws {
        var checked = 0
        for (path, method, operation) in try Self.operations() {
            // `access_token` is the API key (APIKeyGuard compares it whole); the others go through QueryParameters.
            for parameter in operation["parameters"] as? [[String: Any]] ?? []
            where parameter["in"] as? String == "query" && parameter["name"] as? String != "access_token" {
                let schema = try #require(parameter["schema"] as? [String: Any])
                guard schema["type"] as? String == "string", schema["enum"] == nil else { continue }
                #expect(schema["maxLength"] as? Int == RequestLimits.queryValue, "\(method) \(path) \(parameter["name"] ?? "")")
                checked += 1
            }
        }
        #expect(checked >= 1)
    }

    @Test func everyAPIOperationDocumentsItsErrorsWithTheErrorBody() throws {
        let api = try Self.operations().filter { $0.path.hasPrefix("/api/v1/") }
        #expect(!api.isEmpty)
        for (path, method, operation) in api {
            var statuses = ["400", "401", "500", "501"]
            if method == "post" { statuses += ["413", "415"] }
            if path.contains("{") { statuses.append("404") }
            for status in statuses {
                let response = try Self.response(status, of: operation)
                #expect(Self.isErrorSchema(Self.jsonSchema(of: response)), "\(method) \(path) \(status)")
            }
            let security = try #require(operation["security"] as? [[String: Any]], "\(method) \(path)")
            #expect(security.contains { $0.isEmpty } && security.contains { $0["bearerAuth"] != nil })
        }
    }

    @Test func lookupPathParametersAcceptAnyString() throws {
        for (path, method, operation) in try Self.operations() where path.contains("{") {
            let parameters = try #require(operation["parameters"] as? [[String: Any]])
            let pathParameters = parameters.filter { $0["in"] as? String == "path" }
            #expect(pathParameters.count == path.count { $0 == "{" }, "\(method) \(path)")
            for parameter in pathParameters {
                let schema = try #require(parameter["schema"] as? [String: Any])
                #expect(schema["pattern"] == nil, "\(method) \(path)")
                #expect(schema["type"] as? String == "string")
            }
        }
    }

    @Test func errorBodySchemaMatchesTheContract() throws {
        let components = try #require(Self.parsed()["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        let errorBody = try #require(schemas["ErrorBody"] as? [String: Any])
        #expect(Set(errorBody["required"] as? [String] ?? []) == ["timestamp", "status", "error", "message"])
        let properties = try #require(errorBody["properties"] as? [String: Any])
        for field in ["deploymentId", "stage", "errorCode", "durationSeconds", "timeoutSeconds", "exceptionClass"] {
            #expect(properties[field] != nil, "\(field)")
        }
        let timestamp = try #require(schemas["Timestamp"] as? [String: Any])
        #expect(timestamp["pattern"] as? String == #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"#)
    }

    @Test func queueFullAnswerDocumentsRetryAfter() throws {
        let operations = try Self.operations()
        let deploy = try #require(operations.first { $0.path == "/api/v1/deploy" }?.operation)
        let response = try Self.response("400", of: deploy)
        let badRequest = try #require(response)
        #expect((badRequest["headers"] as? [String: Any])?["Retry-After"] != nil)
    }

    @Test(arguments: [
        "GitHub 연결에 성공했습니다.",
        "AWS 연결에 성공했습니다.",
        "배포가 시작되었습니다.",
        "배포 결과 조회 성공",
        "[Stage 1] Dockerfile 탐색 및 Docker Build - Repository 클론 중...",
        "[Stage 5] Green 서비스 HealthCheck 진행 중 - Check {i}/5",
        "[Stage 6] 배포 완료",
        "GitHub connection failed: Repository not found: octocat/hello-world",
        "Deployment started. Listen to /api/v1/deploy/dep_a1b2c3d4e5/events",
    ])
    func messagesArePresentByteForByte(_ message: String) {
        let needle = Array(message.utf8)
        let haystack = Self.bytes
        let found = haystack.count >= needle.count && (0...(haystack.count - needle.count)).contains {
            haystack[$0..<($0 + needle.count)].elementsEqual(needle)
        }
        #expect(found)
    }

}

extension OpenAPIDocumentTests {
    @Suite struct SwaggerUITests {
        /// A temporary asset directory holding the required files plus a secret one level up.
        static func installed() throws -> (ui: SwaggerUI, root: URL) {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("swagger-\(UUID().uuidString)")
            let assets = root.appendingPathComponent("vendor/swagger-ui")
            try FileManager.default.createDirectory(at: assets, withIntermediateDirectories: true)
            for name in SwaggerUI.requiredAssets {
                try Data("/* \(name) */".utf8).write(to: assets.appendingPathComponent(name))
            }
            try Data("secret".utf8).write(to: root.appendingPathComponent("vendor/secret.txt"))
            try Data("not served".utf8).write(to: assets.appendingPathComponent("index.html"))
            return (SwaggerUI(assetDirectory: assets.path), root)
        }

        @Test func servesAllowlistedAssetsWithTheirContentTypes() throws {
            let (ui, root) = try Self.installed()
            defer { try? FileManager.default.removeItem(at: root) }
            #expect(ui.isInstalled)
            let css = try #require(ui.asset(named: "swagger-ui.css"))
            #expect(css.body == Array("/* swagger-ui.css */".utf8))
            #expect(css.contentType.hasPrefix("text/css"))
            #expect(ui.asset(named: "swagger-ui-bundle.js")?.contentType.hasPrefix("text/javascript") == true)
            // Allowlisted but not installed here.
            #expect(ui.asset(named: "favicon-32x32.png") == nil)
        }

        @Test(arguments: [
            "../secret.txt", "..", "../swagger-ui/swagger-ui.css", "./swagger-ui.css", "/etc/passwd",
            "%2e%2e%2fsecret.txt", "sub/swagger-ui.css", "index.html", "swagger-ui.css\0", "", "SWAGGER-UI.CSS",
        ])
        func rejectsTraversalAndUnknownNames(_ name: String) throws {
            let (ui, root) = try Self.installed()
            defer { try? FileManager.default.removeItem(at: root) }
            #expect(ui.asset(named: name) == nil)
        }

        @Test func notInstalledWhenTheDirectoryIsMissing() {
            let ui = SwaggerUI(assetDirectory: "/nonexistent/swagger-ui-\(UUID().uuidString)")
            #expect(!ui.isInstalled)
            #expect(ui.asset(named: "swagger-ui.css") == nil)
        }

        @Test func pageReferencesOnlyLocalURLs() throws {
            let page = SwaggerUI(assetDirectory: SwaggerUI.defaultAssetDirectory).page(specURL: "/api-docs")
            #expect(!page.contains("://"))
            #expect(!page.contains("//cdn") && !page.contains("unpkg") && !page.contains("jsdelivr"))
            let references = try Regex(#"(?:src|href)="([^"]*)""#)
            let urls = page.matches(of: references).map { String($0.output[1].substring ?? "") }
            #expect(Set(urls).isSuperset(of: [
                "/swagger-ui/swagger-ui.css", "/swagger-ui/swagger-ui-bundle.js",
                "/swagger-ui/swagger-ui-standalone-preset.js", "/api-docs",
            ]))
            for url in urls {
                #expect(url.hasPrefix("/") && !url.hasPrefix("//"), "\(url)")
            }
            #expect(page.contains(#"url: "/api-docs""#))
            #expect(page.contains("validatorUrl: null"))
        }

        @Test func pageEscapesTheSpecURL() {
            let page = SwaggerUI(assetDirectory: "x").page(specURL: #"/a"</script><script>alert(1)//"#)
            #expect(!page.contains("</script><script>alert"))
            #expect(page.contains(#"url: "/a\"\u003c/script\u003e\u003cscript\u003ealert(1)//""#))
        }
    }
}
