import Tools

/// ECS service operations on one slot.
extension DeploymentContext {
    struct ServiceState { let desired: Int; let running: Int }

    /// The service's counts, or `nil` when it does not exist (or is inactive).
    func serviceState(_ name: String, cluster: String) async throws -> ServiceState? {
        let found = try await aws { $0.ecs.describeServices(cluster: cluster, services: [name]) }
        guard let service = found["services"]?.arrayValue.first(where: { $0["status"]?.stringValue == "ACTIVE" }) else { return nil }
        return ServiceState(desired: service["desiredCount"]?.intValue ?? 0, running: service["runningCount"]?.intValue ?? 0)
    }

    func scale(_ service: String, cluster: String, to count: Int) async throws {
        try await aws { $0.ecs.updateService(cluster: cluster, service: service, desiredCount: count) }
    }
}
