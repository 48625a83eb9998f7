import Panda

/// One entry of `GET /api/v1/connections`: never a secret (the core's summary has none).
/// Fields in the order the OpenAPI document lists them; absent ones are left out, not null.
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
}
