import Testing

/// The statuses the hardening adds are in `api/openapi.json`, in the error shape.
@Suite struct HardeningDocumentationTests {
    @Test func everyOperationDocuments421() throws {
        for (path, method, operation) in try OpenAPIDocumentTests.operations() {
            let response = try OpenAPIDocumentTests.response("421", of: operation)
            #expect(OpenAPIDocumentTests.isErrorSchema(OpenAPIDocumentTests.jsonSchema(of: response)), "\(method) \(path)")
        }
    }

    @Test func validatingOperationsDocument429WithRetryAfter() throws {
        let validating = ["/api/v1/connect/github", "/api/v1/connect/aws", "/api/v1/deploy"]
        for (path, method, operation) in try OpenAPIDocumentTests.operations() where validating.contains(path) {
            let response = try #require(try OpenAPIDocumentTests.response("429", of: operation), "\(method) \(path)")
            #expect(OpenAPIDocumentTests.isErrorSchema(OpenAPIDocumentTests.jsonSchema(of: response)), "\(method) \(path)")
            #expect((response["headers"] as? [String: Any])?["Retry-After"] != nil, "\(method) \(path)")
        }
    }
}
