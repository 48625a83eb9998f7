/// What stage 3 set up and stages 4–6 act on: the physical resources and which slot
/// plays which role in this deployment.
public struct BlueGreenPlan: Sendable, Equatable {
    public let names: AWSNames
    public let clusterName: String
    public let loadBalancerDNS: String
    public let productionListenerARN: String
    public let testListenerARN: String
    public let targetGroupARNs: [Slot: String]
    public let containerPort: Int
    public let taskDefinitionARN: String
    /// The slot serving production when the deployment started; `nil` on the first deployment.
    public let blue: Slot?
    /// The slot the new version goes to.
    public let green: Slot
    public let productionPort: Int
    public let testPort: Int

    public var productionURL: String { url(port: productionPort) }
    public var testURL: String { url(port: testPort) }
    public func serviceName(_ slot: Slot) -> String { names.service(slot) }
    public func targetGroupARN(_ slot: Slot) -> String { targetGroupARNs[slot] ?? "" }

    private func url(port: Int) -> String {
        port == 80 ? "http://\(loadBalancerDNS)" : "http://\(loadBalancerDNS):\(port)"
    }
}
