import HTTPServer

extension PandaHTTPApp {
    func addDocsRoutes(to router: inout Router) {
        let document = OpenAPIFile(path: configuration.docs.openAPIFile)
        if document.bytes == nil {
            endpoint.logger.warning("OpenAPI document not found at \(document.path): /api-docs answers 404 (set docs.openAPIFile)")
        }
        // Prepared once here, at start-up: requests are answered from memory.
        let prepared = document.bytes.map { PreparedResponse(.json(200, $0)) }
        let health = PreparedResponse(Envelope.response(200, SuccessMessage.health, HealthStatus.up))
        let swaggerUI = SwaggerUI(assetDirectory: configuration.docs.swaggerUIDirectory)
        let page = Array(swaggerUI.page(specURL: "/api-docs").utf8)

        router.get("/api-docs") { [responder = ErrorResponses.responder] _ in
            guard let prepared else {
                return .now(responder(404, "OpenAPI document not found at \(document.path) (setting docs.openAPIFile)"))
            }
            return .prepared(prepared)
        }
        router.get("/swagger-ui.html") { _ in
            .now(Response(status: 200, contentType: "text/html; charset=utf-8", body: page))
        }
        router.get("/swagger-ui/{asset}") { [responder = ErrorResponses.responder] request in
            guard let asset = swaggerUI.asset(named: request.pathParameter("asset")) else {
                return .now(responder(404, "No such Swagger UI asset (install it with `make vendor`)"))
            }
            var response = Response(status: 200, contentType: asset.contentType, body: asset.body)
            response.headers["Cache-Control"] = "public, max-age=86400"
            return .now(response)
        }
        router.get("/health") { _ in .prepared(health) }
    }
}
