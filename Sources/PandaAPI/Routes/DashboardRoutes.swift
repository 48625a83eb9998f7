import HTTPServer

extension PandaHTTPApp {
    /// `GET /` (also `/?deployment={id}`: the page reads the query itself) and its files.
    /// Open without an API key: the files hold no data, and the page asks for the key.
    func addDashboardRoutes(to router: inout Router) {
        let dashboard = Dashboard(apiKeyRequired: !configuration.auth.apiKeys.isEmpty)
        let responder = ErrorResponses.responder
        router.get("/") { _ in
            guard let page = dashboard.page else { return .now(responder(404, "The dashboard's files are missing from this build")) }
            return .now(Dashboard.response(page))
        }
        router.get(Dashboard.pathPrefix + "{file}") { request in
            guard let file = dashboard.file(named: request.pathParameter("file")) else {
                return .now(responder(404, "No such dashboard file"))
            }
            return .now(Dashboard.response(file))
        }
    }
}
