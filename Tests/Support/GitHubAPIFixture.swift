import Foundation
import HTTPServer
import Logging
import Synchronization

/// An HTTP server (our own HTTPServer, port 0) that answers like the GitHub REST API for
/// `GET /repos/{owner}/{repo}` and `GET /repos/{owner}/{repo}/branches/{branch}`.
///
/// - A token it does not know gets 401 with GitHub's JSON; `Bearer` and `token` schemes both work.
/// - A repository that does not exist, or that the token may not see, gets 404 `Not Found`.
/// - An unknown branch gets 404 `Branch not found`.
/// - A token listed in ``rateLimitedTokens`` gets 403 with `X-RateLimit-Remaining: 0` and a reset time.
public final class GitHubAPIFixture: Sendable {
    public struct Repository: Sendable {
        public var owner: String
        public var name: String
        public var defaultBranch: String
        /// Branch name → head commit SHA.
        public var branches: [String: String]
        /// `nil`: public (every valid token sees it); otherwise only these tokens.
        public var visibleTo: Set<String>?

        public init(owner: String, name: String, defaultBranch: String = "main", branches: [String: String], visibleTo: Set<String>? = nil) {
            self.owner = owner
            self.name = name
            self.defaultBranch = defaultBranch
            self.branches = branches
            self.visibleTo = visibleTo
        }
    }

    /// One request as the fixture saw it.
    public struct Seen: Sendable {
        public let path: String
        public let headers: [String: String]
    }

    public static let rateLimitReset = 1_704_110_400  // 2024-01-01T12:00:00Z

    private let server: HTTPServer
    private let seen: SeenLog

    public var baseURL: String { "http://127.0.0.1:\(server.port)" }
    public var requests: [Seen] { seen.items.withLock { $0 } }

    public init(tokens: Set<String>, rateLimitedTokens: Set<String> = [], repositories: [Repository]) throws {
        let seen = SeenLog()
        self.seen = seen
        let byName = Dictionary(repositories.map { ("\($0.owner)/\($0.name)".lowercased(), $0) }, uniquingKeysWith: { $1 })

        @Sendable func json(_ status: Int, _ object: [String: Any], headers: [String: String] = [:]) -> Reply {
            var response = Response.json(status, Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()))
            for (name, value) in headers { response.headers[name] = value }
            return .now(response)
        }
        let documentation = "https://docs.github.com/rest"

        /// The repository a request may see, or the answer that refuses it.
        @Sendable func authorize(_ request: Request) -> Result<Repository, ReplyBox> {
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.lowercased()] = field.value }
            seen.items.withLock { $0.append(Seen(path: request.path, headers: headers)) }
            let authorization = request.headers["Authorization"] ?? ""
            let token: String? = if authorization.hasPrefix("Bearer ") {
                String(authorization.dropFirst(7))
            } else if authorization.hasPrefix("token ") {
                String(authorization.dropFirst(6))
            } else { nil }
            if let token, rateLimitedTokens.contains(token) {
                return .failure(ReplyBox(reply: json(403, [
                    "message": "API rate limit exceeded for user ID 1.", "documentation_url": documentation,
                ], headers: [
                    "X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Used": "5000",
                    "X-RateLimit-Reset": "\(GitHubAPIFixture.rateLimitReset)",
                ])))
            }
            guard let token, tokens.contains(token) else {
                return .failure(ReplyBox(reply: json(401, ["message": "Bad credentials", "documentation_url": documentation, "status": "401"])))
            }
            let key = "\(request.pathParameter("owner"))/\(request.pathParameter("repo"))".lowercased()
            guard let repository = byName[key], repository.visibleTo?.contains(token) ?? true else {
                return .failure(ReplyBox(reply: json(404, ["message": "Not Found", "documentation_url": documentation, "status": "404"])))
            }
            return .success(repository)
        }

        var router = Router()
        router.get("/repos/{owner}/{repo}") { request in
            switch authorize(request) {
            case .failure(let refusal): return refusal.reply
            case .success(let repository):
                return json(200, [
                    "id": 1, "name": repository.name, "full_name": "\(repository.owner)/\(repository.name)",
                    "private": repository.visibleTo != nil, "default_branch": repository.defaultBranch,
                    "permissions": ["admin": false, "push": false, "pull": true],
                ])
            }
        }
        router.get("/repos/{owner}/{repo}/branches/{branch}") { request in
            switch authorize(request) {
            case .failure(let refusal): return refusal.reply
            case .success(let repository):
                let name = request.pathParameter("branch")
                guard let sha = repository.branches[name] else {
                    return json(404, ["message": "Branch not found", "documentation_url": documentation, "status": "404"])
                }
                return json(200, ["name": name, "commit": ["sha": sha, "url": "https://api.github.com/x"], "protected": false])
            }
        }
        var logger = Logger(label: "github-fixture")
        logger.logLevel = .error
        server = HTTPServer(
            configuration: ServerConfiguration(address: "127.0.0.1", port: 0, shutdownGracePeriod: .seconds(1)),
            router: router, logger: logger,
            errorResponder: { status, _ in
                Response.json(status, Array(#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}"#.utf8))
            })
        try server.start()
    }

    public func stop() async {
        await server.shutdown()
    }

    /// Runs `body` with a started fixture and stops it afterwards.
    public static func with<Result>(
        tokens: Set<String>, rateLimitedTokens: Set<String> = [], repositories: [Repository],
        _ body: (GitHubAPIFixture) async throws -> Result
    ) async throws -> Result {
        let fixture = try GitHubAPIFixture(tokens: tokens, rateLimitedTokens: rateLimitedTokens, repositories: repositories)
        do {
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            await fixture.stop()
            throw error
        }
    }
}

final class SeenLog: Sendable {
    let items = Mutex<[GitHubAPIFixture.Seen]>([])
}

/// A refusal carried through `Result` (which needs an `Error`).
struct ReplyBox: Error {
    let reply: Reply
}
