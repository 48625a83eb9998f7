/// Public ids such as `gh_a1b2c3d4e5`: a prefix and 10 characters of `[a-z0-9]` drawn
/// from the system's cryptographic generator (getrandom on Linux).
public enum Identifier {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    public static func make(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let suffix = (0..<10).map { _ in alphabet[Int(generator.next(upperBound: UInt8(alphabet.count)))] }
        return prefix + String(suffix)
    }
}
