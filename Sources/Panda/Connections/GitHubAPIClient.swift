import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Tools

/// What GitHub says about a repository and one of its branches.
public struct GitHubRepositoryInfo: Sendable, Equatable {
    public let fullName: String
    public let defaultBranch: String
    public let headCommitSHA: String
}

/// Reads the GitHub REST API (or GitHub Enterprise's) to check a token, a repository and a branch.
/// Every failure is a ``DeploymentError`` with the contract's `GitHub connection failed: …` message.
final class GitHubAPIClient: Sendable {
    private let baseURL: String
    private let timeout: Duration
    private let session: URLSession

    init(baseURL: String, timeoutSeconds: Int) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        timeout = .seconds(timeoutSeconds)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = TimeInterval(timeoutSeconds)
        configuration.timeoutIntervalForResource = TimeInterval(timeoutSeconds)
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration, delegate: SameOriginRedirects(), delegateQueue: nil)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    static func failure(_ reason: String) -> DeploymentError {
        DeploymentError("GitHub connection failed: \(reason)")
    }

    func inspect(owner: String, repo: String, branch: String, token: Secret) async throws(DeploymentError) -> GitHubRepositoryInfo {
        let repoPath = "/repos/\(owner)/\(repo)"
        let repository = try await get(repoPath, token: token, notFound: "Repository not found: \(owner)/\(repo)")
        return GitHubRepositoryInfo(
            fullName: repository["full_name"] as? String ?? "\(owner)/\(repo)",
            defaultBranch: repository["default_branch"] as? String ?? "",
            headCommitSHA: try await branchHead(owner: owner, repo: repo, branch: branch, token: token)
        )
    }

    /// The head commit of `branch`; `Branch not found: …` when it does not exist.
    func branchHead(owner: String, repo: String, branch: String, token: Secret) async throws(DeploymentError) -> String {
        let branchInfo = try await get(
            "/repos/\(owner)/\(repo)/branches/\(Self.encodePathSegment(branch))", token: token, notFound: "Branch not found: \(branch)")
        let commit = branchInfo["commit"] as? [String: Any]
        return commit?["sha"] as? String ?? ""
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters, so `/` becomes `%2F`.
    static func encodePathSegment(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            if ConnectionInputRules.isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~") {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    private func get(_ path: String, token: Secret, notFound: String) async throws(DeploymentError) -> [String: Any] {
        guard let url = URL(string: baseURL + path) else { throw Self.failure("Invalid GitHub API URL") }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: TimeInterval(timeout.components.seconds))
        request.httpMethod = "GET"
        request.setValue("application/vnd.github+json", forHTTPHeaderField: "Accept")
        request.setValue("2022-11-28", forHTTPHeaderField: "X-GitHub-Api-Version")
        request.setValue("panda", forHTTPHeaderField: "User-Agent")
        request.setValue("Bearer \(token.reveal())", forHTTPHeaderField: "Authorization")

        let (data, response) = try await fetch(request)
        let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        switch response.statusCode {
        case 200..<300:
            return body
        case 401:
            throw Self.failure("Bad credentials")
        case 404:
            throw Self.failure(notFound)
        case 403, 429:
            if response.statusCode == 429 || Self.header("X-RateLimit-Remaining", in: response) == "0" {
                throw Self.failure(Self.rateLimitReason(response))
            }
            throw Self.failure(Self.gitHubMessage(body, token: token) ?? "Access forbidden (HTTP 403)")
        default:
            let detail = Self.gitHubMessage(body, token: token).map { ": \($0)" } ?? ""
            throw Self.failure("GitHub answered HTTP \(response.statusCode)\(detail)")
        }
    }

    /// One request with a hard deadline on top of URLSession's own timeouts.
    private func fetch(_ request: URLRequest) async throws(DeploymentError) -> (Data, HTTPURLResponse) {
        let session = self.session
        let timeout = self.timeout
        let outcome: (Data, URLResponse)?
        do {
            outcome = try await withThrowingTaskGroup(of: (Data, URLResponse)?.self) { group in
                group.addTask { try await session.data(for: request) }
                group.addTask {
                    try await Task.sleep(for: timeout + .milliseconds(500))
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
        } catch {
            throw Self.failure("Connection timeout")
        }
        guard let (data, response) = outcome, let http = response as? HTTPURLResponse else {
            throw Self.failure("Connection timeout")
        }
        return (data, http)
    }

    private static func header(_ name: String, in response: HTTPURLResponse) -> String? {
        let wanted = name.lowercased()
        for (key, value) in response.allHeaderFields where "\(key)".lowercased() == wanted {
            return "\(value)".trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    static func rateLimitReason(_ response: HTTPURLResponse) -> String {
        if let reset = header("X-RateLimit-Reset", in: response).flatMap(TimeInterval.init) {
            return "API rate limit exceeded (resets at \(UTCTimestamp.string(from: Date(timeIntervalSince1970: reset))) UTC)"
        }
        if let retryAfter = header("Retry-After", in: response).flatMap(Int.init) {
            return "API rate limit exceeded (retry after \(retryAfter) seconds)"
        }
        return "API rate limit exceeded"
    }

    /// GitHub's own `message`, one line, bounded, with the token masked should it ever appear.
    private static func gitHubMessage(_ body: [String: Any], token: Secret) -> String? {
        guard var message = body["message"] as? String, !message.isEmpty else { return nil }
        message = message.replacingOccurrences(of: token.reveal(), with: "***")
        message = String(message.map { $0.isNewline ? " " : $0 }.prefix(200))
        return message
    }
}

/// Follows a redirect only within the same scheme, host and port, so the token never travels elsewhere.
private final class SameOriginRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        let from = task.originalRequest?.url
        let to = request.url
        let same = from?.scheme == to?.scheme && from?.host == to?.host && from?.port == to?.port
        completionHandler(same ? request : nil)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
