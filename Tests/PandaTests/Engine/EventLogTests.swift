import Synchronization
import Testing
import PandaTestSupport
@testable import Panda

@Suite struct EventLogTests {
    private func event(_ n: Int) -> DeploymentEvent { .stage("event \(n)", stage: 1, details: [:]) }
    private func makeLog() -> EventLog { EventLog(deploymentID: "dep_test000001", store: SQLiteStore.inMemory()) }

    private final class Collector: Sendable {
        let received = Mutex<[String]>([])
        func add(_ event: DeploymentEvent) { received.withLock { $0.append(event.id) } }
        var ids: [String] { received.withLock { $0 } }
    }

    @Test func lateSubscriberGetsHistoryThenLiveInOrder() {
        let log = makeLog()
        let events = (0..<5).map(event)
        for event in events.prefix(3) { log.append(event) }
        let collector = Collector()
        let token = log.subscribe(.fromStart, collector.add)
        #expect(token != nil)
        for event in events.suffix(2) { log.append(event) }
        #expect(collector.ids == events.map(\.id))
    }

    @Test func resumeAfterLastEventIDLosesAndRepeatsNothing() {
        let log = makeLog()
        let events = (0..<6).map(event)
        for event in events.prefix(4) { log.append(event) }
        let collector = Collector()
        log.subscribe(.after(events[1].id), collector.add)
        for event in events.suffix(2) { log.append(event) }
        #expect(collector.ids == events[2...].map(\.id))
    }

    @Test func terminalEventEndsTheLogAndSubscriptions() {
        let log = makeLog()
        log.append(event(0))
        let collector = Collector()
        log.subscribe(.fromStart, collector.add)
        let done = DeploymentEvent.done()
        log.append(done)
        log.closeSubscriptions()
        log.append(event(9))  // ignored: nothing follows the terminal event
        #expect(log.count == 2)
        #expect(log.subscriberCount == 0)
        #expect(log.hasDelivered(allUpTo: done.id))
        #expect(log.subscribe(.after(done.id), collector.add) == nil)
    }

    @Test func thousandSubscribersSeeIdenticalSequencesWhilePublishingConcurrently() async {
        let log = makeLog()
        let collectors = (0..<1000).map { _ in Collector() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for n in 0..<200 { log.append(self.event(n)) } }
            for collector in collectors {
                group.addTask { log.subscribe(.fromStart, collector.add) }
            }
        }
        let expected = log.events.map(\.id)
        #expect(expected.count == 200)
        #expect(collectors.allSatisfy { $0.ids == expected })
    }
}
