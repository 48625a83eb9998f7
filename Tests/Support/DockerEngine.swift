import Foundation
import Synchronization
import Tools
#if canImport(Glibc)
import Glibc
#endif

/// The Docker Engine the tests build, run and push with.
///
/// ``ensureRunning()`` uses the engine that answers `docker info`, or starts
/// `dockerd` in the background (about 2 s here) and then stops it when the test
/// process exits. The engine is shared by every suite of the process and by other
/// test processes: one lock file serialises check-and-start and the decision to stop,
/// and every process that uses the engine holds a shared lock on a second file until
/// it exits. The last one out stops a `dockerd` that the fixtures started (its PID is
/// in a state file); an engine that was already running is never stopped.
///
/// Facts found on this machine (Debian 12, dockerd 20.10.24, docker CLI 28.2.2 at
/// /usr/local/bin/docker, kernel 6.18, cgroup v1, running as root): plain
/// `dockerd` works with no extra flags (overlay2 on ext4, bridge network, iptables,
/// userland proxy for `-p 127.0.0.1:PORT:8080`); `docker run hello-world` fails
/// (`lookup registry-1.docker.io … no such host`), so images are built `FROM
/// scratch`; `docker build` uses the legacy builder (no buildx plugin; it prints a
/// deprecation notice on stderr); `127.0.0.1:PORT` registries are insecure (plain
/// HTTP) by default; dockerd answers about 1–2 s after launch and takes 1–3 s to stop.
public actor DockerEngine {
    public static let shared = DockerEngine()

    /// Held exclusively, briefly, to check-and-start or to decide to stop.
    public static let lockPath = "/tmp/panda-test-dockerd.start.lock"
    /// Held shared by every test process that uses the engine, until it exits.
    public static let usersPath = "/tmp/panda-test-dockerd.users.lock"
    /// The PID of a dockerd that the fixtures started (absent when the engine was already there).
    public static let statePath = "/tmp/panda-test-dockerd.pid"
    public static let logPath = "/tmp/panda-test-dockerd.log"

    /// Extra `dockerd` flags from the environment (space-separated), for machines that
    /// need e.g. `--storage-driver=vfs --iptables=false`. None are needed here.
    public static var extraFlags: [String] {
        (ProcessInfo.processInfo.environment["PANDA_TEST_DOCKERD_FLAGS"] ?? "")
            .split(separator: " ").map(String.init)
    }

    private var starting: Task<Void, any Error>?
    private var isReady = false
    /// True when this process launched the running dockerd.
    public private(set) var startedHere = false

    private init() {}

    /// Makes sure an engine answers `docker info`, starting `dockerd` if none does.
    /// Safe to call from many suites at once; the first call does the work.
    public func ensureRunning() async throws {
        try UnitTestRun.refuse("Docker Engine")
        if isReady { return }
        if let starting {
            return try await starting.value
        }
        let task = Task { try await self.start() }
        starting = task
        do {
            try await task.value
            isReady = true
            starting = nil
        } catch {
            starting = nil
            throw error
        }
    }

    /// Stops the engine now if the fixtures started it and no other test process uses
    /// it; otherwise only gives up this process's use. Normally not needed: the same
    /// happens when the process exits. Call only when no suite of this process still
    /// needs the engine.
    public func stop() async {
        isReady = false
        startedHere = false
        await Task.detached { Self.releaseBlocking() }.value
    }

    // MARK: Starting

    private func start() async throws {
        let lock = try await Self.acquireExclusive(Self.lockPath)
        defer { Self.unlock(lock) }
        if await Self.isAnswering() {
            try Self.joinUsers()
            return
        }
        // A dockerd the fixtures started earlier but that does not answer (crashed run): end it.
        if let stale = Self.recordedPID() {
            await TestProcess.terminate(pid: stale, grace: .seconds(10))
            try? FileManager.default.removeItem(atPath: Self.statePath)
        }
        try? FileManager.default.removeItem(atPath: Self.logPath)
        let process = try TestProcess.start(
            name: "dockerd",
            executable: "dockerd",
            arguments: Self.extraFlags,
            logFile: URL(fileURLWithPath: Self.logPath)
        )
        try "\(process.pid)\n".write(toFile: Self.statePath, atomically: true, encoding: .utf8)
        startedHere = true
        do {
            try await process.waitUntilReady(timeout: .seconds(30), interval: .milliseconds(200)) {
                await Self.isAnswering()
            }
        } catch {
            await process.stop(grace: .seconds(10))
            try? FileManager.default.removeItem(atPath: Self.statePath)
            startedHere = false
            throw error
        }
        try Self.joinUsers()
    }

    /// Whether `docker info` answers.
    public static func isAnswering() async -> Bool {
        let command = Command(
            "docker",
            arguments: ["info", "--format", "{{.ServerVersion}}"],
            timeout: .seconds(10)
        )
        guard let result = try? await TestProcess.runner.run(command) else { return false }
        return result.succeeded
    }

    // MARK: The cross-process locks

    /// This process's descriptor of ``usersPath`` (held shared) while it uses the engine; -1 when none.
    private static let usersLock = Mutex<Int32>(-1)
    private static let exitHookInstalled = Atomic<Bool>(false)

    private static func openLockFile(_ path: String) throws -> Int32 {
        // O_CLOEXEC: a child (dockerd itself!) must not inherit the lock.
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw TestFixtureError("DockerEngine: cannot open \(path), errno \(errno)") }
        return descriptor
    }

    private static func acquireExclusive(_ path: String) async throws -> Int32 {
        let descriptor = try openLockFile(path)
        let deadline = ContinuousClock.now + .seconds(120)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard ContinuousClock.now < deadline else {
                close(descriptor)
                throw TestFixtureError("DockerEngine: \(path) stayed locked for 120 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return descriptor
    }

    private static func unlock(_ descriptor: Int32) {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Holds ``usersPath`` shared until exit (or ``stop()``), and installs the exit hook.
    /// Called with ``lockPath`` held, so no stopper holds ``usersPath`` exclusively.
    private static func joinUsers() throws {
        let alreadyJoined = usersLock.withLock { $0 >= 0 }
        if alreadyJoined { return }
        let descriptor = try openLockFile(usersPath)
        guard flock(descriptor, LOCK_SH) == 0 else {
            close(descriptor)
            throw TestFixtureError("DockerEngine: cannot lock \(usersPath), errno \(errno)")
        }
        usersLock.withLock { $0 = descriptor }
        if !exitHookInstalled.exchange(true, ordering: .acquiringAndReleasing) {
            atexit { DockerEngine.releaseBlocking() }
        }
    }

    /// Gives up this process's use; stops a fixture-started dockerd if no one else uses it.
    nonisolated static func releaseBlocking() {
        let users = usersLock.withLock { held in
            defer { held = -1 }
            return held
        }
        guard users >= 0 else { return }
        defer { close(users) }
        // No one may start or join while we decide (bounded wait: this may run at exit).
        guard let lock = try? openLockFile(lockPath) else { return }
        defer { unlock(lock) }
        let deadline = ContinuousClock.now + .seconds(30)
        while flock(lock, LOCK_EX | LOCK_NB) != 0 {
            guard ContinuousClock.now < deadline else { return }
            usleep(50_000)
        }
        // Exclusive on the users file without waiting only when no other process uses the engine.
        guard flock(users, LOCK_EX | LOCK_NB) == 0 else { return }
        guard let pid = recordedPID() else { return }
        TestProcess.terminateBlocking(pid: pid, grace: .seconds(15))
        try? FileManager.default.removeItem(atPath: statePath)
    }

    /// The PID in the state file, if it names a live dockerd.
    static func recordedPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: statePath, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
              TestProcess.isAlive(pid: pid),
              let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
              name.trimmingCharacters(in: .whitespacesAndNewlines) == "dockerd"
        else { return nil }
        return pid
    }
}
