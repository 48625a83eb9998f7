import Foundation
import Panda

/// The contract's error body (SPEC section 1). Optional fields appear only when they apply.
struct ErrorBody {
    let timestamp: String
    let status: Int
    let error: String
    let message: String
    var deploymentId: String?
    var stage: Int?
    var errorCode: String?
    var durationSeconds: Int?
    var timeoutSeconds: Int?
    var exceptionClass: String?

    init(status: Int, error: String, message: String, at date: Date = Date()) {
        timestamp = UTCTimestamp.string(from: date)
        self.status = status
        self.error = error
        self.message = message
    }

    /// Written directly, in SPEC's order: unknown ids are polled as often as results are.
    var json: [UInt8] {
        var writer = JSONObjectWriter()
        writer.add("timestamp", timestamp)
        writer.add("status", status)
        writer.add("error", error)
        writer.add("message", message)
        writer.add("deploymentId", deploymentId)
        writer.add("stage", stage)
        writer.add("errorCode", errorCode)
        writer.add("durationSeconds", durationSeconds)
        writer.add("timeoutSeconds", timeoutSeconds)
        writer.add("exceptionClass", exceptionClass)
        return writer.finished()
    }
}
