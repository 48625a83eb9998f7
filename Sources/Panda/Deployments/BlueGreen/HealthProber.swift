import Tools

/// One HTTP probe: the status (0 when nothing answered) and curl's own timing.
public struct ProbeResult: Sendable, Equatable {
    public let statusCode: Int
    public let latencyMs: Int?

    public var isHealthy: Bool { (200..<400).contains(statusCode) }

    /// Parses curl's `--write-out '%{http_code} %{time_total}'`.
    static func parse(_ output: String) -> ProbeResult {
        let parts = output.split(separator: " ")
        let status = parts.first.flatMap { Int($0) } ?? 0
        let seconds = parts.count > 1 ? Double(parts[1]) : nil
        return ProbeResult(statusCode: status, latencyMs: status == 0 ? nil : seconds.map { Int(($0 * 1000).rounded()) })
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
        return ProbeResult.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `count` probes of `url`, `interval` apart.
    func probeSeries(_ url: String, count: Int, interval: Duration) async throws -> ProbeSummary {
        var probes: [ProbeResult] = []
        for index in 0..<count {
            if index > 0 { try await Task.sleep(for: interval) }
            probes.append(try await probe(url))
        }
        return ProbeSummary(probes: probes)
    }

    var healthInterval: Duration { .milliseconds(configuration.health.intervalMilliseconds) }

    func healthURL(_ base: String) -> String { base + configuration.health.path }
}
