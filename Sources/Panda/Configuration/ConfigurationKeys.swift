/// The table of settings: each dotted key with how to read and apply its value.
/// One table serves the JSON file, the environment and the flags alike.
struct ConfigurationKey: Sendable {
    enum Kind: Sendable {
        case integer(ClosedRange<Int>)
        case string(allowEmpty: Bool)
        case stringList
        /// Secrets such as API keys: no item may be empty, and text (environment, flag) must
        /// not be empty either, so a blank variable never quietly means "no keys".
        case secretList
        case boolean
        case number(ClosedRange<Double>)
    }

    let path: String
    let kind: Kind
    let apply: @Sendable (inout PandaConfiguration, ConfigurationValue) -> Void

    /// `server.maxBodyBytes` → `PANDA_SERVER_MAX_BODY_BYTES`; an acronym is one word:
    /// `github.apiBaseURL` → `PANDA_GITHUB_API_BASE_URL`, `aws.allowedCIDRs` → `PANDA_AWS_ALLOWED_CIDRS`.
    var environmentName: String {
        (["PANDA"] + path.split(separator: ".").flatMap { Self.words(of: String($0)) })
            .joined(separator: "_").uppercased()
    }

    /// The words of a camel-case name. A run of capitals is one word (an acronym), except that
    /// its last capital starts the next word when lowercase letters follow (`UIDirectory` →
    /// `UI`, `Directory`); a lone `s` after an acronym is its plural (`CIDRs`, `ARNs`).
    static func words(of name: String) -> [String] {
        let characters = Array(name)
        var words: [String] = []
        var current = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isUppercase {
                var end = index
                while end < characters.count, characters[end].isUppercase { end += 1 }
                let run = String(characters[index..<end])
                let pluralAcronym = run.count > 1 && end < characters.count && characters[end] == "s"
                    && (end + 1 == characters.count || !characters[end + 1].isLowercase)
                if !current.isEmpty { words.append(current) }
                if pluralAcronym {
                    words.append(run + "s")
                    current = ""
                    index = end + 1
                } else if run.count > 1, end < characters.count, characters[end].isLowercase {
                    words.append(String(run.dropLast()))
                    current = String(run.last!)
                    index = end
                } else if run.count > 1 {
                    words.append(run)
                    current = ""
                    index = end
                } else {
                    current = run
                    index = end
                }
            } else {
                current.append(character)
                index += 1
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}

enum ConfigurationValue: Sendable {
    case integer(Int)
    case string(String)
    case stringList([String])
    case boolean(Bool)
    case number(Double)

    var number: Double { if case .number(let value) = self { value } else { 0 } }
    var boolean: Bool { if case .boolean(let value) = self { value } else { false } }
    var integer: Int { if case .integer(let value) = self { value } else { 0 } }
    var string: String { if case .string(let value) = self { value } else { "" } }
    var stringList: [String] { if case .stringList(let value) = self { value } else { [] } }
}

extension ConfigurationKey {
    private static func int(_ path: String, _ range: ClosedRange<Int>, _ keyPath: WritableKeyPath<PandaConfiguration, Int> & Sendable) -> ConfigurationKey {
        ConfigurationKey(path: path, kind: .integer(range)) { $0[keyPath: keyPath] = $1.integer }
    }

    private static func string(_ path: String, allowEmpty: Bool = false, _ keyPath: WritableKeyPath<PandaConfiguration, String> & Sendable) -> ConfigurationKey {
        ConfigurationKey(path: path, kind: .string(allowEmpty: allowEmpty)) { $0[keyPath: keyPath] = $1.string }
    }

    private static func list(_ path: String, _ keyPath: WritableKeyPath<PandaConfiguration, [String]> & Sendable) -> ConfigurationKey {
        ConfigurationKey(path: path, kind: .stringList) { $0[keyPath: keyPath] = $1.stringList }
    }

    private static func bool(_ path: String, _ keyPath: WritableKeyPath<PandaConfiguration, Bool> & Sendable) -> ConfigurationKey {
        ConfigurationKey(path: path, kind: .boolean) { $0[keyPath: keyPath] = $1.boolean }
    }

    private static func double(_ path: String, _ range: ClosedRange<Double>, _ keyPath: WritableKeyPath<PandaConfiguration, Double> & Sendable) -> ConfigurationKey {
        ConfigurationKey(path: path, kind: .number(range)) { $0[keyPath: keyPath] = $1.number }
    }

    static let all: [ConfigurationKey] = [
        string("server.address", \.server.address),
        int("server.port", 0...65535, \.server.port),
        int("server.connectionLimit", 16...1_000_000, \.server.connectionLimit),
        int("server.connectionMemoryLimitBytes", 4096...16 * 1024 * 1024, \.server.connectionMemoryLimitBytes),
        int("server.idleTimeoutSeconds", 0...86_400, \.server.idleTimeoutSeconds),
        int("server.maxBodyBytes", 1...64 * 1024 * 1024, \.server.maxBodyBytes),
        int("server.shutdownGraceSeconds", 0...300, \.server.shutdownGraceSeconds),
        list("cors.allowedOrigins", \.cors.allowedOrigins),
        ConfigurationKey(path: "auth.apiKeys", kind: .secretList) { $0.auth.apiKeys = $1.stringList },
        int("events.keepAliveSeconds", 1...3600, \.events.keepAliveSeconds),
        int("events.maxStreamSeconds", 1...86_400, \.events.maxStreamSeconds),
        int("events.closeAfterTerminalSeconds", 0...3600, \.events.closeAfterTerminalSeconds),
        int("events.retryMilliseconds", 0...3_600_000, \.events.retryMilliseconds),
        int("deployments.maxConcurrent", 1...1000, \.deployments.maxConcurrent),
        int("deployments.queueCapacity", 0...100_000, \.deployments.queueCapacity),
        int("deployments.stageTimeoutSeconds", 1...86_400, \.deployments.stageTimeoutSeconds),
        int("deployments.deploymentTimeoutSeconds", 1...86_400, \.deployments.deploymentTimeoutSeconds),
        int("deployments.resultCapacity", 1...1_000_000, \.deployments.resultCapacity),
        string("github.apiBaseURL", \.github.apiBaseURL),
        string("github.gitBaseURL", \.github.gitBaseURL),
        int("github.timeoutSeconds", 1...600, \.github.timeoutSeconds),
        string("aws.endpointURL", allowEmpty: true, \.aws.endpointURL),
        string("aws.registryHostOverride", allowEmpty: true, \.aws.registryHostOverride),
        int("aws.validationTimeoutSeconds", 1...600, \.aws.validationTimeoutSeconds),
        string("aws.clusterName", \.aws.clusterName),
        bool("aws.ecrScanOnPush", \.aws.ecrScanOnPush),
        bool("aws.ecrImmutableTags", \.aws.ecrImmutableTags),
        string("aws.vpcId", allowEmpty: true, \.aws.vpcId),
        list("aws.subnetIds", \.aws.subnetIds),
        list("aws.allowedCIDRs", \.aws.allowedCIDRs),
        string("aws.executionRoleARN", allowEmpty: true, \.aws.executionRoleARN),
        int("aws.taskCPU", 256...16384, \.aws.taskCPU),
        int("aws.taskMemory", 512...122_880, \.aws.taskMemory),
        int("aws.containerPort", 1...65535, \.aws.containerPort),
        int("aws.desiredCount", 1...100, \.aws.desiredCount),
        int("aws.productionPort", 1...65535, \.aws.productionPort),
        int("aws.testPort", 1...65535, \.aws.testPort),
        int("aws.maxAttempts", 1...20, \.aws.maxAttempts),
        int("aws.healthCheckGracePeriodSeconds", 0...2_147_483_647, \.aws.healthCheckGracePeriodSeconds),
        string("aws.cpuArchitecture", \.aws.cpuArchitecture),
        int("aws.iamPropagationSeconds", 0...3600, \.aws.iamPropagationSeconds),
        list("aws.testListenerCIDRs", \.aws.testListenerCIDRs),
        int("aws.logRetentionDays", 1...3653, \.aws.logRetentionDays),
        int("aws.ecrKeepImages", 1...10_000, \.aws.ecrKeepImages),
        int("aws.deregistrationDelaySeconds", 0...3600, \.aws.deregistrationDelaySeconds),
        bool("aws.circuitBreaker", \.aws.circuitBreaker),
        bool("aws.circuitBreakerRollback", \.aws.circuitBreakerRollback),
        int("docker.keepImagesPerRepository", 0...1000, \.docker.keepImagesPerRepository),
        string("health.path", \.health.path),
        int("health.checks", 1...100, \.health.checks),
        int("health.intervalMilliseconds", 0...60_000, \.health.intervalMilliseconds),
        int("health.timeoutSeconds", 1...120, \.health.timeoutSeconds),
        double("health.maxErrorRate", 0...1, \.health.maxErrorRate),
        int("health.maxLatencyMs", 1...600_000, \.health.maxLatencyMs),
        double("health.maxLatencyRatio", 1...1000, \.health.maxLatencyRatio),
        int("health.preTrafficChecks", 0...100, \.health.preTrafficChecks),
        int("health.postTrafficChecks", 0...100, \.health.postTrafficChecks),
        int("health.pollIntervalSeconds", 1...300, \.health.pollIntervalSeconds),
        int("health.bakeSeconds", 0...86_400, \.health.bakeSeconds),
        list("health.connectTo", \.health.connectTo),
        string("health.matcher", \.health.matcher),
        int("health.targetGroupIntervalSeconds", 5...300, \.health.targetGroupIntervalSeconds),
        int("health.targetGroupTimeoutSeconds", 2...120, \.health.targetGroupTimeoutSeconds),
        int("health.healthyThreshold", 2...10, \.health.healthyThreshold),
        int("health.unhealthyThreshold", 2...10, \.health.unhealthyThreshold),
        string("docs.swaggerUIDirectory", \.docs.swaggerUIDirectory),
        string("storage.directory", \.storage.directory),
        int("server.drainSeconds", 0...86_400, \.server.drainSeconds),
        int("events.maxLineBytes", 80...1_048_576, \.events.maxLineBytes),
        int("events.maxOutputBytesPerDeployment", 0...1_073_741_824, \.events.maxOutputBytesPerDeployment),
        string("docs.openAPIFile", \.docs.openAPIFile),
        list("server.allowedHosts", \.server.allowedHosts),
        int("server.perClientConnectionLimit", 0...1_000_000, \.server.perClientConnectionLimit),
        int("server.headerTimeoutSeconds", 1...3600, \.server.headerTimeoutSeconds),
        bool("auth.allowAnonymous", \.auth.allowAnonymous),
        int("connections.maxConcurrentValidations", 1...1000, \.connections.maxConcurrentValidations),
        int("connections.max", 1...1_000_000, \.connections.max),
        string("log.format", \.log.format),
        string("log.level", \.log.level),
        int("commands.awsTimeoutSeconds", 1...3600, \.commands.awsTimeoutSeconds),
        int("commands.dockerTimeoutSeconds", 1...3600, \.commands.dockerTimeoutSeconds),
        int("commands.gitTimeoutSeconds", 1...3600, \.commands.gitTimeoutSeconds),
        int("commands.niceness", 0...19, \.commands.niceness),
        bool("log.requests", \.log.requests),
    ]
}
