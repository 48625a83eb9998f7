import Foundation
import Panda
import Testing

/// Liveness and readiness as a load balancer or Kubernetes probe sees them.
@Suite struct OperationsRoutesTests {
    @Test func healthIsTheEnvelopeAndReadinessFollowsItsHook() async throws {
        let readiness = Readiness()
        try await withPandaServer(services: { configuration in
            var services = PandaServices.live(configuration: configuration)
            services.readiness = readiness
            return services
        }) { client in
            let health = try await client.send("GET", "/health")
            #expect(health.status == 200 && health.text == #"{"code":200,"message":"ok","data":{"status":"UP"}}"#)
            let ready = try await client.send("GET", "/ready")
            #expect(ready.status == 200 && ready.text == #"{"code":200,"message":"ready","data":{"status":"READY"}}"#)

            readiness.set("store", notReadyBecause: "unavailable")
            readiness.markDraining()
            let draining = try await client.send("GET", "/ready")
            expectErrorBody(draining, status: 503, error: "Service Unavailable", message: "Not ready: shutdown: draining; store: unavailable")
            // Liveness does not depend on readiness: a draining Panda is still alive.
            let alive = try await client.send("GET", "/health")
            #expect(alive.status == 200)

            readiness.set("store", notReadyBecause: nil)
            readiness.set("shutdown", notReadyBecause: nil)
            let readyAgain = try await client.send("GET", "/ready")
            #expect(readyAgain.status == 200)
        }
    }

    @Test func readinessNeedsNoAPIKeyMetricsDo() async throws {
        try await withPandaServer(configure: { $0.auth.apiKeys = ["k"] }) { client in
            let ready = try await client.send("GET", "/ready")
            #expect(ready.status == 200)
            let refused = try await client.send("GET", "/metrics")
            expectErrorBody(refused, status: 401, error: "Unauthorized")
            // No backend bootstrapped in this process: the exposition is empty, not an error.
            let metrics = try await client.send("GET", "/metrics", headers: ["Authorization": "Bearer k"])
            #expect(metrics.status == 200 && metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}
