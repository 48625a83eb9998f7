import Foundation
import Testing
import Tools
import PandaTestSupport
@testable import Panda

/// The SQLite store on a real file: sealing, the key, permissions, what a reopen finds.
@Suite struct StorageTests {
    /// Stage timings stored by a build before `awaitedTime` existed still read, as zero.
    @Test func stageTimingsStoredBeforeAwaitedTimeStillRead() throws {
        let timing = StageTiming(stage: 3, name: "ECS service", wallTime: .seconds(2), childProcessTime: .seconds(1),
                                 childProcessCount: 2, awaitedTime: .milliseconds(900))
        var fields = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(timing)) as? [String: Any])
        #expect(fields.removeValue(forKey: "awaitedTime") != nil)
        let old = try JSONDecoder().decode(StageTiming.self, from: JSONSerialization.data(withJSONObject: fields))
        #expect(old.awaitedTime == .zero && old.wallTime == .seconds(2) && old.childProcessCount == 2)
        #expect(try JSONDecoder().decode(StageTiming.self, from: JSONEncoder().encode(timing)) == timing)
    }

    static let token = "ghp_storageTestToken0123456789abcdef"
    static let accessKeyId = "AKIASTORAGETEST12345"
    static let secretAccessKey = "storage/Test+Secret/AccessKey0123456789xyz"
    static let sessionToken = "IQoJb3JpZ2luX2VjEStorageSessionToken"

    static func github(_ id: String = "gh_store00001") -> GitHubConnection {
        GitHubConnection(id: id, owner: "octo", repo: "app", branch: "main", token: Secret(token),
                         fullName: "octo/app", defaultBranch: "main", headCommitSHA: "abc123",
                         createdAt: Date(timeIntervalSince1970: 1_700_000_000))
    }

    static func aws(_ id: String = "aws_store0001") -> AWSConnection {
        AWSConnection(id: id, region: "eu-west-1",
                      credentials: AWSCredentials(accessKeyId: Secret(accessKeyId), secretAccessKey: Secret(secretAccessKey),
                                                  sessionToken: Secret(sessionToken)),
                      accountId: "123456789012", callerARN: "arn:aws:iam::123456789012:user/store",
                      createdAt: Date(timeIntervalSince1970: 1_700_000_001))
    }

    @Test func connectionsSurviveAReopenWithTheirSecretsSealed() async throws {
        try await withStorageDirectory { directory in
            let first = try Storage.open(directory: directory, environment: [:])
            let registry = ConnectionRegistry(storage: first)
            try await registry.add(Self.github())
            try await registry.add(Self.aws())

            let reopened = ConnectionRegistry(storage: try Storage.open(directory: directory, environment: [:]))
            #expect(try await reopened.restore() == 2)
            let github = try #require(await reopened.github("gh_store00001"))
            #expect(github.token.reveal() == Self.token && github.fullName == "octo/app" && github.headCommitSHA == "abc123")
            #expect(github.createdAt == Self.github().createdAt)
            let aws = try #require(await reopened.aws("aws_store0001"))
            #expect(aws.credentials == Self.aws().credentials && aws.region == "eu-west-1" && aws.accountId == "123456789012")

            // Private on disk: directory 0700, database and key 0600.
            #expect(try permissions(directory) == 0o700)
            #expect(try permissions(directory + "/panda.db") == 0o600)
            #expect(try permissions(directory + "/secret.key") == 0o600)
            let leaks = try secretLeaks(in: directory, secrets: [Self.token, Self.accessKeyId, Self.secretAccessKey, Self.sessionToken])
            #expect(leaks.isEmpty, "found in the storage directory: \(leaks)")

            // Deleting removes the sealed secrets from the store too.
            #expect(try await reopened.remove("gh_store00001"))
            #expect(try first.store.connections().map(\.id) == ["aws_store0001"])
        }
    }

    @Test func aWrongKeyStopsStartUpAndABadKeyIsRefused() async throws {
        try await withStorageDirectory { directory in
            let keyA = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            let keyB = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            let storage = try Storage.open(directory: directory, environment: ["PANDA_SECRET_KEY": keyA])
            try await ConnectionRegistry(storage: storage).add(Self.github())
            // The environment's key was used: no key file was written.
            #expect(!FileManager.default.fileExists(atPath: directory + "/secret.key"))

            let wrong = #expect(throws: StorageStartupError.self) {
                try Storage.open(directory: directory, environment: ["PANDA_SECRET_KEY": keyB])
            }
            #expect(wrong?.description.contains("secret key does not open the stored secrets") == true)
            let malformed = #expect(throws: StorageStartupError.self) {
                try Storage.open(directory: directory, environment: ["PANDA_SECRET_KEY": "c2hvcnQ="])
            }
            #expect(malformed?.description == "PANDA_SECRET_KEY must be the base64 of 32 bytes")
            // The right key still opens everything.
            let again = ConnectionRegistry(storage: try Storage.open(directory: directory, environment: ["PANDA_SECRET_KEY": keyA]))
            #expect(try await again.restore() == 1)
        }
    }

    @Test func aStorageDirectoryThatCannotBeUsedIsAClearError() throws {
        let notADirectory = #expect(throws: StorageStartupError.self) {
            try Storage.open(directory: "/etc/hostname", environment: [:])
        }
        #expect(notADirectory?.description == "storage.directory /etc/hostname is not a directory")
        let impossible = #expect(throws: StorageStartupError.self) {
            try Storage.open(directory: "/proc/panda-storage-test", environment: [:])
        }
        #expect(impossible?.description.hasPrefix("cannot create storage.directory /proc/panda-storage-test: ") == true)
    }

    @Test func aSealedSecretOpensOnlyForItsOwnRow() throws {
        let sealer = SecretSealer.ephemeral()
        let sealed = try sealer.seal(Data("secret".utf8), for: "gh_a")
        #expect(try sealer.open(sealed, for: "gh_a") == Data("secret".utf8))
        #expect(throws: SecretKeyMismatch.self) { try sealer.open(sealed, for: "gh_b") }
        #expect(throws: SecretKeyMismatch.self) { try SecretSealer.ephemeral().open(sealed, for: "gh_a") }
        // A fresh nonce each time: the same secret never seals to the same bytes.
        #expect(try sealer.seal(Data("secret".utf8), for: "gh_a") != sealed)
    }

    @Test func eventsPageFromTheStoreBeyondTheRecentWindow() throws {
        let store = SQLiteStore.inMemory()
        let log = EventLog(deploymentID: "dep_page000001", store: store, limits: .init(recentEvents: 16))
        let events = (1...1000).map { DeploymentEvent.stage("event \($0)", stage: 1, details: [:]) }
        for event in events { log.append(event) }
        #expect(log.count == 1000)
        // From the start: the store; the newest: memory. Either way the same order and ids.
        #expect(log.events(after: 0, limit: 10).map(\.event.id) == events.prefix(10).map(\.id))
        #expect(log.events(after: 995, limit: 10).map(\.sequence) == [996, 997, 998, 999, 1000])
        #expect(log.events.map(\.id) == events.map(\.id))
        #expect(log.cursor(for: .after(events[99].id)) == 100)
        #expect(log.cursor(for: .after("no-such-event")) == 0)
        #expect(try store.events(of: "dep_page000001", after: 0, limit: 2000).count == 1000)
    }

    @Test func toolOutputPastTheLimitIsDroppedAndTheLogSaysSo() throws {
        let log = EventLog(deploymentID: "dep_limit00001", store: SQLiteStore.inMemory(), limits: .init(maxOutputBytes: 1000))
        let line = String(repeating: "x", count: 300)
        for _ in 0..<10 {
            log.append(.stage("[Stage 1] Docker build 출력", stage: 1, details: ["lines": .array([.string(line)])]), isOutput: true)
        }
        log.append(.stage("[Stage 1] Docker 이미지 빌드 완료", stage: 1, details: [:]))
        log.append(.done())
        let messages = log.events.map { event in
            (try? JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8)))?["message"]?.stringValue ?? ""
        }
        #expect(messages.filter { $0 == "[Stage 1] Docker build 출력" }.count == 2)
        #expect(messages.contains("[Log] Tool output past 1000 bytes is dropped for this deployment"))
        #expect(messages.contains { $0.hasPrefix("[Log] 8 output events (") && $0.hasSuffix(" bytes) were dropped") })
        #expect(messages.contains("[Stage 1] Docker 이미지 빌드 완료"))
        #expect(log.events.last?.kind == .done)
    }

    @Test func aLongOutputLineIsCutWithAMarker() {
        let line = String(repeating: "한", count: 100)  // 3 bytes each
        let cut = BuildLogRelay.bounded(line, maxBytes: 100)
        #expect(cut == String(repeating: "한", count: 33) + " …[truncated 201 bytes]")
        #expect(BuildLogRelay.bounded("short", maxBytes: 100) == "short")
    }
}

// MARK: - Helpers

/// A fresh directory for a storage, removed afterwards.
func withStorageDirectory(_ body: (String) async throws -> Void) async throws {
    var template = Array((NSTemporaryDirectory() + "panda-storage-test-XXXXXX").utf8CString)
    guard let created = mkdtemp(&template) else { throw TestFixtureError("mkdtemp failed") }
    let parent = String(cString: created)
    defer { try? FileManager.default.removeItem(atPath: parent) }
    // A directory Panda creates itself, as at first start.
    try await body(parent + "/data")
}

func permissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}
