import Foundation

/// One aws CLI operation of one service, e.g. `ecs create-service`. Each service file
/// declares its operations as an enum of this kind, and its builders can run only those:
/// so `AWSOperations.all` is every subcommand Panda can produce, and the IAM policy in
/// `config/aws/iam-policy.json` is checked against it.
public protocol AWSOperation: RawRepresentable, CaseIterable, Sendable, Hashable where RawValue == String {
    /// The CLI's service name (`ecs`, `elbv2`).
    static var service: String { get }
    /// The IAM service prefix of its actions (`ecs`, `elasticloadbalancing`).
    static var iamService: String { get }
    /// The IAM actions a call needs, the operation's own action first.
    var iamActions: [String] { get }
}

extension AWSOperation {
    /// `create-service` → `ecs:CreateService`.
    public var iamAction: String {
        "\(Self.iamService):" + rawValue.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    public var iamActions: [String] { [iamAction] }

    /// `ecs create-service`.
    public var commandName: String { "\(Self.service) \(rawValue)" }
}

/// Every aws operation Panda's builders can produce, with the IAM actions each needs.
public enum AWSOperations {
    public struct Entry: Sendable, Hashable {
        public let command: String
        public let iamActions: [String]
    }

    public static var all: [Entry] {
        entries(ECROperation.self) + entries(ECSOperation.self) + entries(ELBv2Operation.self) + entries(EC2Operation.self)
            + entries(IAMOperation.self) + entries(LogsOperation.self) + entries(STSOperation.self)
            + entries(ResourceGroupsTaggingOperation.self)
    }

    private static func entries<Operation: AWSOperation>(_ type: Operation.Type) -> [Entry] {
        Operation.allCases.map { Entry(command: $0.commandName, iamActions: $0.iamActions) }
    }
}

/// Resource tags, written in the order of their keys so a command is the same every time.
public typealias AWSTags = [String: String]

/// How the builders write structured arguments.
enum AWSArgument {
    /// A JSON document as one argument (the aws CLI parses an argument starting with `[` or `{`
    /// as JSON), keys sorted so the same input always builds the same command.
    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Only plain value types of this module are encoded here; they cannot fail.
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    /// `--tags '[{"Key":"k","Value":"v"}]'` (the tag shape of ECR, ELBv2, IAM), or nothing.
    static func keyValueTags(_ tags: AWSTags, option: String = "--tags", key: String = "Key", value: String = "Value") -> [String] {
        guard !tags.isEmpty else { return [] }
        return [option, json(tagList(tags, key: key, value: value))]
    }

    static func tagList(_ tags: AWSTags, key: String = "Key", value: String = "Value") -> [[String: String]] {
        tags.sorted { $0.key < $1.key }.map { [key: $0.key, value: $0.value] }
    }
}
