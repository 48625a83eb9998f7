import Tools

/// A listener and the target group its default action forwards to (plain or `ForwardConfig`).
struct Listener: Equatable {
    let arn: String
    let port: Int
    let targetGroupARN: String?

    init?(_ json: JSONValue) {
        guard let arn = json["ListenerArn"]?.stringValue, let port = json["Port"]?.intValue else { return nil }
        self.arn = arn
        self.port = port
        let action = json["DefaultActions"]?.arrayValue.first
        targetGroupARN = action?["TargetGroupArn"]?.stringValue
            ?? action?["ForwardConfig"]?["TargetGroups"]?.arrayValue.max { ($0["Weight"]?.intValue ?? 0) < ($1["Weight"]?.intValue ?? 0) }?["TargetGroupArn"]?.stringValue
    }
}


extension DeploymentContext {
    /// Points the listener's default action at one target group.
    func pointListener(_ listenerARN: String, at targetGroupARN: String) async throws {
        try await aws { $0.elbv2.modifyListener(listenerARN: listenerARN, targetGroupARN: targetGroupARN) }
    }
}
