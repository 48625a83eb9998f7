extension OpenAPIDocument {
    typealias Example = (name: String, summary: String, value: OpenAPIJSON)

    /// The error body with `status` pinned and, when given, `error` limited to `labels`.
    static func errorSchema(status: Int, labels: [String]?, requiring: [String] = []) -> OpenAPIJSON {
        var properties: [(key: String, value: OpenAPIJSON)] = [(key: "status", value: ["type": "integer", "enum": [.int(status)]])]
        if let labels {
            properties.append((key: "error", value: ["type": "string", "enum": .array(labels.map { .string($0) })]))
        }
        var constraints: [(key: String, value: OpenAPIJSON)] = [(key: "properties", value: .object(properties))]
        if !requiring.isEmpty {
            constraints.insert((key: "required", value: .array(requiring.map { .string($0) })), at: 0)
        }
        return ["allOf": [schemaRef("ErrorBody"), .object(constraints)]]
    }

    /// A 400 answer with this operation's own messages as examples.
    static func badRequest(_ description: String, examples: [Example], headers: OpenAPIJSON? = nil) -> OpenAPIJSON {
        let fieldExample: Example = (
            name: "invalidField", summary: "Malformed JSON or a missing/invalid field",
            value: errorExample(400, "Bad Request", "Missing required field: owner")
        )
        var members: [(key: String, value: OpenAPIJSON)] = [(key: "description", value: .string(description))]
        if let headers { members.append((key: "headers", value: headers)) }
        members.append((key: "content", value: jsonContent(
            errorSchema(status: 400, labels: ["Deployment Error", "Bad Request"]),
            examples: examples + [fieldExample]
        )))
        return .object(members)
    }

    /// An error answer whose body must carry `status` and `label`.
    static func errorResponse(_ status: Int, _ label: String, description: String, message: String,
                              requiring: [String] = [], extra: [(key: String, value: OpenAPIJSON)] = [],
                              headers: OpenAPIJSON? = nil) -> OpenAPIJSON {
        var members: [(key: String, value: OpenAPIJSON)] = [(key: "description", value: .string(description))]
        if let headers { members.append((key: "headers", value: headers)) }
        members.append((key: "content", value: jsonContent(
            errorSchema(status: status, labels: [label], requiring: requiring),
            examples: [(name: "example", summary: description,
                        value: errorExample(status, label, message, extra: extra))]
        )))
        return .object(members)
    }

    /// Error answers shared by many operations, under `components/responses`.
    static var sharedResponses: OpenAPIJSON {
        [
            "BadRequest": badRequest("Malformed request or unknown id.", examples: []),
            "Unauthorized": errorResponse(
                401, "Unauthorized", description: "API-key authentication is enabled and the request carries no valid key.",
                message: "A valid API key is required: Authorization: Bearer <key>",
                headers: ["WWW-Authenticate": ["description": "`Bearer`", "schema": ["type": "string"]]]
            ),
            "NotFound": errorResponse(
                404, "Not Found", description: "No route matches (for example an empty path segment).",
                message: "No route for GET /api/v1/deploy//result"
            ),
            "MethodNotAllowed": errorResponse(
                405, "Method Not Allowed", description: "Known route, wrong method. Any route answers this for a method it does not list.",
                message: "Method DELETE not allowed",
                headers: ["Allow": ["$ref": "#/components/headers/Allow"]]
            ),
            "PayloadTooLarge": errorResponse(
                413, "Payload Too Large", description: "The body is over the configured limit (default 64 KiB).",
                message: "Request body exceeds 65536 bytes"
            ),
            "UnsupportedMediaType": errorResponse(
                415, "Unsupported Media Type", description: "The POST body is not JSON (`Content-Type` other than `application/json`).",
                message: "Content-Type must be application/json, got 'text/plain'"
            ),
            "InternalServerError": errorResponse(
                500, "Internal Server Error", description: "Anything unexpected. `exceptionClass` is set; never a stack trace or a secret.",
                message: "An unexpected error occurred", requiring: ["exceptionClass"],
                extra: [(key: "errorCode", value: "UNEXPECTED_ERROR"), (key: "exceptionClass", value: "CocoaError")]
            ),
            "ServiceUnavailable": errorResponse(
                503, "Service Unavailable",
                description: "Panda cannot take this write now: it is shutting down (new deployments are refused while running "
                    + "ones finish), or its storage refuses writes (disk full). Nothing already stored is lost; retry after `Retry-After` seconds.",
                message: "Storage unavailable: the disk is full",
                headers: ["Retry-After": ["$ref": "#/components/headers/RetryAfter"]]
            ),
            "NotImplemented": errorResponse(
                501, "Not Implemented", description: "The feature's domain work is not built yet; answered in the error shape.",
                message: "Deployments are not implemented yet"
            ),
        ]
    }

    /// Responses every `/api/v1` operation can give besides its own.
    static func commonErrors(post: Bool, pathParameter: Bool) -> [(key: String, value: OpenAPIJSON)] {
        var errors: [(key: String, value: OpenAPIJSON)] = [(key: "401", value: responseRef("Unauthorized"))]
        if pathParameter { errors.append((key: "404", value: responseRef("NotFound"))) }
        if post {
            errors.append((key: "413", value: responseRef("PayloadTooLarge")))
            errors.append((key: "415", value: responseRef("UnsupportedMediaType")))
        }
        errors.append((key: "500", value: responseRef("InternalServerError")))
        errors.append((key: "501", value: responseRef("NotImplemented")))
        return errors
    }
}
