#!/usr/bin/env bash
# bench/orchestration/run.sh - Panda's orchestration overhead: runs the demo's deployments
# (scripts/demo.sh: fixtures + release panda, v1 then v2 blue/green), then reads each
# result's `stageTimings` and prints, per stage, wall time, child processes, the time the
# engine measured as awaited (child processes or deliberate pauses, concurrent ones once)
# and what is left: Panda's own time. Goal: under 2 % of the deployment's wall time.
# Prints figures; never asserts.
#
#   DEMO_BIN_DIR      where panda and panda-demo-fixtures are (default .build/release)
#   DEMO_DEPLOYMENTS  1 = only the first deployment (default 2)
#   DEMO_THEN         what runs against the demo's panda afterwards (default bench/panda/run.sh;
#                     empty for the timings only)
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== Orchestration overhead: one demo run (fixtures + release panda), per-stage timings"
results=$(mktemp -d /tmp/panda-bench-orchestration-XXXXXX)
trap 'rm -rf "$results"' EXIT
log="$results/demo.log"
# DEMO_THEN: after its deployments, the demo's panda is benchmarked as it is (bench/panda/run.sh:
# routes and SSE fan-out against the C ceiling); its output is printed after the timings.
then_command=${DEMO_THEN-"bash bench/panda/run.sh >$results/panda-bench.txt 2>&1"}
# The benchmarked panda: no per-request log line (as for a busy server), and room for the
# fan-out's thousands of streams from one loopback client.
bench_settings="log.requests=false server.perClientConnectionLimit=0 server.connectionLimit=19000"
if ! DEMO_RESULTS="$results" DEMO_THEN="$then_command" DEMO_SETTINGS="$bench_settings" scripts/demo.sh >"$log" 2>&1; then
    echo "the demo failed; its output:" >&2
    cat "$log" >&2
    exit 1
fi
grep -E "stage [0-9]  \[Stage [0-9]\] (Dockerfile 탐색|배포 완료)|done|switch:|measured" "$log" | sed 's/^/  demo: /' || true
echo
python3 bench/orchestration/analyze.py "$results"
if [[ -f "$results/panda-bench.txt" ]]; then
    echo
    echo "== The real panda binary (the demo's, after its deployments) against the C ceiling"
    cat "$results/panda-bench.txt"
fi
