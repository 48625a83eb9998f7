/// The `message` of each success envelope, as SPEC.md spells it (`api/openapi.json` pins
/// each one as a single-value enum; the response-schema tests hold them equal).
enum SuccessMessage {
    static let githubConnected = "GitHub 연결에 성공했습니다."
    static let awsConnected = "AWS 연결에 성공했습니다."
    static let connectionsListed = "Connections listed"
    static let connectionDeleted = "Connection deleted"
    static let deploymentStarted = "배포가 시작되었습니다."
    static let deploymentResult = "배포 결과 조회 성공"
    static let deploymentCancelled = "Deployment cancelled"
    static let deploymentList = "배포 목록 조회 성공"
    static let health = "ok"
}

/// `data` of a successful `POST /api/v1/connect/github`.
struct GitHubConnected: Encodable {
    let githubConnectionId: String
}

/// `data` of a successful `POST /api/v1/connect/aws`.
struct AWSConnected: Encodable {
    let awsConnectionId: String
}

/// `data` of a successful `DELETE /api/v1/connections/{connectionId}`.
struct ConnectionDeleted: Encodable {
    let connectionId: String
}

/// `data` of `GET /health`.
struct HealthStatus: Encodable {
    static let up = HealthStatus(status: "UP")
    let status: String
}
