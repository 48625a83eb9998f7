import Foundation

/// The checked-in OpenAPI document (`api/openapi.json`): the only description of the API.
/// It is read once when the routes are built and served byte for byte at `/api-docs`;
/// tests hold it against the router, the DTOs, the error codes and the request limits.
struct OpenAPIFile: Sendable {
    let path: String
    /// `nil` when the file is missing or unreadable (Panda started outside the repository
    /// without `docs.openAPIFile` pointing at it).
    let bytes: [UInt8]?

    init(path: String) {
        self.path = path
        bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }
}
