/// Shape checks for connection input, applied before any network call or child process.
/// Each failure is an ``InvalidRequest`` that names its field.
public enum ConnectionInputRules {
    /// GitHub user or organization: 1–39 ASCII letters, digits and single inner hyphens.
    public static func checkOwner(_ owner: String, field: String = "owner") throws(InvalidRequest) {
        let bytes = Array(owner.utf8)
        guard !bytes.isEmpty else { throw .invalidField(field, "must not be empty") }
        guard bytes.count <= 39 else { throw .invalidField(field, "must be at most 39 characters") }
        guard bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else {
            throw .invalidField(field, "may contain only letters, digits and hyphens")
        }
        guard bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            throw .invalidField(field, "must not start or end with a hyphen")
        }
        guard !owner.contains("--") else { throw .invalidField(field, "must not contain consecutive hyphens") }
    }

    /// GitHub repository name: 1–100 of `[A-Za-z0-9._-]`, not `.` or `..`.
    public static func checkRepo(_ repo: String, field: String = "repo") throws(InvalidRequest) {
        let bytes = Array(repo.utf8)
        guard !bytes.isEmpty else { throw .invalidField(field, "must not be empty") }
        guard bytes.count <= 100 else { throw .invalidField(field, "must be at most 100 characters") }
        guard bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }) else {
            throw .invalidField(field, "may contain only letters, digits, '.', '_' and '-'")
        }
        guard repo != ".", repo != ".." else { throw .invalidField(field, "must not be '.' or '..'") }
    }

    /// A branch name as `git check-ref-format --branch` accepts it (ref-name rules), at most 255 bytes.
    public static func checkBranch(_ branch: String, field: String = "branch") throws(InvalidRequest) {
        if let problem = BranchName.problem(branch) {
            throw .invalidField(field, "not a valid branch name (\(problem))")
        }
    }

    /// A secret such as a token or an AWS key: non-empty, no whitespace, no control characters.
    /// The message never repeats the value.
    public static func checkSecret(_ value: String, field: String) throws(InvalidRequest) {
        guard !value.isEmpty else { throw .invalidField(field, "must not be empty") }
        guard !value.unicodeScalars.contains(where: { $0.properties.isWhitespace || isControl($0) }) else {
            throw .invalidField(field, "must not contain whitespace or control characters")
        }
    }

    /// An AWS region such as `ap-northeast-2`, `us-gov-west-1`, `cn-north-1`, `eu-central-2`.
    public static func checkRegion(_ region: String, field: String = "region") throws(InvalidRequest) {
        guard isRegion(region) else {
            throw .invalidField(field, "must be an AWS region such as ap-northeast-2")
        }
    }

    static func isRegion(_ region: String) -> Bool {
        guard region.utf8.count <= 32 else { return false }
        let parts = region.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let number = parts.last, let partition = parts.first else { return false }
        let isLower = { (part: Substring) in !part.isEmpty && part.utf8.allSatisfy { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") } }
        guard partition.utf8.count == 2, isLower(partition) else { return false }
        guard parts.dropFirst().dropLast().allSatisfy(isLower) else { return false }
        return !number.isEmpty && number.utf8.count <= 2 && number.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0)
    }
}

/// git's ref-name rules (`git check-ref-format --branch`), as pure logic.
public enum BranchName {
    public static let maxBytes = 255

    public static func isValid(_ name: String) -> Bool { problem(name) == nil }

    /// Why `name` is not a valid branch name, or `nil` when it is.
    public static func problem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        if bytes.isEmpty { return "empty" }
        if bytes.count > maxBytes { return "longer than \(maxBytes) bytes" }
        if name == "@" { return "'@' alone" }
        if bytes.first == UInt8(ascii: "-") { return "starts with '-'" }
        if bytes.first == UInt8(ascii: "/") || bytes.last == UInt8(ascii: "/") { return "starts or ends with '/'" }
        if bytes.last == UInt8(ascii: ".") { return "ends with '.'" }
        if name.contains("..") { return "contains '..'" }
        if name.contains("@{") { return "contains '@{'" }
        if name.contains("//") { return "contains '//'" }
        for byte in bytes {
            if byte < 0x20 || byte == 0x7F { return "contains a control character" }
            if byte == UInt8(ascii: " ") { return "contains a space" }
            if let forbidden = forbidden.first(where: { $0 == byte }) {
                return "contains '\(Character(Unicode.Scalar(forbidden)))'"
            }
        }
        for component in name.split(separator: "/") {
            if component.hasPrefix(".") { return "a component starts with '.'" }
            if component.hasSuffix(".lock") { return "a component ends with '.lock'" }
        }
        return nil
    }

    private static let forbidden: [UInt8] = Array("~^:?*[\\".utf8)
}
