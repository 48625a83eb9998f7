import HTTPServer
import Panda

extension PandaHTTPApp {
    func addConnectionRoutes(to router: inout Router) {
        router.post("/api/v1/connect/github", endpoint.handler { request in
            _ = try GitHubConnectRequest(JSONRequestBody(request))
            throw NotImplemented("GitHub connection validation")
        })
        router.post("/api/v1/connect/aws", endpoint.handler { request in
            _ = try AWSConnectRequest(JSONRequestBody(request))
            throw NotImplemented("AWS connection validation")
        })
        router.get("/api/v1/connections", endpoint.handler { _ in
            throw NotImplemented("Listing connections")
        })
        router.delete("/api/v1/connections/{connectionId}", endpoint.handler { _ in
            throw NotImplemented("Deleting connections")
        })
    }
}
