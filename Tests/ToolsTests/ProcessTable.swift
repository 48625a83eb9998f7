import Foundation

/// Reads /proc to see which processes of a group are still alive.
enum ProcessTable {
    /// Live (not zombie) processes whose process group is `groupID`.
    static func liveMembers(ofGroup groupID: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let fields = statFields(of: pid) else { return false }
            return Int32(fields[2]) == groupID
        }
    }

    static func isAlive(_ pid: Int32) -> Bool {
        statFields(of: pid) != nil
    }

    /// Polls until no live process is left in the group; returns the survivors.
    static func survivors(ofGroup groupID: Int32, within limit: Duration = .seconds(3)) async -> [Int32] {
        let deadline = ContinuousClock.now + limit
        var members = liveMembers(ofGroup: groupID)
        while !members.isEmpty && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            members = liveMembers(ofGroup: groupID)
        }
        return members
    }

    /// The fields after `(comm)`: state, ppid, pgrp, …; nil for gone or zombie processes.
    private static func statFields(of pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, fields[0] != "Z", fields[0] != "X" else { return nil }
        return fields
    }
}
