import Crypto
import Foundation

/// Seals secrets for storage with AES-256-GCM. Each sealed value carries its own random
/// nonce and is bound to the id it belongs to (authenticated data), so a sealed value
/// moved to another row does not open.
public struct SecretSealer: Sendable {
    /// The key's bytes (`SymmetricKey` is not `Sendable`); a `SymmetricKey` is made per use.
    private let keyBytes: Data

    public init(key: SymmetricKey) {
        keyBytes = key.withUnsafeBytes { Data($0) }
    }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// A sealer with a fresh random key, for stores that live only in memory.
    public static func ephemeral() -> SecretSealer {
        SecretSealer(key: SymmetricKey(size: .bits256))
    }

    public func seal(_ plaintext: Data, for id: String) throws(StorageError) -> Data {
        do {
            guard let combined = try AES.GCM.seal(plaintext, using: key, authenticating: Data(id.utf8)).combined else {
                throw StorageError("sealing produced no output")
            }
            return combined
        } catch {
            throw StorageError("cannot seal a secret")
        }
    }

    /// Throws ``SecretKeyMismatch`` when the key is not the one that sealed it.
    public func open(_ sealed: Data, for id: String) throws(SecretKeyMismatch) -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data(id.utf8))
        } catch {
            throw SecretKeyMismatch()
        }
    }
}

/// The configured key does not open what the store holds. Panda refuses to start rather
/// than lose or bypass the stored secrets.
public struct SecretKeyMismatch: Error, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String {
        "the secret key does not open the stored secrets (was PANDA_SECRET_KEY or secret.key changed?); refusing to start"
    }
}

/// Where the storage key comes from: `PANDA_SECRET_KEY` (base64 of 32 bytes), else
/// `{storage.directory}/secret.key`, created 0600 with a random key at first start.
public enum SecretKeySource {
    public static let environmentName = "PANDA_SECRET_KEY"
    public static let fileName = "secret.key"

    public static func load(environment: [String: String], directory: String) throws(StorageStartupError) -> SymmetricKey {
        if let text = environment[environmentName] {
            return try decode(text, source: environmentName)
        }
        let path = (directory as NSString).appendingPathComponent(fileName)
        if let contents = FileManager.default.contents(atPath: path) {
            return try decode(String(decoding: contents, as: UTF8.self), source: path)
        }
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StorageStartupError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let written = text.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        guard written == text.utf8.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw StorageStartupError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        return key
    }

    private static func decode(_ text: String, source: String) throws(StorageStartupError) -> SymmetricKey {
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
            throw StorageStartupError("\(source) must be the base64 of 32 bytes")
        }
        return SymmetricKey(data: bytes)
    }
}

/// Why the store could not be opened at start: the message says what to fix.
public struct StorageStartupError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
