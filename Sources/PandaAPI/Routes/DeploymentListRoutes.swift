import HTTPServer
import Panda

extension PandaHTTPApp {
    func addDeploymentListRoutes(to router: inout Router) {
        let deployments = services.deployments
        router.get("/api/v1/deployments", endpoint.handler { request in
            let query = try DeploymentListQuery(QueryParameters(request))
            let page = await deployments.list(query)
            return Envelope.response(200, SuccessMessage.deploymentList, DeploymentListBody(page))
        })
    }
}
