import Panda

/// One entry of `GET /api/v1/connections`: never a secret (the core's summary has none).
struct ConnectionDTO: Encodable {
    let id: String
    let kind: String
    var owner: String?
    var repo: String?
    var branch: String?
    var accountId: String?
    var arn: String?
    var region: String?
    let createdAt: String

    init(_ summary: ConnectionSummary) {
        id = summary.id
        kind = summary.kind.rawValue
        createdAt = UTCTimestamp.string(from: summary.createdAt)
        switch summary.details {
        case .github(let owner, let repo, let branch):
            self.owner = owner
            self.repo = repo
            self.branch = branch
        case .aws(let accountId, let arn, let region):
            self.accountId = accountId
            self.arn = arn
            self.region = region
        }
    }

    // Field order as the OpenAPI document lists it; absent fields are left out, not null.
    enum CodingKeys: String, CodingKey {
        case id, kind, owner, repo, branch, accountId, arn, region, createdAt
    }
}
