import HTTPServer

/// The longest value each request field (and query parameter) accepts, in UTF-8 bytes. `api/openapi.json` states
/// the same numbers as `maxLength` (characters, never stricter), and a test holds them equal:
/// schemathesis sends one character more and expects 400.
enum RequestLimits {
    static let text = 4096            // owner, repo, branch, token, region, keys
    static let connectionId = 64
    static let sessionToken = 8192
    /// Any query parameter's value.
    static let queryValue = 256

    static func maxLength(of field: String) -> Int {
        switch field {
        case "githubConnectionId", "awsConnectionId": connectionId
        case "sessionToken": sessionToken
        default: text
        }
    }
}

/// `POST /api/v1/connect/github`
struct GitHubConnectRequest {
    let owner: String
    let repo: String
    let branch: String
    let token: String

    init(_ body: JSONRequestBody) throws {
        owner = try body.requiredString("owner")
        repo = try body.requiredString("repo")
        branch = try body.requiredString("branch")
        token = try body.requiredString("token")
    }
}

/// `POST /api/v1/connect/aws`
struct AWSConnectRequest {
    let region: String
    let accessKeyId: String
    let secretAccessKey: String
    let sessionToken: String?

    init(_ body: JSONRequestBody) throws {
        region = try body.requiredString("region")
        accessKeyId = try body.requiredString("accessKeyId")
        secretAccessKey = try body.requiredString("secretAccessKey")
        sessionToken = try body.optionalString("sessionToken")
    }
}

/// `POST /api/v1/deploy`
struct DeployRequest {
    let githubConnectionId: String
    let awsConnectionId: String
    let owner: String
    let repo: String
    let branch: String

    init(_ body: JSONRequestBody) throws {
        githubConnectionId = try body.requiredString("githubConnectionId")
        awsConnectionId = try body.requiredString("awsConnectionId")
        owner = try body.requiredString("owner")
        repo = try body.requiredString("repo")
        branch = try body.requiredString("branch")
    }
}
