import Dispatch
import Foundation
import Testing
@testable import Panda

@Suite(.timeLimit(.minutes(1)))
struct BlockingWorkTests {
    /// More blocking jobs than the cooperative pool has threads: if they ran on it, the task
    /// that releases them could never run and this test would hang (and hit its time limit).
    @Test func blockingWorkLeavesTheCooperativePoolFree() async {
        let jobs = ProcessInfo.processInfo.activeProcessorCount + 2
        let release = DispatchSemaphore(value: 0)
        let finished = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<jobs {
                group.addTask { await BlockingWork.run { release.wait(); return true } }
            }
            group.addTask {
                // Plain async work, on the cooperative pool, while every job blocks.
                try? await Task.sleep(for: .milliseconds(50))
                for _ in 0..<jobs { release.signal() }
                return false
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(finished == jobs)
    }
}
