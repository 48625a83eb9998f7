import Foundation

public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads the JSON file, then `PANDA_*` variables, then flag overrides, later ones winning.
/// A bad value, or an unknown key in the file or a flag, is an error that names it. An
/// unknown `PANDA_*` variable is not: platforms set their own (Kubernetes injects
/// `PANDA_PORT=tcp://…` and `PANDA_SERVICE_HOST` for a service named panda), so it is
/// skipped and `unknownEnvironmentNames(in:)` lists it for a warning.
public enum ConfigurationLoader {
    public static func load(
        fileContents: Data?,
        fileName: String = "config",
        environment: [String: String],
        overrides: [String: String] = [:]
    ) throws(ConfigurationError) -> PandaConfiguration {
        let keys = Dictionary(uniqueKeysWithValues: ConfigurationKey.all.map { ($0.path, $0) })
        var configuration = PandaConfiguration()

        if let fileContents {
            let json: JSONValue
            do {
                json = try JSONDecoder().decode(JSONValue.self, from: fileContents)
            } catch {
                throw ConfigurationError("\(fileName): not valid JSON")
            }
            guard case .object(let object) = json else {
                throw ConfigurationError("\(fileName): the top level must be an object")
            }
            for (path, value) in flatten(object) {
                guard let key = keys[path] else { throw ConfigurationError("\(fileName): unknown setting '\(path)'") }
                key.apply(&configuration, try jsonValue(value, for: key, source: "\(fileName): '\(path)'"))
            }
        }

        let byEnvironmentName = Dictionary(uniqueKeysWithValues: ConfigurationKey.all.map { ($0.environmentName, $0) })
        for (name, text) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("PANDA_") {
            guard let key = byEnvironmentName[name] else { continue }
            key.apply(&configuration, try textValue(text, for: key, source: "environment: \(name)"))
        }

        for (path, text) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let key = keys[path] else { throw ConfigurationError("flag: unknown setting '\(path)'") }
            key.apply(&configuration, try textValue(text, for: key, source: "flag: '\(path)'"))
        }
        try ExposurePolicy.check(configuration)
        guard PandaConfiguration.Log.formats.contains(configuration.log.format) else {
            throw ConfigurationError("log.format must be one of \(PandaConfiguration.Log.formats.joined(separator: ", ")), got '\(configuration.log.format)'")
        }
        guard PandaConfiguration.Log.levels.contains(configuration.log.level) else {
            throw ConfigurationError("log.level must be one of \(PandaConfiguration.Log.levels.joined(separator: ", ")), got '\(configuration.log.level)'")
        }
        return configuration
    }

    /// `PANDA_*` variables Panda reads that are not settings (the key, and the `panda` client's server and API key).
    public static let otherEnvironmentNames: Set<String> = ["PANDA_SECRET_KEY", "PANDA_SERVER", "PANDA_API_KEY"]

    /// The `PANDA_*` variables of `environment` that name no setting: `load` skips them.
    public static func unknownEnvironmentNames(in environment: [String: String]) -> [String] {
        let known = Set(ConfigurationKey.all.map(\.environmentName)).union(otherEnvironmentNames)
        return environment.keys.filter { $0.hasPrefix("PANDA_") && !known.contains($0) }.sorted()
    }

    /// Every known setting with its environment variable name, for `--help` and docs.
    public static var settingNames: [(path: String, environment: String)] {
        ConfigurationKey.all.map { ($0.path, $0.environmentName) }
    }

    private static func flatten(_ object: [String: JSONValue], prefix: String = "") -> [(String, JSONValue)] {
        object.sorted { $0.key < $1.key }.flatMap { key, value -> [(String, JSONValue)] in
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if case .object(let nested) = value { return flatten(nested, prefix: path) }
            return [(path, value)]
        }
    }

    private static func jsonValue(_ value: JSONValue, for key: ConfigurationKey, source: String) throws(ConfigurationError) -> ConfigurationValue {
        switch key.kind {
        case .integer(let range):
            guard case .number(let number) = value, let integer = Int(exactly: number) else {
                throw ConfigurationError("\(source) must be a whole number")
            }
            return try checked(integer, range, source)
        case .string(let allowEmpty):
            guard case .string(let text) = value else { throw ConfigurationError("\(source) must be a string") }
            return try checked(text, allowEmpty: allowEmpty, source)
        case .boolean:
            guard case .bool(let flag) = value else { throw ConfigurationError("\(source) must be true or false") }
            return .boolean(flag)
        case .number(let range):
            guard case .number(let number) = value else { throw ConfigurationError("\(source) must be a number") }
            return try checked(number, range, source)
        case .stringList, .secretList:
            guard case .array(let list) = value else { throw ConfigurationError("\(source) must be a list of strings") }
            var strings: [String] = []
            for item in list {
                guard case .string(let text) = item else { throw ConfigurationError("\(source) must be a list of strings") }
                strings.append(text)
            }
            if case .secretList = key.kind, strings.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw ConfigurationError("\(source) must not contain an empty key")
            }
            return .stringList(strings)
        }
    }

    private static func textValue(_ text: String, for key: ConfigurationKey, source: String) throws(ConfigurationError) -> ConfigurationValue {
        switch key.kind {
        case .integer(let range):
            guard let integer = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError("\(source) must be a whole number, got '\(text)'")
            }
            return try checked(integer, range, source)
        case .string(let allowEmpty):
            return try checked(text, allowEmpty: allowEmpty, source)
        case .number(let range):
            guard let number = Double(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError("\(source) must be a number, got '\(text)'")
            }
            return try checked(number, range, source)
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes": return .boolean(true)
            case "false", "0", "no": return .boolean(false)
            default: throw ConfigurationError("\(source) must be true or false, got '\(text)'")
            }
        case .stringList:
            return .stringList(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        case .secretList:
            let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !items.contains(where: \.isEmpty) else {
                throw ConfigurationError("\(source) is empty or has an empty key (unset it to run without keys)")
            }
            return .stringList(items)
        }
    }

    private static func checked(_ integer: Int, _ range: ClosedRange<Int>, _ source: String) throws(ConfigurationError) -> ConfigurationValue {
        guard range.contains(integer) else {
            throw ConfigurationError("\(source) must be between \(range.lowerBound) and \(range.upperBound), got \(integer)")
        }
        return .integer(integer)
    }

    private static func checked(_ number: Double, _ range: ClosedRange<Double>, _ source: String) throws(ConfigurationError) -> ConfigurationValue {
        guard range.contains(number) else {
            throw ConfigurationError("\(source) must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return .number(number)
    }

    private static func checked(_ text: String, allowEmpty: Bool, _ source: String) throws(ConfigurationError) -> ConfigurationValue {
        guard allowEmpty || !text.isEmpty else { throw ConfigurationError("\(source) must not be empty") }
        return .string(text)
    }
}
