#!/usr/bin/env bash
# The whole test suite: Swift unit and integration tests (real servers, real clients,
# real processes), the dashboard in headless Chromium, then schemathesis against the real
# `panda` binary's /api-docs.
# Starts what the tests need and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

started_dockerd=""
panda_pid=""
cleanup() {
    [[ -n "$panda_pid" ]] && kill "$panda_pid" 2>/dev/null || true
    [[ -n "$started_dockerd" ]] && kill "$started_dockerd" 2>/dev/null || true
    return 0
}
trap cleanup EXIT

# Docker Engine for the build and push tests; stopped at the end if we started it.
started_dockerd=$(scripts/start-dockerd.sh)

swift build --build-tests
swift test --skip-build --parallel --num-workers 2

echo "== the dashboard in headless Chromium, against the demo fixtures and the real panda"
swift build --product panda
swift build --product panda-demo-fixtures
# Starts and stops its own fixtures (containers included), panda and the browser.
python3 Tests/Browser/dashboard_test.py --bin .build/debug --screenshots .build/browser-screenshots

echo "== schemathesis against /api-docs"
swift build --product panda
log=$(mktemp)
# Upstreams point at closed local ports: connects fail fast with the contract's 400s.
.build/debug/panda serve --port 0 \
    --set github.apiBaseURL=http://127.0.0.1:9 --set github.gitBaseURL=http://127.0.0.1:9 \
    --set aws.endpointURL=http://127.0.0.1:9 --set aws.validationTimeoutSeconds=5 >"$log" 2>&1 &
panda_pid=$!
for _ in $(seq 1 50); do grep -q "panda listening on" "$log" && break; sleep 0.1; done
url=$(sed -n 's/^panda listening on //p' "$log")
schemathesis run "$url/api-docs" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --max-examples 40 --seed 20261127 --no-color --request-timeout 30
kill "$panda_pid"; wait "$panda_pid" 2>/dev/null || true
panda_pid=""
rm -f "$log"

# Fuzzing: the Swift test above replays the corpus; here libFuzzer explores from it (bounded).
echo "== libFuzzer over the fuzz targets"
scripts/fuzz.sh
