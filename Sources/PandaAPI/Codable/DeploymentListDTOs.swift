import Panda

extension DeploymentListQuery {
    /// `GET /api/v1/deployments?owner=&repo=&status=&limit=&cursor=`
    init(_ parameters: QueryParameters) throws {
        self.init(
            owner: try parameters.optionalString("owner"),
            repo: try parameters.optionalString("repo"),
            status: try parameters.oneOf("status", DeploymentStatus.self),
            limit: try parameters.integer("limit", in: DeploymentListQuery.limits, default: DeploymentListQuery.defaultLimit))
        if let token = try parameters.optionalString("cursor") {
            guard let cursor = DeploymentCursor(token: token) else {
                throw QueryParameters.invalid("cursor", "not a cursor from a previous page (use its nextCursor as given)")
            }
            after = cursor
        }
    }
}

/// `data` of `GET /api/v1/deployments`.
struct DeploymentListBody: Encodable {
    let deployments: [DeploymentListItem]
    let nextCursor: Nullable<String>

    init(_ page: DeploymentPage) {
        deployments = page.deployments.map(DeploymentListItem.init)
        nextCursor = Nullable(page.nextCursor?.token)
    }
}

/// One entry of the list, in SPEC order; every field present, `null` when not known.
struct DeploymentListItem: Encodable {
    let deploymentId: String
    let kind: String
    let status: String
    let owner: String
    let repo: String
    let branch: String
    let startedAt: Nullable<String>
    let completedAt: Nullable<String>
    let currentStage: Nullable<Int>
    let errorCode: Nullable<String>

    init(_ summary: DeploymentSummary) {
        deploymentId = summary.id
        kind = summary.kind.rawValue
        status = summary.status.rawValue
        owner = summary.owner
        repo = summary.repo
        branch = summary.branch
        startedAt = Nullable(summary.startedAt.map(UTCTimestamp.string))
        completedAt = Nullable(summary.completedAt.map(UTCTimestamp.string))
        currentStage = Nullable(summary.currentStage)
        errorCode = Nullable(summary.errorCode?.rawValue)
    }
}
