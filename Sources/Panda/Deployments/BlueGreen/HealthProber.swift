import Tools

/// Which HTTP statuses count as healthy, written as ELBv2 writes a target group's matcher:
/// `200`, `200,302` or `200-399`. Panda's own probes and the target groups use the same one.
public struct HTTPStatusMatcher: Sendable, Equatable {
    public let ranges: [ClosedRange<Int>]

    public static let `default` = HTTPStatusMatcher(ranges: [200...399])

    init(ranges: [ClosedRange<Int>]) { self.ranges = ranges }

    /// `nil` when `text` is not a matcher.
    public init?(_ text: String) {
        var ranges: [ClosedRange<Int>] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil,
                  (100...599).contains(low), (low...599).contains(high) else { return nil }
            ranges.append(low...high)
        }
        guard !ranges.isEmpty else { return nil }
        self.ranges = ranges
    }

    public func accepts(_ status: Int) -> Bool { ranges.contains { $0.contains(status) } }
}

/// One HTTP probe: the status (0 when nothing answered), curl's own timing, and whether the
/// matcher counts the status as healthy.
public struct ProbeResult: Sendable, Equatable {
    public let statusCode: Int
    public let latencyMs: Int?
    public let isHealthy: Bool

    public init(statusCode: Int, latencyMs: Int?, matcher: HTTPStatusMatcher = .default) {
        self.statusCode = statusCode
        self.latencyMs = latencyMs
        isHealthy = matcher.accepts(statusCode)
    }

    /// Parses curl's `--write-out '%{http_code} %{time_total}'`.
    static func parse(_ output: String, matcher: HTTPStatusMatcher = .default) -> ProbeResult {
        let parts = output.split(separator: " ")
        let status = parts.first.flatMap { Int($0) } ?? 0
        let seconds = parts.count > 1 ? Double(parts[1]) : nil
        return ProbeResult(statusCode: status, latencyMs: status == 0 ? nil : seconds.map { Int(($0 * 1000).rounded()) },
                           matcher: matcher)
    }
}

/// Latency and error rate of a series of probes, as the result reports them.
public struct ProbeSummary: Sendable, Equatable {
    public let probes: [ProbeResult]

    public var errorRate: Double {
        probes.isEmpty ? 1 : Double(probes.filter { !$0.isHealthy }.count) / Double(probes.count)
    }

    /// The statuses answered, e.g. `200, 500, no answer`.
    public var statusList: String {
        probes.map { $0.statusCode == 0 ? "no answer" : String($0.statusCode) }.joined(separator: ", ")
    }

    /// Median of the answered probes' latencies; `nil` when none answered.
    public var medianLatencyMs: Int? {
        let latencies = probes.compactMap(\.latencyMs).sorted()
        guard !latencies.isEmpty else { return nil }
        let middle = latencies.count / 2
        return latencies.count % 2 == 1 ? latencies[middle] : (latencies[middle - 1] + latencies[middle]) / 2
    }
}

extension DeploymentContext {
    /// Probes `url` once with curl, through the configured `--connect-to` overrides.
    func probe(_ url: String) async throws -> ProbeResult {
        let health = configuration.health
        let curl = CurlCLI(connectTo: health.connectTo)
        let result = try await run(curl.probe(url, timeout: .seconds(health.timeoutSeconds)))
        return ProbeResult.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), matcher: statusMatcher)
    }

    /// A probe that forgives one transient failure (a 502 while the load balancer registers a
    /// target): a failed probe is repeated once after the interval, and the repeat counts.
    func steadyProbe(_ url: String) async throws -> ProbeResult {
        let first = try await probe(url)
        guard !first.isHealthy else { return first }
        try await pause(for: healthInterval)
        let second = try await probe(url)
        if second.isHealthy {
            publish("[Stage \(stageNumber)] HealthCheck: transient failure ignored", details: [
                "url": .string(url), "statusCode": .integer(first.statusCode), "retryStatusCode": .integer(second.statusCode),
            ])
        }
        return second
    }

    var statusMatcher: HTTPStatusMatcher { HTTPStatusMatcher(configuration.health.matcher) ?? .default }

    /// `count` steady probes of `url`, `interval` apart.
    func probeSeries(_ url: String, count: Int, interval: Duration) async throws -> ProbeSummary {
        var probes: [ProbeResult] = []
        for index in 0..<count {
            if index > 0 { try await pause(for: interval) }
            probes.append(try await steadyProbe(url))
        }
        return ProbeSummary(probes: probes)
    }

    var healthInterval: Duration { .milliseconds(configuration.health.intervalMilliseconds) }

    func healthURL(_ base: String) -> String { base + configuration.health.path }
}
