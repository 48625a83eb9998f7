// What the fuzzers exercise: untrusted bytes where they enter Panda. Each target feeds one
// input through the real code and checks properties that must hold for every input; a
// broken property is reported (the libFuzzer driver turns it into a crash), and a crash
// or trap in the code under test is a failure by itself.
import Foundation
import Logging
@testable import HTTPServer
@testable import Panda
@testable import PandaAPI

public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A POST body as each JSON route reads it, then the core's input rules.
    case jsonBody = "json-body"
    /// A request target (path and query) as routing and percent-decoding see it.
    case path
    /// A `Last-Event-ID` header against an event log, and an event through SSE framing.
    case lastEventID = "last-event-id"

    /// Runs one input; returns the property it broke, or nil.
    public func check(_ input: [UInt8]) -> String? {
        switch self {
        case .jsonBody: JSONBodyTarget.check(input)
        case .path: PathTarget.check(input)
        case .lastEventID: LastEventIDTarget.check(input)
        }
    }
}

/// The text libmicrohttpd hands over for header values and URLs: up to the first NUL,
/// invalid UTF-8 repaired (as `String(cString:)` does on the server thread).
func cString(_ bytes: some Collection<UInt8>) -> String {
    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
}

/// Every error answer must be a 4xx in the contract's shape, with valid JSON whatever the input was.
func checkErrorResponse(_ response: Response, allowed: Set<Int>) -> String? {
    guard allowed.contains(response.status) else { return "status \(response.status) not in \(allowed.sorted())" }
    guard case .bytes(let body) = response.body,
          let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
        return "error body is not a JSON object"
    }
    guard object["status"] as? Int == response.status, object["error"] is String, object["message"] is String,
          let timestamp = object["timestamp"] as? String, timestamp.utf8.count == 19 else {
        return "error body lacks the contract's fields: \(object)"
    }
    return nil
}

let fuzzLogger: Logger = {
    var logger = Logger(label: "fuzz")
    logger.logLevel = .critical
    return logger
}()
