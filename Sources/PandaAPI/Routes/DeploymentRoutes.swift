import HTTPServer
import Panda

extension PandaHTTPApp {
    func addDeploymentRoutes(to router: inout Router) {
        let deployments = services.deployments
        let events = configuration.events
        let openStreams = self.openStreams

        router.post("/api/v1/deploy", endpoint.handler { request in
            let body = try DeployRequest(JSONRequestBody(request))
            let deployment = try await deployments.start(
                githubConnectionID: body.githubConnectionId, awsConnectionID: body.awsConnectionId,
                owner: body.owner, repo: body.repo, branch: body.branch)
            return Envelope.response(200, "배포가 시작되었습니다.", DeploymentStarted(id: deployment.id))
        })

        router.get("/api/v1/deploy/{deploymentId}/events", endpoint.handler(allowQueryToken: true) { request in
            let id = request.pathParameter("deploymentId")
            guard let deployment = await deployments.deployment(id) else {
                throw DeploymentError("Deployment not found: \(id)")
            }
            let lastEventID = request.headers["Last-Event-ID"]
            if let lastEventID, deployment.log.hasDelivered(allUpTo: lastEventID) {
                return .noContent()  // the client has everything; 204 stops a browser reconnecting
            }
            return .eventStream(DeploymentEventStream.open(deployment, resumingAfter: lastEventID, settings: events, openStreams: openStreams))
        })

        router.get("/api/v1/deploy/{deploymentId}/result", endpoint.handler { request in
            let id = request.pathParameter("deploymentId")
            guard let deployment = await deployments.deployment(id) else {
                throw DeploymentError("Deployment result not found: \(id)")
            }
            let snapshot = deployment.snapshot()
            return Envelope.response(snapshot.status.isTerminal ? 200 : 202, "배포 결과 조회 성공", DeploymentResultBody(snapshot))
        })

        router.post("/api/v1/deploy/{deploymentId}/cancel", endpoint.handler { request in
            let deployment = try await deployments.cancel(request.pathParameter("deploymentId"))
            return Envelope.response(200, "Deployment cancelled", DeploymentResultBody(deployment.snapshot()))
        })
    }
}
