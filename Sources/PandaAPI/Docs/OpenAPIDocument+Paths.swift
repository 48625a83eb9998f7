extension OpenAPIDocument {
    static var paths: OpenAPIJSON {
        [
            "/api/v1/connect/github": ["post": connectGithub],
            "/api/v1/connect/aws": ["post": connectAws],
            "/api/v1/connections": ["get": listConnections],
            "/api/v1/connections/{connectionId}": ["delete": deleteConnection],
            "/api/v1/deploy": ["post": startDeployment],
            "/api/v1/deploy/{deploymentId}/events": ["get": streamEvents],
            "/api/v1/deploy/{deploymentId}/result": ["get": deploymentResultOperation],
            "/api/v1/deploy/{deploymentId}/cancel": ["post": cancelDeployment],
            "/api/v1/apps": ["get": listApplications],
            "/api/v1/apps/{owner}/{repo}": ["delete": deleteApplication],
            "/health": ["get": health],
            "/api-docs": ["get": apiDocs],
            "/swagger-ui.html": ["get": swaggerUIPage],
        ]
    }

    /// An operation. `/api/v1` operations (`secured`) get the optional bearer scheme and
    /// the shared 401/404/413/415/500/501 answers that apply to them.
    static func operation(
        _ method: String, tag: String, id: String, summary: String, description: String,
        parameters: [OpenAPIJSON] = [], requestBody: OpenAPIJSON? = nil,
        responses: [(key: String, value: OpenAPIJSON)], secured: Bool = true
    ) -> OpenAPIJSON {
        var members: [(key: String, value: OpenAPIJSON)] = [
            (key: "tags", value: [.string(tag)]),
            (key: "operationId", value: .string(id)),
            (key: "summary", value: .string(summary)),
            (key: "description", value: .string(description)),
        ]
        if !parameters.isEmpty { members.append((key: "parameters", value: .array(parameters))) }
        if let requestBody {
            members.append((key: "requestBody", value: [
                "required": true,
                "content": ["application/json": ["schema": requestBody["schema"] ?? nil, "example": requestBody["example"] ?? nil]],
            ]))
        }
        var allResponses = responses
        if secured {
            allResponses += commonErrors(post: method == "post", pathParameter: parameters.contains { $0["in"] == "path" })
            members.append((key: "security", value: [[:], ["bearerAuth": []]]))
        }
        members.append((key: "responses", value: .object(allResponses)))
        return .object(members)
    }

    static func pathParameter(_ name: String, example: String, description: String) -> OpenAPIJSON {
        [
            "name": .string(name),
            "in": "path",
            "required": true,
            "description": .string(description + " Any string is accepted: an unknown id is answered with 400."),
            "schema": ["type": "string", "minLength": 1],
            "example": .string(example),
        ]
    }

    static let deploymentIdParameter = pathParameter(
        "deploymentId", example: "dep_a1b2c3d4e5", description: "The id from POST /api/v1/deploy."
    )

    static func ok(_ description: String, _ schema: OpenAPIJSON, examples: [Example] = [], links: OpenAPIJSON? = nil) -> OpenAPIJSON {
        var members: [(key: String, value: OpenAPIJSON)] = [
            (key: "description", value: .string(description)),
            (key: "content", value: jsonContent(schema, examples: examples)),
        ]
        if let links { members.append((key: "links", value: links)) }
        return .object(members)
    }

    // MARK: - Connections

    static var connectGithub: OpenAPIJSON {
        operation(
            "post", tag: "Connections", id: "connectGithub", summary: "Validate and register a GitHub connection",
            description: """
                Checks against the GitHub REST API (base URL configurable, so GitHub Enterprise works) that \
                the token is valid, the repository is visible to it and the branch exists.
                """,
            requestBody: [
                "schema": schemaRef("GithubConnectRequest"),
                "example": ["owner": "octocat", "repo": "hello-world", "branch": "main", "token": "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
            ],
            responses: [
                (key: "200", value: ok(
                    "Connection validated and registered.",
                    envelope(code: 200, message: "GitHub 연결에 성공했습니다.", data: [
                        "type": "object",
                        "required": ["githubConnectionId"],
                        "properties": ["githubConnectionId": schemaRef("GithubConnectionId")],
                    ]),
                    examples: [(name: "connected", summary: "Connected", value: [
                        "code": 200, "message": "GitHub 연결에 성공했습니다.", "data": ["githubConnectionId": "gh_a1b2c3d4e5"],
                    ])],
                    links: [
                        "DeleteConnection": [
                            "operationId": "deleteConnection",
                            "parameters": ["connectionId": "$response.body#/data/githubConnectionId"],
                        ],
                    ]
                )),
                (key: "400", value: badRequest("Validation failed or the body is invalid.", examples: [
                    (name: "repositoryNotFound", summary: "Repository not visible to the token",
                     value: errorExample(400, "Deployment Error", "GitHub connection failed: Repository not found: octocat/hello-world")),
                    (name: "badCredentials", summary: "Invalid token",
                     value: errorExample(400, "Deployment Error", "GitHub connection failed: Bad credentials")),
                    (name: "branchNotFound", summary: "Branch does not exist",
                     value: errorExample(400, "Deployment Error", "GitHub connection failed: Branch not found: main")),
                    (name: "timeout", summary: "GitHub did not answer in time",
                     value: errorExample(400, "Deployment Error", "GitHub connection failed: Connection timeout")),
                ])),
            ]
        )
    }

    static var connectAws: OpenAPIJSON {
        operation(
            "post", tag: "Connections", id: "connectAws", summary: "Validate and register an AWS connection",
            description: "Validates the credentials with STS GetCallerIdentity in the given region.",
            requestBody: [
                "schema": schemaRef("AwsConnectRequest"),
                "example": [
                    "region": "ap-northeast-2", "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                    "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "sessionToken": "",
                ],
            ],
            responses: [
                (key: "200", value: ok(
                    "Credentials validated and registered.",
                    envelope(code: 200, message: "AWS 연결에 성공했습니다.", data: [
                        "type": "object",
                        "required": ["awsConnectionId"],
                        "properties": ["awsConnectionId": schemaRef("AwsConnectionId")],
                    ]),
                    examples: [(name: "connected", summary: "Connected", value: [
                        "code": 200, "message": "AWS 연결에 성공했습니다.", "data": ["awsConnectionId": "aws_a1b2c3d4e5"],
                    ])],
                    links: [
                        "DeleteConnection": [
                            "operationId": "deleteConnection",
                            "parameters": ["connectionId": "$response.body#/data/awsConnectionId"],
                        ],
                    ]
                )),
                (key: "400", value: badRequest("Validation failed (the reason comes from AWS) or the body is invalid.", examples: [
                    (name: "invalidKeyId", summary: "Unknown access key id",
                     value: errorExample(400, "Deployment Error", "AWS credentials validation failed: The security token included in the request is invalid.")),
                    (name: "signatureMismatch", summary: "Wrong secret",
                     value: errorExample(400, "Deployment Error", "AWS credentials validation failed: The request signature we calculated does not match the signature you provided.")),
                    (name: "notAuthorized", summary: "Key without permission",
                     value: errorExample(400, "Deployment Error", "AWS credentials validation failed: User: arn:aws:iam::123456789012:user/deployer is not authorized to perform: sts:GetCallerIdentity")),
                    (name: "timeout", summary: "AWS did not answer in time",
                     value: errorExample(400, "Deployment Error", "AWS credentials validation failed: Connection timeout")),
                ])),
            ]
        )
    }

    static var listConnections: OpenAPIJSON {
        operation(
            "get", tag: "Connections", id: "listConnections", summary: "List registered connections",
            description: "Beyond the original. Lists GitHub and AWS connections without any secret (no token, no keys).",
            responses: [
                (key: "200", value: ok(
                    "The registered connections, oldest first.",
                    envelope(code: 200, message: nil, messageExample: "Connections listed", data: [
                        "type": "array",
                        "items": schemaRef("Connection"),
                    ]),
                    examples: [(name: "two", summary: "One of each kind", value: [
                        "code": 200, "message": "Connections listed",
                        "data": [
                            ["id": "gh_a1b2c3d4e5", "kind": "github", "owner": "octocat", "repo": "hello-world",
                             "branch": "main", "createdAt": "2024-01-01T12:00:00"],
                            ["id": "aws_a1b2c3d4e5", "kind": "aws", "accountId": "123456789012",
                             "arn": "arn:aws:iam::123456789012:user/deployer", "region": "ap-northeast-2",
                             "createdAt": "2024-01-01T12:00:05"],
                        ],
                    ])]
                )),
                (key: "400", value: responseRef("BadRequest")),
            ]
        )
    }

    static var deleteConnection: OpenAPIJSON {
        operation(
            "delete", tag: "Connections", id: "deleteConnection", summary: "Forget a connection",
            description: "Beyond the original. Removes a GitHub or AWS connection and drops its secret from memory.",
            parameters: [pathParameter("connectionId", example: "gh_a1b2c3d4e5", description: "A `gh_…` or `aws_…` id.")],
            responses: [
                (key: "200", value: ok(
                    "The connection was removed.",
                    envelope(code: 200, message: nil, messageExample: "Connection deleted", data: [
                        "type": "object",
                        "required": ["connectionId"],
                        "properties": ["connectionId": ["type": "string", "example": "gh_a1b2c3d4e5"]],
                    ])
                )),
                (key: "400", value: badRequest("Unknown connection id.", examples: [
                    (name: "unknown", summary: "Unknown id",
                     value: errorExample(400, "Deployment Error", "Connection not found: gh_zzzzzzzzzz")),
                ])),
            ]
        )
    }

    // MARK: - Deployments

    static var startDeployment: OpenAPIJSON {
        operation(
            "post", tag: "Deployments", id: "startDeployment", summary: "Start a deployment",
            description: """
                Returns at once; the deployment runs in the background. At most 10 deployments run at once \
                (configurable); further ones wait in a bounded queue (configurable capacity); past it the \
                answer is 400 `Deployment queue is full` with `errorCode` `DEPLOYMENT_QUEUE_FULL` and `Retry-After`.
                """,
            requestBody: [
                "schema": schemaRef("DeployRequest"),
                "example": [
                    "githubConnectionId": "gh_a1b2c3d4e5", "awsConnectionId": "aws_a1b2c3d4e5",
                    "owner": "octocat", "repo": "hello-world", "branch": "main",
                ],
            ],
            responses: [
                (key: "200", value: ok(
                    "The deployment was accepted.",
                    envelope(code: 200, message: "배포가 시작되었습니다.", data: [
                        "type": "object",
                        "required": ["deploymentId", "message"],
                        "properties": [
                            "deploymentId": schemaRef("DeploymentId"),
                            "message": [
                                "type": "string",
                                "pattern": #"^Deployment started\. Listen to /api/v1/deploy/[^/]+/events$"#,
                                "example": "Deployment started. Listen to /api/v1/deploy/dep_a1b2c3d4e5/events",
                            ],
                        ],
                    ]),
                    examples: [(name: "started", summary: "Started", value: [
                        "code": 200, "message": "배포가 시작되었습니다.",
                        "data": [
                            "deploymentId": "dep_a1b2c3d4e5",
                            "message": "Deployment started. Listen to /api/v1/deploy/dep_a1b2c3d4e5/events",
                        ],
                    ])],
                    links: [
                        "StreamEvents": ["operationId": "streamDeploymentEvents", "parameters": ["deploymentId": "$response.body#/data/deploymentId"]],
                        "GetResult": ["operationId": "getDeploymentResult", "parameters": ["deploymentId": "$response.body#/data/deploymentId"]],
                        "Cancel": ["operationId": "cancelDeployment", "parameters": ["deploymentId": "$response.body#/data/deploymentId"]],
                    ]
                )),
                (key: "400", value: badRequest(
                    "Unknown connection, queue full, or an invalid body.",
                    examples: [
                        (name: "githubConnectionNotFound", summary: "Unknown githubConnectionId",
                         value: errorExample(400, "Deployment Error", "GitHub connection not found")),
                        (name: "awsConnectionNotFound", summary: "Unknown awsConnectionId",
                         value: errorExample(400, "Deployment Error", "AWS connection not found")),
                        (name: "queueFull", summary: "Too many deployments waiting (with Retry-After)",
                         value: errorExample(400, "Deployment Error", "Deployment queue is full",
                                             extra: [(key: "errorCode", value: "DEPLOYMENT_QUEUE_FULL")])),
                    ],
                    headers: ["Retry-After": ["$ref": "#/components/headers/RetryAfter"]]
                )),
            ]
        )
    }

    static let sseExample = """
        : connected

        retry: 5000

        id: 6f1c2b9e-3d0a-4d8e-9a57-0c1e2f3a4b5c
        event: stage
        data: {"type":"stage","message":"[Stage 1] Dockerfile 탐색 및 Docker Build - Repository 클론 중...","details":{"stage":1}}

        : keep-alive

        id: 0b8e7d6c-5a4f-4e3d-8c2b-1a0f9e8d7c6b
        event: done
        data: {"message":"Deployment completed successfully"}


        """

    static var streamEvents: OpenAPIJSON {
        operation(
            "get", tag: "Deployments", id: "streamDeploymentEvents", summary: "Follow a deployment live (Server-Sent Events)",
            description: """
                A `text/event-stream`. It starts with a comment line and `retry: 5000`; then one frame per event: \
                `id: <UUID>`, `event: stage|done|error`, `data: <one-line JSON>`, blank line. A subscriber first \
                receives the full history in order, then live events; with a `Last-Event-ID` header only what came \
                after that id. A keep-alive comment comes at least every 15 s. The server closes the stream 5 s after \
                `done`/`error`, and after 5 minutes in any case: reconnect with `Last-Event-ID` and nothing is lost. \
                A reconnect whose `Last-Event-ID` is at or past the terminal event gets 204, so browsers stop. \
                A client that disconnects never stops or slows the deployment.

                `data` of each event: `stage` → `StageEventData`, `done` → `DoneEventData`, \
                `error` → `ErrorEventData` (see the schemas).
                """,
            parameters: [
                deploymentIdParameter,
                [
                    "name": "Last-Event-ID", "in": "header", "required": false,
                    "description": "The `id` of the last event received; the stream resumes after it.",
                    "schema": ["type": "string"],
                ],
                [
                    "name": "access_token", "in": "query", "required": false,
                    "description": "API key for clients that cannot set `Authorization` (browser `EventSource`); only used when API keys are enabled.",
                    "schema": ["type": "string"],
                ],
            ],
            responses: [
                (key: "200", value: [
                    "description": "The event stream.",
                    "headers": [
                        "Cache-Control": ["required": true, "schema": ["type": "string", "example": "no-cache"]],
                        "X-Accel-Buffering": ["required": true, "schema": ["type": "string", "example": "no"]],
                    ],
                    "content": [
                        "text/event-stream": [
                            "schema": ["type": "string", "description": "Server-Sent Events frames."],
                            "example": .string(sseExample),
                        ],
                    ],
                ]),
                (key: "204", value: ["description": "`Last-Event-ID` is at or past the terminal event: the stream is over, stop reconnecting."]),
                (key: "400", value: badRequest("Unknown deployment id.", examples: [
                    (name: "unknown", summary: "Unknown id",
                     value: errorExample(400, "Deployment Error", "Deployment not found: dep_zzzzzzzzzz")),
                ])),
            ]
        )
    }

    static var deploymentResultOperation: OpenAPIJSON {
        let completed: OpenAPIJSON = [
            "code": 200, "message": "배포 결과 조회 성공",
            "data": [
                "deploymentId": "dep_a1b2c3d4e5", "status": "COMPLETED",
                "owner": "octocat", "repo": "hello-world", "branch": "main",
                "startedAt": "2024-01-01T12:00:00", "completedAt": "2024-01-01T12:04:10", "durationSeconds": 250,
                "finalService": "green",
                "blueUrl": "http://panda-alb-123.ap-northeast-2.elb.amazonaws.com:8080",
                "greenUrl": "http://panda-alb-123.ap-northeast-2.elb.amazonaws.com",
                "errorMessage": nil,
                "blueLatencyMs": 41, "greenLatencyMs": 37, "blueErrorRate": 0.0, "greenErrorRate": 0.0,
                "eventCount": 27,
                "errorCode": nil, "failedStage": nil,
                "imageUri": "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/octocat-hello-world:octocat-hello-world-main-1704110400",
                "commitSha": "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d",
            ],
        ]
        let failed: OpenAPIJSON = [
            "code": 200, "message": "배포 결과 조회 성공",
            "data": [
                "deploymentId": "dep_a1b2c3d4e5", "status": "FAILED",
                "owner": "octocat", "repo": "hello-world", "branch": "main",
                "startedAt": "2024-01-01T12:00:00", "completedAt": "2024-01-01T12:00:12", "durationSeconds": 12,
                "finalService": nil, "blueUrl": nil, "greenUrl": nil,
                "errorMessage": "Deployment failed: Dockerfile not found in repository",
                "blueLatencyMs": nil, "greenLatencyMs": nil, "blueErrorRate": nil, "greenErrorRate": nil,
                "eventCount": 3,
                "errorCode": "DOCKER_BUILD_FAILED", "failedStage": 1, "imageUri": nil,
                "commitSha": "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d",
            ],
        ]
        let running: OpenAPIJSON = [
            "code": 202, "message": "배포 결과 조회 성공",
            "data": [
                "deploymentId": "dep_a1b2c3d4e5", "status": "IN_PROGRESS",
                "owner": "octocat", "repo": "hello-world", "branch": "main",
                "startedAt": "2024-01-01T12:00:00", "completedAt": nil, "durationSeconds": nil,
                "finalService": nil, "blueUrl": nil, "greenUrl": nil, "errorMessage": nil,
                "blueLatencyMs": nil, "greenLatencyMs": nil, "blueErrorRate": nil, "greenErrorRate": nil,
                "eventCount": 9, "currentStage": 2,
            ],
        ]
        return operation(
            "get", tag: "Deployments", id: "getDeploymentResult", summary: "Read a deployment's result",
            description: """
                200 once the deployment is finished (`COMPLETED` or `FAILED`); 202 while it is `QUEUED` or \
                `IN_PROGRESS` (beyond the original). At most 1000 results are kept (configurable); past that \
                the least recently used is evicted with its event history and its id answers 400.
                """,
            parameters: [deploymentIdParameter],
            responses: [
                (key: "200", value: ok(
                    "The deployment is finished.",
                    envelope(code: 200, message: "배포 결과 조회 성공", data: schemaRef("DeploymentResult")),
                    examples: [
                        (name: "completed", summary: "Completed", value: completed),
                        (name: "failed", summary: "Failed at stage 1", value: failed),
                    ]
                )),
                (key: "202", value: ok(
                    "The deployment is still queued or running.",
                    envelope(code: 202, message: nil, messageExample: "배포 결과 조회 성공", data: schemaRef("DeploymentProgress")),
                    examples: [(name: "running", summary: "Running stage 2", value: running)]
                )),
                (key: "400", value: badRequest("Unknown or evicted deployment id.", examples: [
                    (name: "notFound", summary: "Unknown or evicted id",
                     value: errorExample(400, "Deployment Error", "Deployment result not found: dep_zzzzzzzzzz")),
                ])),
            ]
        )
    }

    static var cancelDeployment: OpenAPIJSON {
        operation(
            "post", tag: "Deployments", id: "cancelDeployment", summary: "Cancel a queued or running deployment",
            description: """
                Beyond the original. Stops the deployment (its child processes are killed); it ends with an \
                `error` event and a `FAILED` result. No request body.
                """,
            parameters: [deploymentIdParameter],
            responses: [
                (key: "200", value: ok(
                    "The deployment was cancelled.",
                    envelope(code: 200, message: nil, messageExample: "Deployment cancelled", data: [
                        "type": "object", "nullable": true,
                        "properties": [
                            "deploymentId": ["type": "string", "example": "dep_a1b2c3d4e5"],
                            "status": ["type": "string", "example": "FAILED"],
                        ],
                    ])
                )),
                (key: "400", value: badRequest("Unknown deployment id, or the deployment already finished.", examples: [
                    (name: "unknown", summary: "Unknown id",
                     value: errorExample(400, "Deployment Error", "Deployment not found: dep_zzzzzzzzzz")),
                    (name: "finished", summary: "Already finished",
                     value: errorExample(400, "Deployment Error", "Deployment already finished: dep_a1b2c3d4e5",
                                         extra: [(key: "deploymentId", value: "dep_a1b2c3d4e5")])),
                ])),
            ]
        )
    }

    // MARK: - Operations

    static var health: OpenAPIJSON {
        operation(
            "get", tag: "Operations", id: "health", summary: "Liveness", description: "Always open, even when API keys are enabled.",
            responses: [
                (key: "200", value: ok(
                    "The server is up.",
                    [
                        "type": "object",
                        "required": ["code", "message", "data"],
                        "properties": [
                            "code": ["type": "integer", "enum": [200]],
                            "message": ["type": "string", "enum": ["ok"]],
                            "data": [
                                "type": "object",
                                "required": ["status"],
                                "properties": ["status": ["type": "string", "enum": ["UP"]]],
                            ],
                        ],
                    ],
                    examples: [(name: "up", summary: "Up", value: ["code": 200, "message": "ok", "data": ["status": "UP"]])]
                )),
                (key: "500", value: responseRef("InternalServerError")),
            ],
            secured: false
        )
    }

    static var apiDocs: OpenAPIJSON {
        operation(
            "get", tag: "Operations", id: "getApiDocs", summary: "This OpenAPI 3 document",
            description: "The OpenAPI 3.0.3 document, as JSON.",
            responses: [
                (key: "200", value: ok("The document.", ["type": "object", "required": ["openapi", "info", "paths"]])),
                (key: "500", value: responseRef("InternalServerError")),
            ],
            secured: false
        )
    }

    static var swaggerUIPage: OpenAPIJSON {
        operation(
            "get", tag: "Operations", id: "getSwaggerUI", summary: "Swagger UI",
            description: """
                Swagger UI for this document, served offline: its assets come from this server under \
                `/swagger-ui/` (installed from the `swagger-ui-bundle` pip package by `make vendor`), never \
                from a CDN. Without the assets the page says so and links to `/api-docs`.
                """,
            responses: [
                (key: "200", value: [
                    "description": "The HTML page.",
                    "content": ["text/html": ["schema": ["type": "string"]]],
                ]),
                (key: "500", value: responseRef("InternalServerError")),
            ],
            secured: false
        )
    }
}
