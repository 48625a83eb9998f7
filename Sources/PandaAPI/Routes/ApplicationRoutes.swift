import HTTPServer
import Panda

extension PandaHTTPApp {
    /// `GET /api/v1/apps` and `DELETE /api/v1/apps/{owner}/{repo}` (SPEC section 6).
    func addApplicationRoutes(to router: inout Router) {
        let deployments = services.deployments

        router.get("/api/v1/apps", endpoint.handler { request in
            let connectionID = try QueryParameters(request).requiredString("awsConnectionId")
            let applications = try await deployments.applications(awsConnectionID: connectionID)
            return Envelope.response(200, "애플리케이션 목록 조회 성공", ApplicationListBody(apps: applications.map(ApplicationItem.init)))
        })

        router.delete("/api/v1/apps/{owner}/{repo}", endpoint.handler { request in
            let query = QueryParameters(request)
            let connectionID = try query.requiredString("awsConnectionId")
            let deleteImages = try query.boolean("deleteImages", default: false)
            let dryRun = try query.boolean("dryRun", default: false)
            let owner = request.pathParameter("owner"), repo = request.pathParameter("repo")
            let body: TeardownBody
            if dryRun {
                let resources = try await deployments.teardownPreview(
                    awsConnectionID: connectionID, owner: owner, repo: repo, deleteImages: deleteImages)
                body = TeardownBody(deploymentId: Nullable(nil), resources: resources.map(ResourceItem.init))
            } else {
                let started = try await deployments.startTeardown(
                    awsConnectionID: connectionID, owner: owner, repo: repo, deleteImages: deleteImages)
                body = TeardownBody(deploymentId: Nullable(started.deployment.id), resources: started.resources.map(ResourceItem.init))
            }
            return Envelope.response(200, "애플리케이션 삭제가 시작되었습니다.", body)
        })
    }
}
