import Foundation
import Panda

/// The contract's error body (SPEC section 1). Optional fields appear only when they apply.
struct ErrorBody: Encodable {
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
}
