import HTTPServer

extension PandaHTTPApp {
    func addDocsRoutes(to router: inout Router) {
        let document = OpenAPIDocument.json(serverURL: nil)
        // Read once here, at start-up: requests are answered from memory.
        let swaggerUI = SwaggerUI(assetDirectory: configuration.docs.swaggerUIDirectory)
        let page = Array(swaggerUI.page(specURL: "/api-docs").utf8)

        router.get("/api-docs") { _ in .now(.json(200, document)) }
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
        router.get("/health") { _ in
            .now(Envelope.response(200, "ok", ["status": "UP"]))
        }
    }
}
