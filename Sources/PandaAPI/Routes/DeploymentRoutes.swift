import HTTPServer
import Panda

extension PandaHTTPApp {
    func addDeploymentRoutes(to router: inout Router) {
        let deployments = services.deployments
        let events = configuration.events
        let results = ResultReplies(keeping: configuration.deployments.resultCapacity)
        let frames = EventFrames()
        let openStreams = self.openStreams

        router.post("/api/v1/deploy", endpoint.handler { request in
            let body = try DeployRequest(JSONRequestBody(request))
            let deployment = try await deployments.start(
                githubConnectionID: body.githubConnectionId, awsConnectionID: body.awsConnectionId,
                owner: body.owner, repo: body.repo, branch: body.branch)
            return Envelope.response(200, SuccessMessage.deploymentStarted, DeploymentStarted(id: deployment.id))
        })

        // Answered on the server thread: a lookup and a subscription, nothing to wait for.
        router.get("/api/v1/deploy/{deploymentId}/events", endpoint.immediate(allowQueryToken: true) { request in
            let id = request.pathParameter("deploymentId")
            guard let deployment = deployments.lookup(id) else {
                throw DeploymentError("Deployment not found: \(id)")
            }
            let lastEventID = request.headers["Last-Event-ID"]
            if let lastEventID, deployment.log.hasDelivered(allUpTo: lastEventID) {
                return .now(.noContent())  // the client has everything; 204 stops a browser reconnecting
            }
            return .now(.eventStream(DeploymentEventStream.open(
                deployment, resumingAfter: lastEventID, settings: events, frames: frames, openStreams: openStreams)))
        })

        // What ops scripts poll: answered on the server thread, a finished result from its kept rendering.
        router.get("/api/v1/deploy/{deploymentId}/result", endpoint.immediate { request in
            let id = request.pathParameter("deploymentId")
            guard let deployment = deployments.lookup(id) else {
                throw DeploymentError("Deployment result not found: \(id)")
            }
            return results.reply(for: deployment)
        })

        router.post("/api/v1/deploy/{deploymentId}/cancel", endpoint.handler { request in
            let deployment = try await deployments.cancel(request.pathParameter("deploymentId"))
            return Envelope.response(200, SuccessMessage.deploymentCancelled, DeploymentResultBody(deployment.snapshot()))
        })
    }
}
