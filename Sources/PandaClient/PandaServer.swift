import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A Panda server as the CLI sees it: a base URL and, when the server wants one, an API key
/// (sent as `Authorization: Bearer`, never put in a URL).
public struct PandaServer: Sendable {
    public let baseURL: URL
    let apiKey: String?

    public init(baseURL: URL, apiKey: String?) {
        self.baseURL = baseURL
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A reply whose `data` the caller reads; error bodies have already become ``ClientError``s.
    public struct Reply: Sendable {
        public let status: Int
        public let message: String
        public let data: JSONValue
    }

    func request(_ method: String, _ path: String, query: [(String, String)] = [], body: Data? = nil,
                 headers: [String: String] = [:]) -> URLRequest {
        var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        request.timeoutInterval = 60
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return request
    }

    /// Sends a JSON request and returns the envelope of a 2xx answer.
    public func call(_ method: String, _ path: String, query: [(String, String)] = [],
                     body: [String: String]? = nil) async throws(ClientError) -> Reply {
        let encoded: Data?
        do {
            encoded = try body.map { try JSONEncoder().encode($0) }
        } catch {
            throw .usage("cannot encode the request: \(error)")
        }
        let (data, status) = try await send(request(method, path, query: query, body: encoded))
        return try Self.envelope(status: status, body: data)
    }

    func send(_ request: URLRequest) async throws(ClientError) -> (Data, Int) {
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            guard let http = response as? HTTPURLResponse else { throw ClientError.unreadable("not an HTTP answer") }
            return (data, http.statusCode)
        } catch let error as ClientError {
            throw error
        } catch {
            throw .transport(error.localizedDescription)
        }
    }

    /// The envelope of a 2xx answer, or the error its body describes.
    static func envelope(status: Int, body: Data) throws(ClientError) -> Reply {
        let json = JSONValue.decode(body)
        guard (200..<300).contains(status) else { throw failure(status: status, json: json) }
        guard let json, let data = json["data"] else {
            throw .unreadable("HTTP \(status) without an envelope")
        }
        return Reply(status: status, message: json["message"]?.string ?? "", data: data)
    }

    /// The contract's error body as a ``ClientError``: unknown ids are "not found", the rest refusals.
    static func failure(status: Int, json: JSONValue?) -> ClientError {
        let message = json?["message"]?.string ?? "HTTP \(status)"
        if status == 404 || (status == 400 && Self.isNotFound(message)) { return .notFound(message) }
        return .refused(status: status, message: message)
    }

    /// SPEC section 2: `Deployment result not found: {id}`, `GitHub connection not found`, …
    static func isNotFound(_ message: String) -> Bool {
        message.hasPrefix("Deployment result not found") || message.hasPrefix("Deployment not found")
            || message == "GitHub connection not found" || message == "AWS connection not found"
    }
}
