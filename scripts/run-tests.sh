#!/usr/bin/env bash
# The whole test suite: Swift unit and integration tests (real servers, real clients,
# real processes). Starts what the tests need and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --build-tests
swift test --skip-build --parallel --num-workers 2
