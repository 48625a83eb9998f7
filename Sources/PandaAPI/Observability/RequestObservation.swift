import HTTPServer
import Logging
import Metrics
import Synchronization

/// The per-request access log line and the HTTP series of `/metrics`
/// (`panda_http_requests_total{route,method,status}`, `panda_http_request_duration_seconds{route}`),
/// fed by the server's request observer.
final class RequestObservation: Sendable {
    private struct SeriesKey: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private let logger: Logger
    /// swift-metrics handles, made once per label set instead of once per request.
    private let counters = Mutex<[SeriesKey: Counter]>([:])
    private let timers = Mutex<[String: Metrics.Timer]>([:])

    init(logger: Logger) {
        self.logger = logger
    }

    /// Methods outside this set are counted as `OTHER`, so a client cannot mint new series.
    private static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    func observe(_ request: CompletedRequest) {
        let route = request.route ?? "unmatched"
        let method = Self.knownMethods.contains(request.method) ? request.method : "OTHER"
        let key = SeriesKey(route: route, method: method, status: request.status)
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: "panda_http_requests_total",
                                  dimensions: [("route", route), ("method", method), ("status", String(request.status))])
            counters[key] = counter
            return counter
        }
        counter.increment()
        let timer = timers.withLock { timers in
            if let timer = timers[route] { return timer }
            let timer = Metrics.Timer(label: "panda_http_request_duration_seconds", dimensions: [("route", route)])
            timers[route] = timer
            return timer
        }
        timer.record(duration: request.duration)

        guard logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "method": "\(method)", "route": "\(route)", "status": "\(request.status)",
            "durationMs": "\(Self.milliseconds(request.duration))",
        ]
        if let deploymentID = request.pathParameters["deploymentId"] {
            metadata["deploymentId"] = "\(deploymentID)"
        }
        logger.info("request", metadata: metadata)
    }

    /// Milliseconds with three decimals, e.g. `0.412`.
    private static func milliseconds(_ duration: Duration) -> String {
        let microseconds = max(0, Int((duration / .microseconds(1)).rounded()))
        let fraction = String(microseconds % 1000)
        return "\(microseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
