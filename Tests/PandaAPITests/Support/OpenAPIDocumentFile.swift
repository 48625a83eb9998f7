import Foundation
import Panda
import PandaTestSupport
import Testing
import Tools

/// The checked-in `api/openapi.json`, as the server reads it (tests run from the package root).
enum OpenAPIDocumentFile {
    static let path = PandaConfiguration().docs.openAPIFile

    static func bytes() throws -> Data {
        try #require(FileManager.default.contents(atPath: path), "\(path) not found (run from the package root)")
    }

    static func parsed() throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: bytes()) as? [String: Any])
    }

    /// Every `enum` found under a property named `property`, anywhere in the document.
    static func enums(ofProperty property: String) throws -> [[Any]] {
        var found: [[Any]] = []
        func walk(_ node: Any) {
            if let object = node as? [String: Any] {
                if let properties = object["properties"] as? [String: Any],
                   let schema = properties[property] as? [String: Any], let values = schema["enum"] as? [Any] {
                    found.append(values)
                }
                object.values.forEach(walk)
            } else if let array = node as? [Any] {
                array.forEach(walk)
            }
        }
        walk(try parsed())
        return found
    }
}

/// Validates JSON samples against the document with a real validator
/// (`openapi-schema-validator`, OAS 3.0 rules) plus a check that every key is declared:
/// `Tests/Fixtures/openapi-check/check.py`, run as a child process.
struct OpenAPISchemaCheck {
    struct Sample {
        let name: String
        /// A JSON pointer into the document: a response object or a schema.
        let pointer: String
        let json: [UInt8]
    }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/openapi-check/check.py")

    /// The pointer of `status`'s response of `method path`, e.g. `/paths/~1health/get/responses/200`.
    static func response(_ method: String, _ path: String, _ status: Int) -> String {
        let escaped = path.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
        return "/paths/\(escaped)/\(method.lowercased())/responses/\(status)"
    }

    static func schema(_ name: String) -> String { "/components/schemas/\(name)" }

    /// The problems found per sample name (an empty list: valid).
    static func errors(_ samples: [Sample]) async throws -> [String: [String]] {
        var entries: [[String: Any]] = []
        for sample in samples {
            let instance = try JSONSerialization.jsonObject(with: Data(sample.json), options: [.fragmentsAllowed])
            entries.append(["name": sample.name, "pointer": sample.pointer, "instance": instance])
        }
        let document = URL(fileURLWithPath: OpenAPIDocumentFile.path).path
        let request = try JSONSerialization.data(withJSONObject: ["document": document, "samples": entries])
        let command = Command("python3", arguments: [script.path], environment: .inheritingAll(except: []),
                              stdin: .bytes(Array(request)), timeout: .seconds(60))
        let result = try await TestProcess.run(command)
        let output = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let results = try #require(output["results"] as? [[String: Any]])
        var errors: [String: [String]] = [:]
        for entry in results {
            errors[entry["name"] as? String ?? ""] = entry["errors"] as? [String] ?? ["(unreadable)"]
        }
        return errors
    }

}
