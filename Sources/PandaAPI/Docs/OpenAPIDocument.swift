/// The OpenAPI 3.0.3 description of every route in SPEC.md, served at `GET /api-docs`.
///
/// It is precise enough for `schemathesis` to fuzz the server from it and validate
/// every answer: request bodies carry `required`, types and length limits (the API
/// layer must reject what they exclude with 400 `Bad Request`), responses carry the
/// exact success messages as single-value enums and the error body schema for every
/// status the route can produce.
public enum OpenAPIDocument {
    /// The document as compact UTF-8 JSON. `serverURL` (e.g. `http://localhost:8080`)
    /// becomes the only entry of `servers`; `nil` leaves `servers` out, so clients
    /// resolve paths against the origin they fetched the document from.
    public static func json(serverURL: String?) -> [UInt8] {
        document(serverURL: serverURL).bytes
    }

    /// The `Content-Type` to serve `json(serverURL:)` with.
    public static let contentType = "application/json; charset=utf-8"

    static func document(serverURL: String?) -> OpenAPIJSON {
        var members: [(key: String, value: OpenAPIJSON)] = [
            (key: "openapi", value: "3.0.3"),
            (key: "info", value: info),
        ]
        if let serverURL {
            members.append((key: "servers", value: [["url": .string(serverURL)]]))
        }
        members += [
            (key: "tags", value: tags),
            (key: "paths", value: paths),
            (key: "components", value: components),
        ]
        return .object(members)
    }

    /// Length limits of request fields, as `JSONRequestBody`/`RequestDTOs` enforce them today
    /// (they count UTF-8 bytes; `maxLength` counts characters, which is never stricter). The
    /// document states them as `maxLength`, so schemathesis sends one character more and
    /// expects 400: change both together.
    enum Limit {
        static let field = 4096          // owner, repo, branch, token, region, keys
        static let connectionId = 64
        static let sessionToken = 8192
    }

    // MARK: - Top level

    static let info: OpenAPIJSON = [
        "title": "Panda",
        "version": "1.0.0",
        "description": .string(infoDescription),
        "license": ["name": "Proprietary"],
    ]

    static let infoDescription = """
        Panda deploys a GitHub repository's Dockerfile to the caller's own AWS account: \
        clone → `docker build` → push to ECR → ECS → blue/green switch behind an \
        Application Load Balancer, with live progress over Server-Sent Events and a final result.

        **Success envelope.** Every JSON success is `{"code": <HTTP status>, "message": "<human message>", "data": {…}}`.

        **Error body.** Every 4xx/5xx is `{"timestamp": "yyyy-MM-ddTHH:mm:ss" (UTC), "status", "error", "message"}` \
        plus, when they apply, `deploymentId`, `stage`, `errorCode`, `durationSeconds`, `timeoutSeconds`, \
        `exceptionClass` (500 only; never a stack trace or a secret). `error` labels: 400 `Deployment Error` \
        (validation against GitHub/AWS failed, unknown id, queue full) or `Bad Request` (malformed JSON, \
        missing or invalid field; the message names the field), 401 `Unauthorized`, 404 `Not Found` (unknown route), \
        405 `Method Not Allowed` (known route, wrong method; `Allow` header set), 413 `Payload Too Large` \
        (body over the limit, default 64 KiB), 415 `Unsupported Media Type` (POST body that is not JSON), \
        500 `Internal Server Error`, 501 `Not Implemented` (a feature whose domain work is not built yet). \
        408 `Deployment Timeout` is reserved: deployments are asynchronous, so a timeout shows as the `error` \
        event and a `FAILED` result with `errorCode` `DEPLOYMENT_TIMEOUT`.

        **Authentication.** Off by default. When API keys are enabled in the configuration, every \
        `/api/v1` route needs `Authorization: Bearer <key>` (the SSE route also accepts `?access_token=<key>`, \
        since `EventSource` cannot set headers) and answers 401 in the error shape without it. \
        `/health`, `/api-docs` and `/swagger-ui.html` stay open.

        **CORS.** Browser dashboards on other origins are supported: the server answers `OPTIONS` preflights \
        and sets `Access-Control-Allow-Origin` for the configured origins.

        **IDs.** `gh_`, `aws_` or `dep_` followed by 10 random `[a-z0-9]` characters from a cryptographic \
        source, e.g. `gh_a1b2c3d4e5`. Lookups take any string: an unknown id is answered with 400, not 404.

        **Credentials** (GitHub tokens, AWS keys) are never logged and never returned by any endpoint.
        """

    static let tags: OpenAPIJSON = [
        ["name": "Connections", "description": "Validate and register GitHub and AWS credentials."],
        ["name": "Deployments", "description": "Start deployments, follow them live, read their results."],
        ["name": "Applications", "description": "What Panda manages in an account, found from tags; tear an application down."],
        ["name": "Operations", "description": "Health, this document and Swagger UI."],
    ]

    static var components: OpenAPIJSON {
        [
            "securitySchemes": [
                "bearerAuth": [
                    "type": "http",
                    "scheme": "bearer",
                    "description": """
                        API key, required only when API-key authentication is enabled in the \
                        configuration (off by default). Without a valid key the /api/v1 routes answer 401.
                        """,
                ],
            ],
            "schemas": schemas,
            "responses": sharedResponses,
            "headers": [
                "RetryAfter": [
                    "description": "Seconds to wait before retrying (queue full).",
                    "schema": ["type": "integer", "minimum": 0],
                ],
                "Allow": [
                    "description": "The methods the route supports, e.g. `GET, OPTIONS`.",
                    "schema": ["type": "string"],
                ],
            ],
        ]
    }

    // MARK: - Small builders

    static func schemaRef(_ name: String) -> OpenAPIJSON {
        ["$ref": .string("#/components/schemas/\(name)")]
    }

    static func responseRef(_ name: String) -> OpenAPIJSON {
        ["$ref": .string("#/components/responses/\(name)")]
    }

    /// `{"application/json": {schema, examples}}`.
    static func jsonContent(_ schema: OpenAPIJSON, examples: [(name: String, summary: String, value: OpenAPIJSON)] = []) -> OpenAPIJSON {
        var media: [(key: String, value: OpenAPIJSON)] = [(key: "schema", value: schema)]
        if !examples.isEmpty {
            media.append((key: "examples", value: .object(examples.map {
                (key: $0.name, value: ["summary": .string($0.summary), "value": $0.value])
            })))
        }
        return ["application/json": .object(media)]
    }

    /// A string property with the usual request-field constraints.
    static func requestString(maxLength: Int, example: String, description: String, nullable: Bool = false, minLength: Int = 1) -> OpenAPIJSON {
        var members: [(key: String, value: OpenAPIJSON)] = [
            (key: "type", value: "string"),
            (key: "minLength", value: .int(minLength)),
            (key: "maxLength", value: .int(maxLength)),
        ]
        if nullable { members.append((key: "nullable", value: true)) }
        members += [
            (key: "description", value: .string(description)),
            (key: "example", value: .string(example)),
        ]
        return .object(members)
    }

    /// A success envelope whose `code` and (when given) `message` are pinned to single values.
    static func envelope(code: Int, message: String?, messageExample: String? = nil, data: OpenAPIJSON) -> OpenAPIJSON {
        let messageSchema: OpenAPIJSON = if let message {
            ["type": "string", "enum": [.string(message)], "example": .string(message)]
        } else {
            ["type": "string", "example": .string(messageExample ?? "")]
        }
        return [
            "type": "object",
            "required": ["code", "message", "data"],
            "properties": [
                "code": ["type": "integer", "enum": [.int(code)], "description": "Equals the HTTP status."],
                "message": messageSchema,
                "data": data,
            ],
        ]
    }

    static let exampleTimestamp: OpenAPIJSON = "2024-01-01T12:00:00"

    /// An example error body.
    static func errorExample(_ status: Int, _ error: String, _ message: String, extra: [(key: String, value: OpenAPIJSON)] = []) -> OpenAPIJSON {
        .object([
            (key: "timestamp", value: exampleTimestamp),
            (key: "status", value: .int(status)),
            (key: "error", value: .string(error)),
            (key: "message", value: .string(message)),
        ] + extra)
    }
}
