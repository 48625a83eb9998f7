// Shared fixtures for the test targets: real servers and tools started per test.
