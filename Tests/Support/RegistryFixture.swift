import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Tools

/// A private Docker registry standing in for ECR's registry endpoint: Debian's
/// `docker-registry` (distribution 2.8) with its own configuration on a free
/// loopback port, htpasswd (bcrypt) auth, and storage in a temporary directory that
/// ``stop()`` removes. Never the Debian service on port 5000 (its config is broken).
///
/// The default credentials are what moto's `ecr get-login-password` returns for user
/// `AWS`. Docker treats `127.0.0.1:PORT` as an insecure (plain HTTP) registry by
/// default, so `docker login` / `push` work without daemon configuration.
public final class RegistryFixture: Sendable {
    public static let defaultUsername = "AWS"
    public static let defaultPassword = Secret("123456789012-auth-token")

    public let port: UInt16
    public let username: String
    public let password: Secret
    /// `127.0.0.1:PORT`: the registry host in image references.
    public var host: String { "127.0.0.1:\(port)" }
    public var baseURL: URL { URL(string: "http://\(host)")! }

    private let process: TestProcess
    private let directory: TestTemporaryDirectory

    private init(port: UInt16, username: String, password: Secret, process: TestProcess, directory: TestTemporaryDirectory) {
        self.port = port
        self.username = username
        self.password = password
        self.process = process
        self.directory = directory
    }

    /// Starts a registry; ready (answering `/v2/`) on return, in well under a second.
    public static func start(
        username: String = defaultUsername,
        password: Secret = defaultPassword
    ) async throws -> RegistryFixture {
        try UnitTestRun.refuse("the registry")
        let directory = try TestTemporaryDirectory(prefix: "panda-registry")
        do {
            let htpasswd = directory.appending("htpasswd")
            // bcrypt (-B), password on stdin (-i), never in argv.
            try await TestProcess.run(Command(
                "htpasswd",
                arguments: ["-iBc", htpasswd.path, username],
                stdin: .secret(password)
            ))
            let storage = directory.appending("storage")
            try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)

            // The registry has no "port 0"; retry if another process takes the port first.
            var lastError: any Error = TestFixtureError("registry did not start")
            for _ in 0..<3 {
                let port = try FreePort.next()
                let configuration = directory.appending("config.yml")
                try configurationFile(port: port, storage: storage, htpasswd: htpasswd)
                    .write(to: configuration, atomically: true, encoding: .utf8)
                let process = try TestProcess.start(
                    name: "docker-registry",
                    executable: "/usr/bin/docker-registry",
                    arguments: ["serve", configuration.path],
                    environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"],
                    logFile: directory.appending("registry.log")
                )
                do {
                    try await process.waitUntilReady(timeout: .seconds(10)) {
                        await Self.answers(port: port, username: username, password: password)
                    }
                    return RegistryFixture(
                        port: port, username: username, password: password, process: process, directory: directory)
                } catch {
                    lastError = error
                    await process.stop()
                }
            }
            throw lastError
        } catch {
            directory.remove()
            throw error
        }
    }

    /// Stops the registry and removes its storage.
    /// The registry's process id (whether it still runs: ``TestProcess/isAlive(pid:)``).
    public var pid: pid_t { process.pid }

    public func stop() async {
        await process.stop()
        directory.remove()
    }

    /// The registry's log (requests are not logged; warnings and errors are).
    public func logTail() -> String {
        process.logTail()
    }

    static func configurationFile(port: UInt16, storage: URL, htpasswd: URL) -> String {
        """
        version: 0.1
        log:
          level: warn
          accesslog:
            disabled: true
        storage:
          filesystem:
            rootdirectory: \(storage.path)
          delete:
            enabled: true
          maintenance:
            uploadpurging:
              enabled: false
        http:
          addr: 127.0.0.1:\(port)
          secret: panda-test-registry-\(port)
        auth:
          htpasswd:
            realm: panda-test-registry
            path: \(htpasswd.path)

        """
    }

    /// `/v2/` answers 200 to the credentials once the registry listens. (Never probe it
    /// without credentials through URLSession: on Linux a 401 carrying `WWW-Authenticate`
    /// never completes there.)
    private static func answers(port: UInt16, username: String, password: Secret) async -> Bool {
        guard FreePort.isListening(port) else { return false }
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v2/")!)
        request.timeoutInterval = 2
        request.setValue(basicAuthorization(username: username, password: password), forHTTPHeaderField: "Authorization")
        guard let (_, response) = try? await URLSession.shared.data(for: request),
              let http = response as? HTTPURLResponse else { return false }
        return http.statusCode == 200
    }

    static func basicAuthorization(username: String, password: Secret) -> String {
        "Basic " + Data("\(username):\(password.reveal())".utf8).base64EncodedString()
    }

    // MARK: The registry HTTP API v2

    /// One authenticated request to the registry API.
    public func request(
        _ method: String = "GET",
        path: String,
        accept: [String] = []
    ) async throws -> (status: Int, headers: [String: String], body: Data) {
        var request = URLRequest(url: baseURL.appendingPathComponent(path))
        request.httpMethod = method
        request.timeoutInterval = 10
        request.setValue(Self.basicAuthorization(username: username, password: password), forHTTPHeaderField: "Authorization")
        if !accept.isEmpty {
            request.setValue(accept.joined(separator: ", "), forHTTPHeaderField: "Accept")
        }
        let (body, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else {
            throw TestFixtureError("registry: not an HTTP response")
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return (http.statusCode, headers, body)
    }

    /// Tags of `repository` (`GET /v2/REPO/tags/list`); empty when the repository is unknown.
    public func tags(repository: String) async throws -> [String] {
        let (status, _, body) = try await request(path: "v2/\(repository)/tags/list")
        if status == 404 { return [] }
        guard status == 200 else { throw TestFixtureError("registry: tags/list answered \(status)") }
        struct TagList: Decodable { var tags: [String]? }
        return try JSONDecoder().decode(TagList.self, from: body).tags ?? []
    }

    /// Whether `repository:tag` has a manifest (`HEAD /v2/REPO/manifests/TAG`).
    public func tagExists(repository: String, tag: String) async throws -> Bool {
        try await manifestDigest(repository: repository, tag: tag) != nil
    }

    /// The manifest's digest (`sha256:…`), or nil when there is no such tag.
    public func manifestDigest(repository: String, tag: String) async throws -> String? {
        let (status, headers, _) = try await request(
            "HEAD",
            path: "v2/\(repository)/manifests/\(tag)",
            accept: [
                "application/vnd.docker.distribution.manifest.v2+json",
                "application/vnd.docker.distribution.manifest.list.v2+json",
                "application/vnd.oci.image.manifest.v1+json",
                "application/vnd.oci.image.index.v1+json",
            ]
        )
        switch status {
        case 200: return headers["docker-content-digest"] ?? ""
        case 404: return nil
        default: throw TestFixtureError("registry: manifest HEAD answered \(status)")
        }
    }

    /// Repository names (`GET /v2/_catalog`).
    public func catalog() async throws -> [String] {
        let (status, _, body) = try await request(path: "v2/_catalog")
        guard status == 200 else { throw TestFixtureError("registry: _catalog answered \(status)") }
        struct Catalog: Decodable { var repositories: [String]? }
        return try JSONDecoder().decode(Catalog.self, from: body).repositories ?? []
    }

    /// `docker pull HOST/REPOSITORY:TAG` with a login in `configDirectory` (a private
    /// `DOCKER_CONFIG`); requires ``DockerEngine``. Returns the pulled reference.
    @discardableResult
    public func pull(repository: String, tag: String, configDirectory: URL) async throws -> String {
        let reference = "\(host)/\(repository):\(tag)"
        try await DockerEngine.login(registry: host, username: username, password: password, configDirectory: configDirectory)
        try await DockerEngine.docker(["pull", reference], configDirectory: configDirectory, timeout: .seconds(300))
        return reference
    }
}
