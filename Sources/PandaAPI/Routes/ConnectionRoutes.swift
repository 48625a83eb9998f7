import HTTPServer
import Panda

extension PandaHTTPApp {
    func addConnectionRoutes(to router: inout Router) {
        let connections = services.connections
        router.post("/api/v1/connect/github", endpoint.handler { request in
            let body = try GitHubConnectRequest(JSONRequestBody(request))
            let connection = try await connections.connectGitHub(
                owner: body.owner, repo: body.repo, branch: body.branch, token: body.token)
            return Envelope.response(200, SuccessMessage.githubConnected, GitHubConnected(githubConnectionId: connection.id))
        })
        router.post("/api/v1/connect/aws", endpoint.handler { request in
            let body = try AWSConnectRequest(JSONRequestBody(request))
            let connection = try await connections.connectAWS(
                region: body.region, accessKeyId: body.accessKeyId, secretAccessKey: body.secretAccessKey,
                sessionToken: body.sessionToken)
            return Envelope.response(200, SuccessMessage.awsConnected, AWSConnected(awsConnectionId: connection.id))
        })
        router.get("/api/v1/connections", endpoint.handler { _ in
            let list = await connections.list().map(ConnectionDTO.init)
            return Envelope.response(200, SuccessMessage.connectionsListed, list)
        })
        router.delete("/api/v1/connections/{connectionId}", endpoint.handler { request in
            let id = request.pathParameter("connectionId")
            try await connections.delete(id)
            return Envelope.response(200, SuccessMessage.connectionDeleted, ConnectionDeleted(connectionId: id))
        })
    }
}
