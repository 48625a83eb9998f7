import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a test fixture could not start or talk to its process.
public struct TestFixtureError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// A long-running child for tests (a registry, dockerd, moto, ...), stopped by PID.
///
/// The child is started detached: in a session and process group of its own
/// (so a signal to the group reaches its children too), stdin from `/dev/null`,
/// stdout and stderr appended to ``logFile``, and reaped by init rather than by
/// this process, so a PID alone is enough to stop it, from here or from an
/// `atexit` hook. Nothing in `arguments` may be secret (they are visible in
/// `ps`); pass secrets in `environment` or in files.
public final class TestProcess: Sendable {
    public let name: String
    public let pid: pid_t
    public let logFile: URL

    private init(name: String, pid: pid_t, logFile: URL) {
        self.name = name
        self.pid = pid
        self.logFile = logFile
    }

    /// Starts `executable` (a path, or a name looked up in `PATH`).
    ///
    /// - Parameters:
    ///   - environment: the child's complete environment; `nil` inherits this process's.
    ///   - logFile: where output goes; a new file in the temporary directory when `nil`.
    public static func start(
        name: String,
        executable: String,
        arguments: [String] = [],
        environment: [String: String]? = nil,
        workingDirectory: URL? = nil,
        logFile: URL? = nil
    ) throws -> TestProcess {
        let log = logFile ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("panda-\(name)-\(UUID().uuidString.prefix(8)).log")
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        // `setsid -f` forks the child into a session and process group of its own, so
        // init reaps it; the child writes its PID before exec'ing the program. The
        // launcher waits for that file, and we wait for the launcher with waitpid.
        // (Foundation's Process cannot be used next to swift-subprocess: Subprocess
        // installs its own SIGCHLD handler, and Process.waitUntilExit never returns.)
        let pidFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("panda-\(name)-\(UUID().uuidString.prefix(8)).pid")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let script = #"""
            log="$1"; pidfile="$2"; directory="$3"; shift 3
            if [ -n "$directory" ]; then cd "$directory" || exit 1; fi
            setsid -f /bin/sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" </dev/null >>"$log" 2>&1
            i=0
            while [ ! -s "$pidfile" ]; do
                i=$((i + 1)); [ "$i" -gt 1000 ] && exit 1
                sleep 0.01
            done
            """#
        let status = try spawnAndWait(
            "/bin/sh",
            ["-c", script, "panda-test-launcher", log.path, pidFile.path, workingDirectory?.path ?? "", executable]
                + arguments,
            environment: environment ?? ProcessInfo.processInfo.environment
        )
        let text = (try? String(contentsOf: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard status == 0, let pid = pid_t(text), pid > 0 else {
            throw TestFixtureError("\(name): could not launch \(executable) (launcher status \(status)); log:\n\(String(decoding: (FileManager.default.contents(atPath: log.path) ?? Data()).suffix(2000), as: UTF8.self))")
        }
        return TestProcess(name: name, pid: pid, logFile: log)
    }

    /// posix_spawn + waitpid for the short launcher shell; stdio on /dev/null. Returns its exit status.
    private static func spawnAndWait(
        _ path: String,
        _ arguments: [String],
        environment: [String: String]
    ) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in Int32(0)...2 {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw TestFixtureError("posix_spawn \(path) failed: errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(child, &status, 0) == -1 {
            guard errno == EINTR else { throw TestFixtureError("waitpid failed: errno \(errno)") }
        }
        // WIFEXITED / WEXITSTATUS
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// True while the process exists and is not a zombie.
    public var isRunning: Bool {
        Self.isAlive(pid: pid)
    }

    /// Polls `probe` until it returns true. Fails early, with the log's tail, when
    /// the process dies first, and after `timeout` otherwise.
    public func waitUntilReady(
        timeout: Duration = .seconds(15),
        interval: Duration = .milliseconds(50),
        _ probe: @Sendable () async -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if await probe() { return }
            guard isRunning else {
                throw TestFixtureError("\(name) (pid \(pid)) exited before it was ready; log:\n\(logTail())")
            }
            guard ContinuousClock.now < deadline else {
                throw TestFixtureError("\(name) (pid \(pid)) not ready after \(timeout); log:\n\(logTail())")
            }
            try await Task.sleep(for: interval)
        }
    }

    /// SIGTERM to the process group, then SIGKILL after `grace`. Returns once it is gone.
    @discardableResult
    public func stop(grace: Duration = .seconds(5)) async -> Bool {
        await Self.terminate(pid: pid, grace: grace)
    }

    /// The last bytes of the log, for failure messages.
    public func logTail(maxBytes: Int = 4000) -> String {
        guard let data = FileManager.default.contents(atPath: logFile.path) else { return "" }
        return String(decoding: data.suffix(maxBytes), as: UTF8.self)
    }

    // MARK: By PID

    /// Whether `pid` names a live process (a zombie counts as gone).
    public static func isAlive(pid: pid_t) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        // /proc/PID/stat: "pid (comm) S ..."; the state follows the last ')'.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// Stops a process started detached (its PID is also its group's id): SIGTERM
    /// to the group, SIGKILL after `grace`. True when it is gone.
    @discardableResult
    public static func terminate(pid: pid_t, grace: Duration = .seconds(5)) async -> Bool {
        guard isAlive(pid: pid) else { return true }
        signal(pid: pid, SIGTERM)
        if await waitForExit(pid: pid, timeout: grace) { return true }
        signal(pid: pid, SIGKILL)
        return await waitForExit(pid: pid, timeout: .seconds(5))
    }

    /// ``terminate(pid:grace:)`` for places that cannot await (an `atexit` hook).
    @discardableResult
    public static func terminateBlocking(pid: pid_t, grace: Duration = .seconds(5)) -> Bool {
        guard isAlive(pid: pid) else { return true }
        signal(pid: pid, SIGTERM)
        if waitForExitBlocking(pid: pid, timeout: grace) { return true }
        signal(pid: pid, SIGKILL)
        return waitForExitBlocking(pid: pid, timeout: .seconds(5))
    }

    private static func signal(pid: pid_t, _ signal: Int32) {
        // The group when the process leads one, else the process alone.
        if getpgid(pid) == pid {
            kill(-pid, signal)
        }
        kill(pid, signal)
    }

    private static func waitForExit(pid: pid_t, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isAlive(pid: pid) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return true
    }

    private static func waitForExitBlocking(pid: pid_t, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isAlive(pid: pid) {
            guard ContinuousClock.now < deadline else { return false }
            usleep(25_000)
        }
        return true
    }
}
