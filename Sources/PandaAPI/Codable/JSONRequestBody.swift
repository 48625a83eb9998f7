import Foundation
import HTTPServer
import Panda

/// A request's JSON object, read field by field so that every error names its field.
struct JSONRequestBody {
    private let fields: [String: JSONValue]

    init(_ request: Request) throws {
        let contentType = request.headers["Content-Type"]
        if request.body.isEmpty, contentType == nil {
            throw InvalidRequest("Request body is required (a JSON object)")
        }
        guard let contentType, Self.isJSON(contentType) else {
            throw APIRefusal.unsupportedMediaType(contentType)
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(request.body)) else {
            throw InvalidRequest("Malformed JSON in request body")
        }
        guard case .object(let fields) = value else {
            throw InvalidRequest("Request body must be a JSON object")
        }
        self.fields = fields
    }

    func requiredString(_ name: String) throws -> String {
        let maxLength = RequestLimits.maxLength(of: name)
        guard let value = fields[name], value != .null else { throw InvalidRequest.missingField(name) }
        guard case .string(let text) = value else { throw InvalidRequest.invalidField(name, "must be a string") }
        guard !text.isEmpty else { throw InvalidRequest.invalidField(name, "must not be empty") }
        guard text.utf8.count <= maxLength else {
            throw InvalidRequest.invalidField(name, "must be at most \(maxLength) bytes")
        }
        return text
    }

    /// Absent, `null` and `""` all mean "not given".
    func optionalString(_ name: String) throws -> String? {
        let maxLength = RequestLimits.maxLength(of: name)
        guard let value = fields[name], value != .null else { return nil }
        guard case .string(let text) = value else { throw InvalidRequest.invalidField(name, "must be a string") }
        guard text.utf8.count <= maxLength else {
            throw InvalidRequest.invalidField(name, "must be at most \(maxLength) bytes")
        }
        return text.isEmpty ? nil : text
    }

    private static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }
}
