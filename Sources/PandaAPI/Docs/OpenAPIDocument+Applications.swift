import Panda

extension OpenAPIDocument {
    // MARK: - Applications (beyond the original: SPEC section 6)

    static func queryParameter(_ name: String, required: Bool, schema: OpenAPIJSON, example: OpenAPIJSON, description: String) -> OpenAPIJSON {
        ["name": .string(name), "in": "query", "required": .bool(required), "description": .string(description),
         "schema": schema, "example": example]
    }

    static let awsConnectionIdQuery = queryParameter(
        "awsConnectionId", required: true, schema: ["type": "string", "minLength": 1], example: "aws_f6g7h8i9j0",
        description: "The AWS connection (account and region) to look in. An unknown id is answered with 400.")

    static var application: OpenAPIJSON {
        let text: OpenAPIJSON = ["type": "string"]
        let nullableText: OpenAPIJSON = ["type": "string", "nullable": true]
        return [
            "type": "object",
            "required": ["owner", "repo", "region", "loadBalancerDns", "productionUrl", "productionSlot", "image", "lastDeploymentId"],
            "properties": [
                "owner": text, "repo": text, "region": text,
                "loadBalancerDns": nullableText, "productionUrl": nullableText,
                "productionSlot": ["type": "string", "nullable": true, "description": "`a` or `b`: the slot serving production."],
                "image": nullableText, "lastDeploymentId": nullableText,
            ],
        ]
    }

    static var listApplications: OpenAPIJSON {
        operation(
            "get", tag: "Applications", id: "listApplications", summary: "Applications Panda manages in an account and region",
            description: """
                Beyond the original. Found from the `panda:*` tags on their resources (so it works after a restart and \
                for what another Panda deployed); the load balancer's tags say which slot, image and deployment serve production.
                """,
            parameters: [awsConnectionIdQuery],
            responses: [
                (key: "200", value: ok(
                    "The applications, by owner and repository.",
                    envelope(code: 200, message: "애플리케이션 목록 조회 성공", data: [
                        "type": "object", "required": ["apps"], "properties": ["apps": ["type": "array", "items": application]],
                    ]),
                    examples: [(name: "one", summary: "One application", value: [
                        "code": 200, "message": "애플리케이션 목록 조회 성공", "data": ["apps": [[
                            "owner": "octocat", "repo": "hello-world", "region": "ap-northeast-2",
                            "loadBalancerDns": "panda-octocat-hello-world-1a2b3c4d-1.ap-northeast-2.elb.amazonaws.com",
                            "productionUrl": "http://panda-octocat-hello-world-1a2b3c4d-1.ap-northeast-2.elb.amazonaws.com",
                            "productionSlot": "b", "image": "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/octocat-hello-world:octocat-hello-world-main-1700000000",
                            "lastDeploymentId": "dep_k1l2m3n4o5",
                        ]]],
                    ])]
                )),
                (key: "400", value: badRequest("Missing parameter, unknown connection, or AWS refused the lookup.", examples: [
                    (name: "unknownConnection", summary: "Unknown AWS connection",
                     value: errorExample(400, "Deployment Error", "AWS connection not found")),
                ])),
            ]
        )
    }

    static var deleteApplication: OpenAPIJSON {
        let resource: OpenAPIJSON = [
            "type": "object", "required": ["type", "id"],
            "properties": [
                "type": ["type": "string", "enum": .array(AppResource.Kind.allCases.map { .string($0.rawValue) })],
                "id": ["type": "string", "description": "ARN; a security group's id; a log group's or ECR repository's name."],
            ],
        ]
        return operation(
            "delete", tag: "Applications", id: "deleteApplication", summary: "Tear down everything Panda created for an application",
            description: """
                Beyond the original. Runs as a deployment of `kind` `TEARDOWN` (same scheduler, per-application lock, \
                events and result routes): services scaled to 0 and deleted, then listeners, load balancer, target groups, \
                security groups, log group and task definitions; the ECR repository only with `deleteImages=true`. \
                `resources` lists what was found when the request was accepted. With `dryRun=true` nothing is deleted \
                and `deploymentId` is null. A resource already gone is not an error; a second teardown completes with \
                an empty list. 409 `APP_BUSY` while a deployment of the application is queued or running.
                """,
            parameters: [
                pathParameter("owner", example: "octocat", description: "The repository's owner, as on GitHub."),
                pathParameter("repo", example: "hello-world", description: "The repository's name, as on GitHub."),
                awsConnectionIdQuery,
                queryParameter("deleteImages", required: false, schema: ["type": "string", "enum": ["true", "false"], "default": "false"],
                               example: "false", description: "Also delete the ECR repository and its images."),
                queryParameter("dryRun", required: false, schema: ["type": "string", "enum": ["true", "false"], "default": "false"],
                               example: "true", description: "List what would be deleted; delete nothing."),
            ],
            responses: [
                (key: "200", value: ok(
                    "Teardown started (or, for a dry run, what it would delete).",
                    envelope(code: 200, message: "애플리케이션 삭제가 시작되었습니다.", data: [
                        "type": "object", "required": ["deploymentId", "kind", "resources"],
                        "properties": [
                            "deploymentId": ["type": "string", "nullable": true, "pattern": "^dep_[a-z0-9]{10}$"],
                            "kind": ["type": "string", "enum": ["TEARDOWN"]],
                            "resources": ["type": "array", "items": resource],
                        ],
                    ]),
                    examples: [(name: "started", summary: "Teardown started", value: [
                        "code": 200, "message": "애플리케이션 삭제가 시작되었습니다.", "data": [
                            "deploymentId": "dep_p6q7r8s9t0", "kind": "TEARDOWN",
                            "resources": [["type": "logs:log-group", "id": "/ecs/panda/octocat-hello-world"]],
                        ],
                    ])]
                )),
                (key: "400", value: badRequest("Bad parameter, unknown connection, or AWS refused the lookup.", examples: [
                    (name: "unknownConnection", summary: "Unknown AWS connection",
                     value: errorExample(400, "Deployment Error", "AWS connection not found")),
                ])),
                (key: "409", value: errorResponse(
                    409, "Conflict", description: "A deployment of the application is queued or running.",
                    message: "Application octocat/hello-world is busy: deployment dep_k1l2m3n4o5 is IN_PROGRESS",
                    requiring: ["errorCode"], extra: [(key: "errorCode", value: "APP_BUSY")])),
            ]
        )
    }
}
