import Foundation
import Synchronization

/// A task executor with one thread of its own that lives as long as Panda.
///
/// Children are started from this thread because Linux sends a child's parent-death
/// signal (`PR_SET_PDEATHSIG`) when the *thread* that forked it ends, not the process:
/// a pool thread that retires after idling would kill children that are still working.
/// Only the spawn runs here; the child's supervision goes back to the global executor.
final class SpawnThread: TaskExecutor, @unchecked Sendable {
    static let shared = SpawnThread()

    private let jobs = Mutex<[UnownedJob]>([])
    private let available = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [self] in runForever() }
        thread.name = "panda-spawn"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        available.signal()
    }

    private func runForever() {
        while true {
            available.wait()
            guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
