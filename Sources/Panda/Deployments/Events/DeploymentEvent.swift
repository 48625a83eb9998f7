import Foundation

/// One entry of a deployment's event log, with its SPEC `data` JSON encoded once.
public struct DeploymentEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case stage, done, error
    }

    /// A UUIDv7 carrying `timestamp` (see `EventID`): what SSE clients send back as `Last-Event-ID`.
    public let id: String
    public let kind: Kind
    public let timestamp: Date
    /// One line of JSON, e.g. `{"type":"stage","message":"…","details":{"stage":1,…}}`.
    public let data: String

    public var isTerminal: Bool { kind != .stage }

    static func stage(_ message: String, stage: Int, details: EventDetails) -> DeploymentEvent {
        var allDetails: EventDetails = ["stage": .integer(stage)]
        allDetails.merge(details)
        return make(.stage, EventPayload(type: "stage", message: message, details: allDetails))
    }

    static func done() -> DeploymentEvent {
        make(.done, EventPayload(type: "done", message: "Deployment completed successfully"))
    }

    static func error(_ message: String, errorCode: ErrorCode, stage: Int?) -> DeploymentEvent {
        make(.error, EventPayload(type: "error", message: message, errorCode: errorCode.rawValue, stage: stage))
    }

    private static func make(_ kind: Kind, _ payload: EventPayload) -> DeploymentEvent {
        let now = Date()
        return DeploymentEvent(id: EventID.make(at: now), kind: kind, timestamp: now, data: payload.json())
    }
}

/// Ordered `details` of a stage event: `stage` first, then in the order the stage gave them.
public struct EventDetails: Sendable, Equatable, Encodable, ExpressibleByDictionaryLiteral {
    public typealias Key = String
    public typealias Value = JSONValue

    public private(set) var pairs: [(String, JSONValue)] = []

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    public subscript(key: String) -> JSONValue? {
        get { pairs.first { $0.0 == key }?.1 }
        set {
            if let index = pairs.firstIndex(where: { $0.0 == key }) {
                if let newValue { pairs[index].1 = newValue } else { pairs.remove(at: index) }
            } else if let newValue {
                pairs.append((key, newValue))
            }
        }
    }

    mutating func merge(_ other: EventDetails) {
        for (key, value) in other.pairs { self[key] = value }
    }

    public static func == (left: EventDetails, right: EventDetails) -> Bool {
        left.pairs.map(\.0) == right.pairs.map(\.0) && left.pairs.map(\.1) == right.pairs.map(\.1)
    }

    private struct CodingName: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingName.self)
        for (key, value) in pairs { try container.encode(value, forKey: CodingName(stringValue: key)) }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }

    public static func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    public static func integer(_ value: Int) -> JSONValue { .number(Double(value)) }
}

private struct EventPayload: Encodable {
    let type: String
    let message: String
    var details: EventDetails?
    var errorCode: String?
    var stage: Int?

    func json() -> String {
        // Strings and finite numbers only: encoding cannot fail.
        (try? OrderedJSONEncoder().encode(self)) ?? "{}"
    }
}
