import Foundation
import HTTPServer
import Logging
import Synchronization
import Tools

/// GitHub-like git hosting over HTTP for tests: our own ``HTTPServer`` on a free
/// loopback port that demands Basic auth with the token as password (any user name,
/// e.g. `x-access-token`) and hands smart-HTTP requests to `git http-backend` (CGI).
///
/// Repositories live at `/{owner}/{repo}.git` (also reachable without `.git`); an
/// unknown repository is 404, so `git clone` reports `repository '…' not found`, and
/// a wrong token is 401 again after the client's credentials, so git reports
/// `Authentication failed`. Create repositories with
/// ``makeRepository(owner:repo:branch:files:symlinks:executableFiles:message:)``.
///
/// Every git command the fixture runs gets `GIT_CONFIG_GLOBAL=/dev/null` and
/// `GIT_CONFIG_NOSYSTEM=1` (this machine's global config rewrites GitHub URLs).
public final class GitFixture: Sendable {
    /// The password every request must carry.
    public let token: Secret
    /// `GIT_PROJECT_ROOT`: bare repositories at `root/OWNER/REPO.git`.
    public let root: URL
    /// Work trees the fixture commits in, at `workRoot/OWNER/REPO`.
    let workRoot: URL
    let directory: TestTemporaryDirectory
    let writer = RepositoryWriter()
    private let server: HTTPServer
    private let log = Mutex<[LoggedRequest]>([])
    private let delay = Mutex<Duration>(.zero)

    /// One request as the fixture saw it.
    public struct LoggedRequest: Sendable, Hashable {
        public var method: String
        public var path: String
        public var user: String?
        public var status: Int
    }

    public var port: UInt16 { server.port }
    /// `http://127.0.0.1:PORT`
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `http://127.0.0.1:PORT/OWNER/REPO.git`
    public func cloneURL(owner: String, repo: String) -> String {
        "\(baseURL)/\(owner)/\(repo).git"
    }

    /// Makes every later answer wait `duration` first (to test clone timeouts); `.zero` undoes it.
    public func setResponseDelay(_ duration: Duration) {
        delay.withLock { $0 = duration }
    }

    /// Every request so far, in order of completion.
    public var requests: [LoggedRequest] {
        log.withLock { $0 }
    }

    private init(token: Secret, directory: TestTemporaryDirectory, server: HTTPServer) {
        self.token = token
        self.directory = directory
        self.root = directory.appending("repositories")
        self.workRoot = directory.appending("work")
        self.server = server
    }

    /// Starts the server; ready on return.
    public static func start(token: Secret) async throws -> GitFixture {
        let directory = try TestTemporaryDirectory(prefix: "panda-git")
        for folder in ["repositories", "work", "home"] {
            try FileManager.default.createDirectory(at: directory.appending(folder), withIntermediateDirectories: true)
        }
        let box = FixtureBox()
        var router = Router()
        let handler: Handler = { request in
            .later {
                guard let fixture = box.fixture else { return Response(status: 503) }
                return await fixture.handle(request)
            }
        }
        router.get("/{owner}/{repo}/info/refs", handler)
        router.post("/{owner}/{repo}/git-upload-pack", handler)
        router.post("/{owner}/{repo}/git-receive-pack", handler)

        var logger = Logger(label: "panda.test.git-fixture")
        logger.logLevel = .error
        let configuration = ServerConfiguration(
            address: "127.0.0.1",
            port: 0,
            idleTimeoutSeconds: 30,
            maxBodyBytes: 512 << 20,
            shutdownGracePeriod: .seconds(2)
        )
        let server = HTTPServer(configuration: configuration, router: router, logger: logger) { status, message in
            Response(status: status, contentType: "text/plain; charset=utf-8", body: Array("\(message)\n".utf8))
        }
        let fixture = GitFixture(token: token, directory: directory, server: server)
        box.fixture = fixture
        do {
            try server.start()
        } catch {
            directory.remove()
            throw error
        }
        return fixture
    }

    /// Stops the server and removes every repository.
    public func stop() async {
        await server.shutdown()
        directory.remove()
    }

    // MARK: Requests

    private func handle(_ request: Request) async -> Response {
        let wait = delay.withLock { $0 }
        if wait > .zero { try? await Task.sleep(for: wait) }
        let user = authenticatedUser(request)
        let response = await answer(request, user: user)
        log.withLock {
            $0.append(LoggedRequest(method: request.method, path: request.path, user: user, status: response.status))
        }
        return response
    }

    private func answer(_ request: Request, user: String?) async -> Response {
        guard let user else {
            var response = Response(
                status: 401, contentType: "text/plain; charset=utf-8",
                body: Array("Invalid username or token. Password authentication is not supported for Git operations.\n".utf8))
            response.headers["WWW-Authenticate"] = #"Basic realm="GitHub""#
            return response
        }
        let owner = request.pathParameter("owner")
        var repo = request.pathParameter("repo")
        if repo.hasSuffix(".git") { repo.removeLast(4) }
        guard Self.isValidName(owner), Self.isValidName(repo),
              FileManager.default.fileExists(atPath: repositoryPath(owner: owner, repo: repo).appendingPathComponent("HEAD").path)
        else {
            return Response(status: 404, contentType: "text/plain; charset=utf-8", body: Array("Repository not found.\n".utf8))
        }
        let action = String(request.path.split(separator: "/").dropFirst(2).joined(separator: "/"))
        return await runBackend(request, pathInfo: "/\(owner)/\(repo).git/\(action)", user: user)
    }

    /// The user name when the Basic credentials carry the token as password.
    private func authenticatedUser(_ request: Request) -> String? {
        guard let header = request.headers["Authorization"], header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let credentials = String(data: decoded, encoding: .utf8),
              let colon = credentials.firstIndex(of: ":")
        else { return nil }
        let user = String(credentials[..<colon])
        let password = String(credentials[credentials.index(after: colon)...])
        guard password == token.reveal(), !password.isEmpty else { return nil }
        return user.isEmpty ? "x-access-token" : user
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".")
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// Runs `git http-backend` as a CGI script and turns its output into a response.
    private func runBackend(_ request: Request, pathInfo: String, user: String) async -> Response {
        var environment = Self.gitEnvironment(home: directory.appending("home"))
        environment["GIT_PROJECT_ROOT"] = root.path
        environment["GIT_HTTP_EXPORT_ALL"] = "1"
        environment["GATEWAY_INTERFACE"] = "CGI/1.1"
        environment["SERVER_PROTOCOL"] = "HTTP/1.1"
        environment["REQUEST_METHOD"] = request.method == "HEAD" ? "GET" : request.method
        environment["PATH_INFO"] = pathInfo
        environment["QUERY_STRING"] = request.query
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? $0.value)" }
            .joined(separator: "&")
        environment["REMOTE_USER"] = user
        environment["REMOTE_ADDR"] = "127.0.0.1"
        environment["CONTENT_LENGTH"] = String(request.body.count)
        if let type = request.headers["Content-Type"] { environment["CONTENT_TYPE"] = type }
        if let encoding = request.headers["Content-Encoding"] { environment["HTTP_CONTENT_ENCODING"] = encoding }
        if let protocolHeader = request.headers["Git-Protocol"] { environment["GIT_PROTOCOL"] = protocolHeader }

        let result: TestProcess.BinaryResult
        do {
            result = try await TestProcess.runBinary(
                executable: "/usr/bin/git", arguments: ["http-backend"], environment: environment, input: request.body)
        } catch {
            return Response(status: 500, contentType: "text/plain", body: Array("http-backend: \(error)\n".utf8))
        }
        return Self.parseCGI(result.stdout)
            ?? Response(status: 500, contentType: "text/plain", body: Array("http-backend failed: \(result.stderr)\n".utf8))
    }

    /// Splits CGI output into `Status:`, the other headers and the body.
    static func parseCGI(_ output: [UInt8]) -> Response? {
        // The header block ends at the first empty line (CRLF or LF).
        var index = 0
        var lines: [String] = []
        var lineStart = 0
        var bodyStart: Int?
        while index < output.count {
            if output[index] == UInt8(ascii: "\n") {
                var lineEnd = index
                if lineEnd > lineStart, output[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                if lineEnd == lineStart {
                    bodyStart = index + 1
                    break
                }
                lines.append(String(decoding: output[lineStart..<lineEnd], as: UTF8.self))
                lineStart = index + 1
            }
            index += 1
        }
        guard let bodyStart else { return nil }
        var response = Response(status: 200, body: .bytes(Array(output[bodyStart...])))
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "status" {
                response.status = Int(value.prefix { $0.isNumber }) ?? 500
            } else {
                response.headers.add(name, value)
            }
        }
        return response
    }

    /// The environment for every git command: no global or system configuration.
    static func gitEnvironment(home: URL) -> [String: String] {
        [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "HOME": home.path,
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_NOSYSTEM": "1",
            "LANG": "C",
        ]
    }
}

/// Lets the router's handler reach the fixture created after it.
private final class FixtureBox: Sendable {
    private let lock = Mutex<GitFixture?>(nil)
    var fixture: GitFixture? {
        get { lock.withLock { $0 } }
        set { lock.withLock { $0 = newValue } }
    }
}
