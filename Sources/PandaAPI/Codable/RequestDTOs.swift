import HTTPServer

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
        sessionToken = try body.optionalString("sessionToken", maxLength: 8192)
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
        githubConnectionId = try body.requiredString("githubConnectionId", maxLength: 64)
        awsConnectionId = try body.requiredString("awsConnectionId", maxLength: 64)
        owner = try body.requiredString("owner")
        repo = try body.requiredString("repo")
        branch = try body.requiredString("branch")
    }
}
