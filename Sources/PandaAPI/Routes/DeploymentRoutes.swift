import HTTPServer
import Panda

extension PandaHTTPApp {
    func addDeploymentRoutes(to router: inout Router) {
        router.post("/api/v1/deploy", endpoint.handler { request in
            _ = try DeployRequest(JSONRequestBody(request))
            throw NotImplemented("Deployments")
        })
        router.get("/api/v1/deploy/{deploymentId}/events", endpoint.handler(allowQueryToken: true) { _ in
            throw NotImplemented("Deployment events")
        })
        router.get("/api/v1/deploy/{deploymentId}/result", endpoint.handler { _ in
            throw NotImplemented("Deployment results")
        })
        router.post("/api/v1/deploy/{deploymentId}/cancel", endpoint.handler { _ in
            throw NotImplemented("Deployment cancel")
        })
    }
}
