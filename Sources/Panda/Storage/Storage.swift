import Foundation

/// The store and the sealer that goes with it, opened once at start.
public struct Storage: Sendable {
    public let store: any Store
    public let sealer: SecretSealer

    public init(store: any Store, sealer: SecretSealer) {
        self.store = store
        self.sealer = sealer
    }

    /// Nothing survives the process: for tests and tools that embed Panda.
    public static func inMemory() -> Storage {
        Storage(store: SQLiteStore.inMemory(), sealer: .ephemeral())
    }

    private static let keyCheckName = "keyCheck"
    private static let keyCheckText = Data("panda secret key check".utf8)

    /// Creates `directory` (0700) when needed, loads or creates the key, opens the
    /// database and checks that the key opens what was sealed before.
    public static func open(directory: String, environment: [String: String]) throws(StorageStartupError) -> Storage {
        try prepareDirectory(directory)
        let key = try SecretKeySource.load(environment: environment, directory: directory)
        let sealer = SecretSealer(key: key)
        let store: SQLiteStore
        do {
            store = try SQLiteStore(directory: directory)
            if let check = try store.metadata(keyCheckName) {
                guard (try? sealer.open(check, for: keyCheckName)) == keyCheckText else {
                    throw StorageStartupError("\(directory): \(SecretKeyMismatch())")
                }
            } else {
                try store.setMetadata(keyCheckName, sealer.seal(keyCheckText, for: keyCheckName))
            }
        } catch let error as StorageError {
            throw StorageStartupError("storage \(directory): \(error.isDiskFull ? "the disk is full" : error.reason)")
        } catch let error as StorageStartupError {
            throw error
        } catch {
            throw StorageStartupError("storage \(directory): \(error)")
        }
        return Storage(store: store, sealer: sealer)
    }

    private static func prepareDirectory(_ directory: String) throws(StorageStartupError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw StorageStartupError("storage.directory \(directory) is not a directory") }
            // Only its owner may read what Panda keeps.
            guard chmod(directory, 0o700) == 0 else {
                throw StorageStartupError("storage.directory \(directory): \(String(cString: strerror(errno)))")
            }
        } else if mkdir(directory, 0o700) != 0 {
            throw StorageStartupError("cannot create storage.directory \(directory): \(String(cString: strerror(errno)))")
        }
        // Root passes permission checks, so try a real write: a read-only file system says so here.
        let probe = (directory as NSString).appendingPathComponent(".write-check-\(getpid())")
        let descriptor = Glibc.open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StorageStartupError("storage.directory \(directory) is not writable: \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        unlink(probe)
    }
}
