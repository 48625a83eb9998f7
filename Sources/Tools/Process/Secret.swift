/// A sensitive string (token, password, AWS key) that must never be printed.
///
/// Every textual rendering (`description`, `debugDescription`, `dump`,
/// string interpolation) is `***`. `Secret` is deliberately not `Encodable`,
/// so it cannot leak into a JSON body by accident; the few places that need
/// the value call ``reveal()``.
public struct Secret: Sendable, Hashable {
    private let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// The clear-text value. Call only where the value is handed to its consumer.
    public func reveal() -> String {
        value
    }

    public var isEmpty: Bool {
        value.isEmpty
    }
}

extension Secret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "***" }
    public var debugDescription: String { "***" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: nil) }
}
