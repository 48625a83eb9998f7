import Foundation
import Tools

/// What `ecs describe-services` says about one service.
struct ServiceState: Sendable {
    struct Event: Sendable, Equatable {
        let createdAt: Date?
        let message: String
    }

    let desired: Int
    let running: Int
    /// The container port its (first) load balancer forwards to.
    let containerPort: Int?
    let healthCheckGracePeriodSeconds: Int?
    /// Newest first, as ECS lists them.
    let events: [Event]

    init(_ service: JSONValue) {
        desired = service["desiredCount"]?.intValue ?? 0
        running = service["runningCount"]?.intValue ?? 0
        containerPort = service["loadBalancers"]?.arrayValue.first?["containerPort"]?.intValue
        healthCheckGracePeriodSeconds = service["healthCheckGracePeriodSeconds"]?.intValue
        events = service["events"]?.arrayValue.compactMap { event in
            event["message"]?.stringValue.map { Event(createdAt: AWSTimestamp.date(event["createdAt"]), message: $0) }
        } ?? []
    }
}

/// ECS service operations on one slot.
extension DeploymentContext {
    /// The service, or `nil` when it does not exist (or is inactive).
    func serviceState(_ name: String, cluster: String) async throws -> ServiceState? {
        let found = try await aws { $0.ecs.describeServices(cluster: cluster, services: [name]) }
        return found["services"]?.arrayValue.first(where: { $0["status"]?.stringValue == "ACTIVE" }).map(ServiceState.init)
    }

    func scale(_ service: String, cluster: String, to count: Int) async throws {
        try await aws { $0.ecs.updateService(cluster: cluster, service: service, desiredCount: count) }
    }
}

/// Timestamps as the aws CLI prints them: ISO 8601 (`2024-05-01T12:00:00.123000+00:00`) or epoch seconds.
enum AWSTimestamp {
    static func date(_ value: JSONValue?) -> Date? {
        if let seconds = value?.doubleValue { return Date(timeIntervalSince1970: seconds) }
        guard var text = value?.stringValue else { return nil }
        // ISO8601DateFormatter takes at most milliseconds: drop the fraction, keep the zone.
        if let dot = text.firstIndex(of: ".") {
            let zone = text[dot...].firstIndex { $0 == "+" || $0 == "-" || $0 == "Z" } ?? text.endIndex
            text.removeSubrange(dot..<zone)
        }
        return ISO8601DateFormatter().date(from: text)
    }
}
