import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Processes a Panda started that outlived it.
///
/// `PR_SET_PDEATHSIG` reaches only the direct children: when Panda is killed with
/// `kill -9`, a grandchild (git's `git-remote-http` waiting on a silent server) lives on.
/// A runner made with an owner marks every child's environment with it, and children pass
/// their environment on; the next Panda on the same owner (its storage directory) finds
/// the marked processes at start and kills their whole sessions.
public enum LeftoverProcesses {
    /// The environment variable that carries the owner.
    public static let variable = "PANDA_CHILD_OWNER"

    /// SIGKILLs every live process marked with `owner` (other than this process) and
    /// every process in the sessions they belong to; returns the pids that were killed.
    @discardableResult
    public static func kill(owner: String) -> [pid_t] {
        let me = getpid()
        let processes = liveProcesses()
        let marked = processes.filter { $0.pid != me && environment(of: $0.pid).contains("\(variable)=\(owner)") }
        let sessions = Set(marked.map(\.session)).subtracting([getsid(0)])
        let markedPIDs = Set(marked.map(\.pid))
        let doomed = processes.filter { $0.pid != me && (sessions.contains($0.session) || markedPIDs.contains($0.pid)) }
        for process in doomed { Glibc.kill(process.pid, SIGKILL) }
        return doomed.map(\.pid)
    }

    private struct Entry { let pid: pid_t; let session: pid_t }

    private static func liveProcesses() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { name -> Entry? in
            guard let pid = pid_t(name),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // After "comm)": state, ppid, pgrp, session, …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 3, fields[0] != "Z", let session = pid_t(fields[3]) else { return nil }
            return Entry(pid: pid, session: session)
        }
    }

    /// The process's environment entries (readable for this user's processes only).
    private static func environment(of pid: pid_t) -> [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return [] }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}
