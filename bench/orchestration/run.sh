#!/usr/bin/env bash
# bench/orchestration/run.sh - Panda's orchestration overhead: runs the demo's deployments
# (scripts/demo.sh: fixtures + release panda, v1 then v2 blue/green), then reads each
# result's `stageTimings` and prints, per stage, wall time, summed child-process time,
# the deliberate waits (poll and health-check intervals, estimated from the configuration)
# and what is left: Panda's own time. Goal: under 2 % of the deployment's wall time.
# Prints figures; never asserts.
#
#   DEMO_BIN_DIR      where panda and panda-demo-fixtures are (default .build/release)
#   DEMO_DEPLOYMENTS  1 = only the first deployment (default 2)
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== Orchestration overhead: one demo run (fixtures + release panda), per-stage timings"
results=$(mktemp -d /tmp/panda-bench-orchestration-XXXXXX)
trap 'rm -rf "$results"' EXIT
log="$results/demo.log"
if ! DEMO_RESULTS="$results" scripts/demo.sh >"$log" 2>&1; then
    echo "the demo failed; its output:" >&2
    cat "$log" >&2
    exit 1
fi
grep -E "stage [0-9]  \[Stage [0-9]\] (Dockerfile 탐색|배포 완료)|done|switch:|measured" "$log" | sed 's/^/  demo: /' || true
echo
python3 bench/orchestration/analyze.py "$results"
