import HTTPServer
import Logging
import Panda

extension ErrorCategory {
    /// The one place where a kind of failure becomes an HTTP status and `error` label.
    var status: Int {
        switch self {
        case .invalidRequest, .deploymentError: 400
        case .unauthorized: 401
        case .conflict: 409
        case .tooManyRequests: 429
        case .notImplemented: 501
        case .unexpected: 500
        case .unavailable: 503
        }
    }

    var label: String {
        switch self {
        case .invalidRequest: "Bad Request"
        case .deploymentError: "Deployment Error"
        case .unauthorized: "Unauthorized"
        case .conflict: "Conflict"
        case .tooManyRequests: "Too Many Requests"
        case .notImplemented: "Not Implemented"
        case .unexpected: "Internal Server Error"
        case .unavailable: "Service Unavailable"
        }
    }
}

enum ErrorResponses {
    /// Labels for the statuses the HTTP layer produces by itself.
    static func label(for status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Payload Too Large"
        case 415: "Unsupported Media Type"
        case 421: "Misdirected Request"
        case 429: "Too Many Requests"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        default: "Internal Server Error"
        }
    }

    /// For `HTTPServer`'s own answers (404, 405, 413, 421).
    static let responder: ErrorResponder = { status, message in
        response(ErrorBody(status: status, error: label(for: status), message: message))
    }

    static func response(for error: any Error, logger: Logger) -> Response {
        if let refusal = error as? APIRefusal {
            return response(ErrorBody(status: refusal.status, error: label(for: refusal.status), message: refusal.message))
        }
        if let error = error as? any PandaError {
            var body = ErrorBody(status: error.category.status, error: error.category.label, message: error.message)
            body.errorCode = error.errorCode?.rawValue
            if error.category == .unexpected {
                // A known kind of failure of the machine (e.g. a missing tool): its message is safe and useful.
                let typeName = String(describing: type(of: error))
                logger.error("unexpected error", metadata: ["exceptionClass": "\(typeName)", "message": "\(error.message)"])
                body.exceptionClass = typeName
                body.errorCode = body.errorCode ?? ErrorCode.unexpectedError.rawValue
            }
            var response = response(body)
            if let retryAfter = error.retryAfterSeconds {
                response.headers["Retry-After"] = String(retryAfter)
            }
            return response
        }
        // Unexpected: log what happened for operators, answer with the type name only.
        let typeName = String(describing: type(of: error))
        logger.error("unexpected error", metadata: ["exceptionClass": "\(typeName)"])
        var body = ErrorBody(status: 500, error: "Internal Server Error", message: "An unexpected error occurred")
        body.errorCode = ErrorCode.unexpectedError.rawValue
        body.exceptionClass = typeName
        return response(body)
    }

    static func response(_ body: ErrorBody) -> Response {
        .json(body.status, body.json)
    }
}
