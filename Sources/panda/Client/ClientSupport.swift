import ArgumentParser
import Foundation
import PandaClient

/// Exit codes for scripts (README "For ops scripts").
enum ClientExit {
    static let completed: Int32 = 0
    static let failed: Int32 = 1
    static let usageOrRequest: Int32 = 2
    static let notFound: Int32 = 3
    static let stillRunning: Int32 = 4

    static func code(for error: ClientError) -> Int32 {
        if case .notFound = error { return notFound }
        return usageOrRequest
    }
}

/// `--server URL` (else `PANDA_SERVER`, else the local default); the API key only from `PANDA_API_KEY`.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "Panda server URL (default: $PANDA_SERVER, else http://127.0.0.1:8080). The API key is read from $PANDA_API_KEY.")
    var server: String?

    func makeServer() throws(ClientError) -> PandaServer {
        let environment = ProcessInfo.processInfo.environment
        let text = server ?? environment["PANDA_SERVER"] ?? "http://127.0.0.1:8080"
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw .usage("not an http(s) URL: \(text)")
        }
        return PandaServer(baseURL: url, apiKey: environment["PANDA_API_KEY"])
    }
}

enum Output {
    static func write(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data("panda: \(text)\n".utf8))
    }

    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    static var terminalColumns: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}

/// Runs a client command: a ``ClientError`` goes to stderr and becomes its exit code.
func runClient(_ body: () async throws(ClientError) -> Int32) async throws {
    let code: Int32
    do {
        code = try await body()
    } catch {
        Output.error(error.description)
        code = ClientExit.code(for: error)
    }
    if code != 0 { throw ExitCode(code) }
}

enum PandaCLI {
    /// Follows a deployment to its end, drawing it for a terminal, a pipe, or as JSON lines.
    static func follow(_ deploymentID: String, on server: PandaServer, json: Bool) async throws(ClientError) -> Int32 {
        var printer = ProgressPrinter(mode: json ? .json : Output.isTerminal ? .terminal(columns: Output.terminalColumns) : .plain)
        let outcome = try await DeploymentFollower(server: server).follow(deploymentID) { event in
            Output.write(printer.render(event))
        }
        Output.write(printer.finish())
        switch outcome {
        case .completed: return ClientExit.completed
        case .failed: return ClientExit.failed
        case .alreadyDelivered:
            // Nothing new to show: the result says how it ended.
            let reply = try await server.call("GET", "/api/v1/deploy/\(PandaServer.pathSegment(deploymentID))/result")
            return exitCode(forResult: reply)
        }
    }

    /// 0 completed, 1 failed, 4 still queued or running.
    static func exitCode(forResult reply: PandaServer.Reply) -> Int32 {
        switch reply.data["status"]?.string {
        case "COMPLETED": ClientExit.completed
        case "FAILED": ClientExit.failed
        default: ClientExit.stillRunning
        }
    }
}

/// One line of stdin holding a secret (secrets never come from argv). On a terminal the
/// typing is not echoed. `nil` at the end of input.
func readSecretLine(prompt: String) -> String? {
    let interactive = isatty(STDIN_FILENO) == 1
    var saved = termios()
    if interactive {
        FileHandle.standardError.write(Data("\(prompt): ".utf8))
        tcgetattr(STDIN_FILENO, &saved)
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
    }
    let line = readLine(strippingNewline: true)
    if interactive {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved)
        FileHandle.standardError.write(Data("\n".utf8))
    }
    return line.map { $0.trimmingCharacters(in: .whitespaces) }
}

/// A secret from the environment variable `name` when set, else from one line of stdin.
func readSecret(environment name: String, prompt: String) throws(ClientError) -> String {
    if let value = ProcessInfo.processInfo.environment[name], !value.isEmpty { return value }
    guard let line = readSecretLine(prompt: prompt), !line.isEmpty else {
        throw .usage("\(prompt) is missing: set \(name) or write it on stdin")
    }
    return line
}
