import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Panda
import Tools

/// A moto server (fake AWS) on a free loopback port, started for a test and stopped by PID.
///
/// Authentication is off until ``enableAuthentication(freeRequests:)``. IAM users, keys
/// and roles are made with the real aws CLI, built by ``AWSCLI`` (explicit environment).
public final class MotoServer: Sendable {
    public let port: UInt16
    public let process: TestProcess

    public var endpointURL: String { "http://127.0.0.1:\(port)" }

    /// Credentials for fixture calls while authentication is off (or within the free requests).
    public static let setupCredentials = AWSCredentials(
        accessKeyId: Secret("AKIAPANDATESTSETUP00"), secretAccessKey: Secret("panda-test-setup-secret"))

    private init(port: UInt16, process: TestProcess) {
        self.port = port
        self.process = process
    }

    /// Starts `moto_server -H 127.0.0.1 -p <free port>` and waits until it answers.
    public static func start() async throws -> MotoServer {
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try FreePort.next()
            // AWS's managed policies (e.g. AmazonECSTaskExecutionRolePolicy) exist in every real
            // account; moto loads them only when asked.
            var environment = ProcessInfo.processInfo.environment
            environment["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
            let process = try TestProcess.start(name: "moto", executable: "moto_server", arguments: ["-H", "127.0.0.1", "-p", "\(port)"],
                                                environment: environment)
            let server = MotoServer(port: port, process: process)
            do {
                // A TCP probe first: URLSession on Linux has been seen to hang on a refused connection.
                try await process.waitUntilReady(timeout: .seconds(30), interval: .milliseconds(100)) {
                    FreePort.isListening(port)
                }
                try await server.reset()
                return server
            } catch {
                lastError = error
                await process.stop()
            }
        }
        throw lastError ?? TestFixtureError("moto: could not start")
    }

    public func stop() async {
        await process.stop(grace: .seconds(3))
    }

    /// Forgets every resource (and switches authentication off).
    public func reset() async throws {
        _ = try await post("/moto-api/reset", body: "")
    }

    /// Switches request authentication on; the first `freeRequests` requests stay unchecked
    /// (for creating users and keys).
    public func enableAuthentication(freeRequests: Int = 3) async throws {
        _ = try await post("/moto-api/reset-auth", body: "\(freeRequests)", contentType: "text/plain")
    }

    /// Runs `aws <service> <operation> …` against this server and returns its JSON answer.
    @discardableResult
    public func aws(
        _ service: String, _ operation: String, _ arguments: [String] = [],
        credentials: AWSCredentials = MotoServer.setupCredentials, region: String = "us-east-1"
    ) async throws -> JSONValue {
        let cli = AWSCLI(credentials: credentials, region: region, endpointURL: endpointURL, timeout: .seconds(60))
        // Tests set up and read back state with any operation, so they spell it here; Panda
        // itself runs only the named builders.
        let command = Command(cli.executable, arguments: [service, operation] + arguments + ["--output", "json"],
                              environment: cli.environment, timeout: cli.timeout)
        let result = try await TestProcess.run(command)
        let output = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return output.isEmpty ? .null : try JSONDecoder().decode(JSONValue.self, from: Data(output.utf8))
    }

    /// An IAM user with an access key, optionally with an inline policy. Costs 2 or 3 aws calls.
    public func createUserWithAccessKey(_ userName: String, policy: String? = nil) async throws -> AWSCredentials {
        try await aws("iam", "create-user", ["--user-name", userName])
        let answer = try await aws("iam", "create-access-key", ["--user-name", userName])
        guard case .object(let top) = answer, case .object(let key)? = top["AccessKey"],
              case .string(let id)? = key["AccessKeyId"], case .string(let secret)? = key["SecretAccessKey"]
        else { throw TestFixtureError("moto: unexpected create-access-key answer") }
        if let policy {
            try await aws("iam", "put-user-policy", ["--user-name", userName, "--policy-name", "\(userName)-policy", "--policy-document", policy])
        }
        return AWSCredentials(accessKeyId: Secret(id), secretAccessKey: Secret(secret))
    }

    /// Temporary credentials (with a session token) from assuming a new role. Costs 2 aws calls.
    public func assumedRoleCredentials(roleName: String) async throws -> (credentials: AWSCredentials, arn: String) {
        let trust = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#
        try await aws("iam", "create-role", ["--role-name", roleName, "--assume-role-policy-document", trust])
        let answer = try await aws("sts", "assume-role", [
            "--role-arn", "arn:aws:iam::123456789012:role/\(roleName)", "--role-session-name", "panda-test",
        ])
        guard case .object(let top) = answer, case .object(let credentials)? = top["Credentials"],
              case .string(let id)? = credentials["AccessKeyId"], case .string(let secret)? = credentials["SecretAccessKey"],
              case .string(let token)? = credentials["SessionToken"],
              case .object(let user)? = top["AssumedRoleUser"], case .string(let arn)? = user["Arn"]
        else { throw TestFixtureError("moto: unexpected assume-role answer") }
        return (AWSCredentials(accessKeyId: Secret(id), secretAccessKey: Secret(secret), sessionToken: Secret(token)), arn)
    }

    private func post(_ path: String, body: String, contentType: String = "application/json") async throws -> Data {
        var request = URLRequest(url: URL(string: endpointURL + path)!, timeoutInterval: 5)
        request.httpMethod = "POST"
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        // With a hard deadline of our own on top of URLSession's timeout.
        let prepared = request
        let answer = try await withThrowingTaskGroup(of: (Data, URLResponse)?.self) { group in
            group.addTask { try await URLSession.shared.data(for: prepared) }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let (data, response) = answer, let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw TestFixtureError("moto: POST \(path) failed")
        }
        return data
    }
}
