import HTTPServer

/// The contract's success envelope: `code` equals the HTTP status.
struct Envelope<Payload: Encodable>: Encodable {
    let code: Int
    let message: String
    let data: Payload

    static func response(_ status: Int = 200, _ message: String, _ data: Payload) -> Response {
        .json(status, JSON.encode(Envelope(code: status, message: message, data: data)))
    }
}
