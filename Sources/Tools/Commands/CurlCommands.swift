/// `curl` as an HTTP prober: status and curl's own timing (which excludes our spawn cost),
/// with `--connect-to` to reach a load balancer whose name does not resolve while the
/// request keeps its original `Host`.
public struct CurlCLI: Sendable, Equatable {
    public var executable: String
    /// `HOST:PORT:CONNECT-HOST:CONNECT-PORT`, empty HOST or PORT matching any.
    public var connectTo: [String]

    public init(executable: String = "curl", connectTo: [String] = []) {
        self.executable = executable
        self.connectTo = connectTo
    }

    /// Prints `STATUS SECONDS` (e.g. `200 0.004213`); the body is discarded.
    public func probe(_ url: String, timeout: Duration) -> Command {
        let seconds = max(1, Int(timeout.components.seconds))
        var arguments = ["--silent", "--show-error", "--output", "/dev/null", "--write-out", "%{http_code} %{time_total}",
                         "--max-time", String(seconds), "--connect-timeout", String(seconds), "--noproxy", "*"]
        for entry in connectTo { arguments += ["--connect-to", entry] }
        return Command(executable, arguments: arguments + ["--", url],
                       environment: .clean(["PATH": "/usr/local/bin:/usr/bin:/bin"]),
                       timeout: timeout + .seconds(2))
    }
}
