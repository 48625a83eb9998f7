#!/usr/bin/env bash
# Starts Docker Engine in the background when none answers; prints the PID it started, if any.
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
log="${DOCKERD_LOG:-/tmp/panda-dockerd.log}"
nohup dockerd >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then echo "$pid"; exit 0; fi
    sleep 0.5
done
echo "dockerd did not start; see $log" >&2
exit 1
