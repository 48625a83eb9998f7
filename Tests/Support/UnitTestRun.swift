import Foundation

/// `make unit-test` sets `PANDA_UNIT_TESTS_ONLY=1` and skips the suites that need Docker,
/// moto or a registry. A suite it should have skipped fails at once, naming the fixture,
/// instead of silently starting heavy machinery: add it to `UNIT_TEST_SKIP` in the Makefile.
public enum UnitTestRun {
    public static var isActive: Bool {
        ProcessInfo.processInfo.environment["PANDA_UNIT_TESTS_ONLY"] == "1"
    }

    public static func refuse(_ fixture: String) throws {
        guard isActive else { return }
        throw TestFixtureError("\(fixture) is not available to `make unit-test`: add this suite to UNIT_TEST_SKIP in the Makefile")
    }
}
