import Panda

extension OpenAPIDocument {
    static let timestampPattern = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"#

    /// The core's `errorCode` values (SPEC.md's, plus those the core adds, e.g. `DEPLOYMENT_CANCELLED`).
    static var errorCodes: [OpenAPIJSON] {
        ErrorCode.allCases.map { .string($0.rawValue) }
    }

    /// Korean stage messages of SPEC.md §3, in the order a successful deployment publishes them.
    static let stageMessages: [String] = [
        "[Stage 1] Dockerfile 탐색 및 Docker Build - Repository 클론 중...",
        "[Stage 1] Repository 클론 완료",
        "[Stage 1] Dockerfile 찾음",
        "[Stage 1] Docker 이미지 빌드 완료",
        "[Stage 2] ECR에 이미지 Push 중 - ECR로 이미지 Push 중...",
        "[Stage 2] ECR 리포지토리 확인 완료",
        "[Stage 2] ECR 로그인 완료",
        "[Stage 2] 이미지 Push 완료",
        "[Stage 3] ECS 배포 시작",
        "[Stage 3] ECS 서비스 생성 완료",
        "[Stage 3] ECS 서비스 업데이트 완료",
        "[Stage 4] CodeDeploy Blue/Green 배포 시작",
        "[Stage 4] Blue 서비스 실행 중",
        "[Stage 4] Green 서비스 시작 중",
        "[Stage 4] Green 서비스 준비 완료",
        "[Stage 4] CodeDeploy Lifecycle Hook: BeforeAllowTraffic",
        "[Stage 4] CodeDeploy Lifecycle Hook: AfterAllowTraffic",
        "[Stage 5] Green 서비스 HealthCheck 및 트래픽 전환",
        "[Stage 5] Green 서비스 HealthCheck 진행 중 - Check {i}/5",
        "[Stage 5] HealthCheck 성공",
        "[Stage 5] 트래픽 전환 중",
        "[Stage 5] 트래픽 전환 완료",
        "[Stage 6] 배포 완료",
    ]

    static var schemas: OpenAPIJSON {
        [
            "GithubConnectionId": [
                "type": "string", "pattern": "^gh_[a-z0-9]{10}$", "example": "gh_a1b2c3d4e5",
                "description": "`gh_` and 10 random `[a-z0-9]` characters.",
            ],
            "AwsConnectionId": [
                "type": "string", "pattern": "^aws_[a-z0-9]{10}$", "example": "aws_a1b2c3d4e5",
                "description": "`aws_` and 10 random `[a-z0-9]` characters.",
            ],
            "DeploymentId": [
                "type": "string", "pattern": "^dep_[a-z0-9]{10}$", "example": "dep_a1b2c3d4e5",
                "description": "`dep_` and 10 random `[a-z0-9]` characters.",
            ],
            "Timestamp": [
                "type": "string", "pattern": .string(timestampPattern), "example": exampleTimestamp,
                "description": "UTC, `yyyy-MM-dd'T'HH:mm:ss`.",
            ],
            "ErrorCode": [
                "type": "string", "enum": .array(errorCodes),
                "description": """
                    `DOCKER_BUILD_FAILED`: stage 1 (clone failures, Dockerfile not found, build). \
                    `ECR_PUSH_FAILED`: stage 2. `ECS_DEPLOYMENT_FAILED`: stages 3–4. \
                    `HEALTH_CHECK_FAILED`: green failed its health checks (stage 4 or 5). \
                    `AWS_CREDENTIALS_INVALID`: the AWS credentials were rejected when the deployment started. `DEPLOYMENT_TIMEOUT`: a stage or the whole deployment timed out. \
                    `DEPLOYMENT_QUEUE_FULL`: too many deployments waiting. `DEPLOYMENT_CANCELLED`: cancelled \
                    through the API (beyond the original). `UNEXPECTED_ERROR`: anything else.
                    """,
            ],
            "ErrorBody": errorBody,
            "GithubConnectRequest": githubConnectRequest,
            "AwsConnectRequest": awsConnectRequest,
            "DeployRequest": deployRequest,
            "DeploymentResult": deploymentResult,
            "DeploymentProgress": deploymentProgress,
            "GithubConnection": githubConnection,
            "AwsConnection": awsConnection,
            "Connection": [
                "oneOf": [schemaRef("GithubConnection"), schemaRef("AwsConnection")],
                "discriminator": [
                    "propertyName": "kind",
                    "mapping": [
                        "github": "#/components/schemas/GithubConnection",
                        "aws": "#/components/schemas/AwsConnection",
                    ],
                ],
            ],
            "StageEventData": stageEventData,
            "DoneEventData": [
                "type": "object",
                "required": ["message"],
                "properties": ["message": ["type": "string", "enum": ["Deployment completed successfully"]]],
                "description": "`data` of the `done` event, the last event of a successful deployment.",
            ],
            "ErrorEventData": [
                "type": "object",
                "required": ["message"],
                "properties": [
                    "message": [
                        "type": "string",
                        "example": "Deployment failed: Dockerfile not found in repository",
                        "description": "`Deployment failed: <reason>`; for a timeout, `Deployment timed out at Stage {n} after {s} seconds (timeout: {t} seconds)`.",
                    ],
                    "errorCode": schemaRef("ErrorCode"),
                    "stage": ["type": "integer", "minimum": 0, "maximum": 6],
                ],
                "description": "`data` of the `error` event, the last event of a failed deployment.",
            ],
        ]
    }

    static let errorBody: OpenAPIJSON = [
        "type": "object",
        "required": ["timestamp", "status", "error", "message"],
        "properties": [
            "timestamp": schemaRef("Timestamp"),
            "status": ["type": "integer", "minimum": 400, "maximum": 599, "description": "Equals the HTTP status."],
            "error": ["type": "string", "example": "Deployment Error", "description": "The label of the status (see the table in the API description)."],
            "message": ["type": "string", "example": "GitHub connection not found"],
            "deploymentId": ["type": "string", "example": "dep_a1b2c3d4e5"],
            "stage": ["type": "integer", "minimum": 0, "maximum": 6],
            "errorCode": schemaRef("ErrorCode"),
            "durationSeconds": ["type": "integer", "minimum": 0],
            "timeoutSeconds": ["type": "integer", "minimum": 0],
            "exceptionClass": ["type": "string", "description": "500 only: the kind of failure. Never a stack trace or a secret."],
        ],
        "description": "The body of every 4xx/5xx answer. The optional fields are present only when they apply.",
    ]

    // MARK: - Requests

    static var githubConnectRequest: OpenAPIJSON {
        [
            "type": "object",
            "required": ["owner", "repo", "branch", "token"],
            "additionalProperties": true,
            "properties": [
                "owner": requestString(maxLength: Limit.field, example: "octocat", description: "Repository owner (user or organization)."),
                "repo": requestString(maxLength: Limit.field, example: "hello-world", description: "Repository name."),
                "branch": requestString(maxLength: Limit.field, example: "main", description: "Branch to deploy."),
                "token": requestString(maxLength: Limit.field, example: "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                                       description: "GitHub token that can read the repository. Never logged, never returned.")
                    .merging([(key: "format", value: "password"), (key: "writeOnly", value: true)]),
            ],
        ]
    }

    static var awsConnectRequest: OpenAPIJSON {
        [
            "type": "object",
            "required": ["region", "accessKeyId", "secretAccessKey"],
            "additionalProperties": true,
            "properties": [
                "region": requestString(maxLength: Limit.field, example: "ap-northeast-2", description: "AWS region to deploy to."),
                "accessKeyId": requestString(maxLength: Limit.field, example: "AKIAIOSFODNN7EXAMPLE", description: "AWS access key id."),
                "secretAccessKey": requestString(maxLength: Limit.field, example: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                                 description: "AWS secret access key. Never logged, never returned.")
                    .merging([(key: "format", value: "password"), (key: "writeOnly", value: true)]),
                "sessionToken": requestString(maxLength: Limit.sessionToken, example: "", description: "Optional STS session token; empty or null means none.",
                                              nullable: true, minLength: 0)
                    .merging([(key: "format", value: "password"), (key: "writeOnly", value: true)]),
            ],
        ]
    }

    static var deployRequest: OpenAPIJSON {
        [
            "type": "object",
            "required": ["githubConnectionId", "awsConnectionId", "owner", "repo", "branch"],
            "additionalProperties": true,
            "properties": [
                "githubConnectionId": requestString(maxLength: Limit.connectionId, example: "gh_a1b2c3d4e5", description: "From POST /api/v1/connect/github."),
                "awsConnectionId": requestString(maxLength: Limit.connectionId, example: "aws_a1b2c3d4e5", description: "From POST /api/v1/connect/aws."),
                "owner": requestString(maxLength: Limit.field, example: "octocat", description: "Repository owner."),
                "repo": requestString(maxLength: Limit.field, example: "hello-world", description: "Repository name."),
                "branch": requestString(maxLength: Limit.field, example: "main", description: "Branch to deploy."),
            ],
        ]
    }

    // MARK: - Results

    static func nullable(_ schema: OpenAPIJSON) -> OpenAPIJSON {
        schema.merging([(key: "nullable", value: true)])
    }

    /// Properties shared by terminal results and in-flight progress; `terminal` decides nullability.
    static func resultProperties(terminal: Bool) -> [(key: String, value: OpenAPIJSON)] {
        let timestamp: OpenAPIJSON = ["type": "string", "pattern": .string(timestampPattern), "example": exampleTimestamp]
        let url: OpenAPIJSON = ["type": "string", "example": "http://panda-alb-123.ap-northeast-2.elb.amazonaws.com"]
        let latency: OpenAPIJSON = ["type": "integer", "minimum": 0, "description": "Measured, never invented; null when not measured."]
        let errorRate: OpenAPIJSON = ["type": "number", "minimum": 0, "maximum": 1, "description": "0.0–1.0, measured; null when not measured."]
        let statuses: OpenAPIJSON = terminal ? ["COMPLETED", "FAILED"] : ["QUEUED", "IN_PROGRESS"]
        return [
            (key: "deploymentId", value: schemaRef("DeploymentId")),
            (key: "status", value: ["type": "string", "enum": statuses]),
            (key: "owner", value: ["type": "string", "example": "octocat"]),
            (key: "repo", value: ["type": "string", "example": "hello-world"]),
            (key: "branch", value: ["type": "string", "example": "main"]),
            (key: "startedAt", value: terminal ? timestamp : nullable(timestamp)),
            (key: "completedAt", value: terminal ? timestamp : nullable(timestamp)),
            (key: "durationSeconds", value: terminal
                ? ["type": "integer", "minimum": 0]
                : ["type": "integer", "minimum": 0, "nullable": true]),
            (key: "finalService", value: [
                "type": "string", "nullable": true, "enum": ["blue", "green", nil],
                "description": "The colour serving production; null when the deployment did not get that far.",
            ]),
            (key: "blueUrl", value: nullable(url)),
            (key: "greenUrl", value: nullable(url)),
            (key: "errorMessage", value: ["type": "string", "nullable": true, "description": "null on success."]),
            (key: "blueLatencyMs", value: nullable(latency)),
            (key: "greenLatencyMs", value: nullable(latency)),
            (key: "blueErrorRate", value: nullable(errorRate)),
            (key: "greenErrorRate", value: nullable(errorRate)),
            (key: "eventCount", value: ["type": "integer", "minimum": 0, "description": "Events published for this deployment."]),
            (key: "errorCode", value: [
                "type": "string", "nullable": true, "enum": .array(errorCodes + [nil]),
                "description": "Beyond the original: the failure's code; null on success.",
            ]),
            (key: "failedStage", value: [
                "type": "integer", "nullable": true, "minimum": 0, "maximum": 6,
                "description": "Beyond the original: the stage that failed; null on success.",
            ]),
            (key: "imageUri", value: ["type": "string", "nullable": true, "description": "Beyond the original: the pushed ECR image."]),
            (key: "commitSha", value: ["type": "string", "nullable": true, "description": "Beyond the original: the deployed commit."]),
            (key: "stageTimings", value: stageTimings),
        ]
    }

    /// Beyond the original, optional: per-stage wall time and child-process time.
    static var stageTimings: OpenAPIJSON {
        [
            "type": "array",
            "description": """
                Beyond the original, optional: one entry per stage entered, in order. `wallMs` is the \
                stage's wall time; `childProcessMs` the summed wall time of its child processes (git, \
                docker, aws, curl; concurrent ones count separately); `childProcessCount` how many ran.
                """,
            "items": [
                "type": "object",
                "required": ["stage", "name", "wallMs", "childProcessMs", "childProcessCount"],
                "properties": [
                    "stage": ["type": "integer", "minimum": 1, "maximum": 6],
                    "name": ["type": "string", "example": "Dockerfile discovery and build"],
                    "wallMs": ["type": "integer", "minimum": 0],
                    "childProcessMs": ["type": "integer", "minimum": 0],
                    "childProcessCount": ["type": "integer", "minimum": 0],
                ],
            ],
        ]
    }

    static var deploymentResult: OpenAPIJSON {
        [
            "type": "object",
            "required": [
                "deploymentId", "status", "owner", "repo", "branch", "startedAt", "completedAt",
                "durationSeconds", "finalService", "blueUrl", "greenUrl", "errorMessage",
                "blueLatencyMs", "greenLatencyMs", "blueErrorRate", "greenErrorRate", "eventCount",
            ],
            "properties": .object(resultProperties(terminal: true)),
            "description": """
                A finished deployment. Every field of the original is always present (null where \
                the table allows it); `errorCode`, `failedStage`, `imageUri`, `commitSha` and `stageTimings` are additive.
                """,
        ]
    }

    static var deploymentProgress: OpenAPIJSON {
        [
            "type": "object",
            "required": ["deploymentId", "status", "owner", "repo", "branch", "currentStage"],
            "properties": .object(resultProperties(terminal: false) + [
                (key: "currentStage", value: [
                    "type": "integer", "nullable": true, "minimum": 0, "maximum": 6,
                    "description": "The stage being run (1–6); 0 or null while QUEUED.",
                ]),
            ]),
            "description": "Beyond the original: a deployment still queued or running (answered with 202).",
        ]
    }

    // MARK: - Connections

    /// Rejects any object that carries a secret: connection listings never return one.
    static let noSecrets: OpenAPIJSON = [
        "anyOf": [
            ["required": ["token"]],
            ["required": ["secretAccessKey"]],
            ["required": ["sessionToken"]],
            ["required": ["accessKeyId"]],
        ],
    ]

    static var githubConnection: OpenAPIJSON {
        [
            "type": "object",
            "required": ["id", "kind", "owner", "repo", "branch", "createdAt"],
            "properties": [
                "id": schemaRef("GithubConnectionId"),
                "kind": ["type": "string", "enum": ["github"]],
                "owner": ["type": "string", "example": "octocat"],
                "repo": ["type": "string", "example": "hello-world"],
                "branch": ["type": "string", "example": "main"],
                "createdAt": schemaRef("Timestamp"),
            ],
            "not": noSecrets,
            "description": "A validated GitHub connection. The token is never returned.",
        ]
    }

    static var awsConnection: OpenAPIJSON {
        [
            "type": "object",
            "required": ["id", "kind", "accountId", "arn", "region", "createdAt"],
            "properties": [
                "id": schemaRef("AwsConnectionId"),
                "kind": ["type": "string", "enum": ["aws"]],
                "accountId": ["type": "string", "example": "123456789012"],
                "arn": ["type": "string", "example": "arn:aws:iam::123456789012:user/deployer"],
                "region": ["type": "string", "example": "ap-northeast-2"],
                "createdAt": schemaRef("Timestamp"),
            ],
            "not": noSecrets,
            "description": "A validated AWS connection (identity from STS GetCallerIdentity). Keys are never returned.",
        ]
    }

    // MARK: - Events

    static var stageEventDescription: String {
        "`data` of a `stage` event. Messages, in order:\n\n"
            + stageMessages.map { "- `\($0)`" }.joined(separator: "\n")
            + "\n\nExtra progress events (build log lines, queue position, rollback steps) use the same shape."
    }

    static var stageEventData: OpenAPIJSON {
        [
            "type": "object",
            "required": ["type", "message", "details"],
            "properties": [
                "type": ["type": "string", "enum": ["stage"]],
                "message": ["type": "string", "example": .string(stageMessages[0])],
                "details": [
                    "type": "object",
                    "required": ["stage"],
                    "properties": ["stage": ["type": "integer", "minimum": 0, "maximum": 6]],
                    "additionalProperties": true,
                    "description": "`stage` plus the fields each message lists (path, imageName, uri, url, …).",
                ],
            ],
            "description": .string(stageEventDescription),
        ]
    }
}
