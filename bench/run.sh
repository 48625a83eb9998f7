#!/usr/bin/env bash
# bench/run.sh - Panda benchmarks: the Swift http-probe-server against a
# minimal C libmicrohttpd "ceiling" server (bench/c-ceiling/ceiling.c) that
# answers the same bytes. Prints figures; never asserts (exit status is 0
# unless the C pieces fail to build).
#
#   bash bench/run.sh
#
# Environment:
#   PROBE_SERVER    Swift server binary  (default .build/release/http-probe-server)
#   BENCH_DURATION  wrk duration per run (default 10s, e.g. 3s for a quick look)
#   BENCH_WARMUP    wrk warm-up per route before measuring (default 2s, 0 = none)
#   SSE_STREAMS     stream counts for the SSE fan-out (default "1000 10000")
#   SSE_EVENTS      broadcasts per SSE run (default 20)
#   CC              C compiler (default cc)
#
# Every server this script starts is stopped by PID on exit; the build and
# the logs live in a temporary directory that is removed on exit (set
# BENCH_KEEP=1 to keep it and print its path).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

PROBE_SERVER=${PROBE_SERVER:-.build/release/http-probe-server}
BENCH_DURATION=${BENCH_DURATION:-10s}
BENCH_WARMUP=${BENCH_WARMUP:-2s}
SSE_STREAMS=${SSE_STREAMS:-"1000 10000"}
SSE_EVENTS=${SSE_EVENTS:-20}
CC=${CC:-cc}
WRK_THREADS=2
WRK_CONNECTIONS=64
EXPECTED_JSON='{"code":200,"message":"ok","data":{"service":"panda","status":"UP"}}'

WORK=$(mktemp -d "${TMPDIR:-/tmp}/panda-bench.XXXXXX") || exit 1
declare -a PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        stop_server "$pid" >/dev/null 2>&1
    done
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then
        echo "bench: logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '%s\n' "$*"; }

# ------------------------------------------------------------------ build

log "== build"
if ! "$CC" -O2 -Wall -Wextra -o "$WORK/ceiling" bench/c-ceiling/ceiling.c \
        -lmicrohttpd -lpthread; then
    log "bench: failed to build bench/c-ceiling/ceiling.c"; exit 1
fi
if ! "$CC" -O2 -Wall -Wextra -o "$WORK/sse_load" bench/sse-load/sse_load.c; then
    log "bench: failed to build bench/sse-load/sse_load.c"; exit 1
fi
log "built ceiling and sse_load in $WORK"

# Servers and the SSE client need one descriptor per stream.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

declare -a NAMES=(ceiling)
declare -A BIN=([ceiling]="$WORK/ceiling")
if [[ -x $PROBE_SERVER ]]; then
    NAMES+=(swift)
    BIN[swift]=$PROBE_SERVER
    log "swift server: $PROBE_SERVER"
else
    log "bench: no Swift probe server at '$PROBE_SERVER' (build it with"
    log "       'swift build -c release --product http-probe-server' or set"
    log "       PROBE_SERVER); measuring the ceiling only"
fi
command -v wrk >/dev/null || log "bench: wrk not found; skipping the HTTP runs"

# ---------------------------------------------------------------- servers

SERVER_PID=
SERVER_PORT=

# start_server NAME LOGTAG: starts BIN[NAME] on an ephemeral port, waits for
# its "listening on 127.0.0.1:<port>" line; sets SERVER_PID and SERVER_PORT.
start_server() {
    local name=$1 tag=$2
    local out="$WORK/$name-$tag.out" i line
    "${BIN[$name]}" --port 0 --address 127.0.0.1 >"$out" 2>"$WORK/$name-$tag.err" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    SERVER_PORT=
    for ((i = 0; i < 150; i++)); do
        line=$(grep -m1 -E '^listening on 127\.0\.0\.1:[0-9]+$' "$out" 2>/dev/null)
        if [[ -n $line ]]; then
            SERVER_PORT=${line##*:}
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    log "bench: $name did not report 'listening on 127.0.0.1:<port>'"
    sed -n '1,20p' "$WORK/$name-$tag.err" | sed 's/^/    /'
    stop_server "$SERVER_PID"
    return 1
}

# stop_server PID: SIGTERM, wait up to 10 s, then SIGKILL. Prints a note if
# the server did not exit 0.
stop_server() {
    local pid=$1 i rc p
    local -a keep=()
    for p in "${PIDS[@]}"; do [[ $p != "$pid" ]] && keep+=("$p"); done
    PIDS=("${keep[@]}")
    kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "bench: pid $pid ignored SIGTERM for 10 s; killing it"
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    rc=$?
    [[ $rc == 0 ]] || log "bench: server pid $pid exited with status $rc"
}

# --------------------------------------------------------------- helpers

# to_ms VALUE: wrk latency ("812.00us", "1.23ms", "2.00s") in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000
        else if (u == "m") n *= 60000
        printf "%.3f", n }'
}

declare -A R=()   # R[name,key] = value

sanity_check() {
    local name=$1 body
    command -v curl >/dev/null || return 0
    body=$(curl -s -m 5 "http://127.0.0.1:$SERVER_PORT/json")
    [[ $body == "$EXPECTED_JSON" ]] ||
        log "bench: WARNING $name GET /json answered: ${body:0:200}"
    body=$(curl -s -m 5 -X POST -H 'Content-Type: application/json' \
        --data-binary '{"hello":"world"}' "http://127.0.0.1:$SERVER_PORT/json")
    [[ $body == "$EXPECTED_JSON" ]] ||
        log "bench: WARNING $name POST /json answered: ${body:0:200}"
}

# run_wrk NAME ROUTE(get|post): one warm-up and one measured wrk run.
run_wrk() {
    local name=$1 route=$2
    local out="$WORK/wrk-$name-$route.txt"
    local -a args=(-t"$WRK_THREADS" -c"$WRK_CONNECTIONS")
    [[ $route == post ]] && args+=(-s bench/wrk/post_json.lua)
    local url="http://127.0.0.1:$SERVER_PORT/json"
    if [[ $BENCH_WARMUP != 0 && $BENCH_WARMUP != 0s ]]; then
        wrk "${args[@]}" -d"$BENCH_WARMUP" "$url" >/dev/null 2>&1
    fi
    wrk "${args[@]}" -d"$BENCH_DURATION" --latency "$url" >"$out" 2>&1
    local rps p50 p99 errs
    rps=$(awk '$1 == "Requests/sec:" { printf "%.0f", $2 }' "$out")
    p50=$(awk '$1 == "50%" { print $2; exit }' "$out")
    p99=$(awk '$1 == "99%" { print $2; exit }' "$out")
    errs=$(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ' | paste -sd';' -)
    R[$name,$route,rps]=${rps:-n/a}
    R[$name,$route,p50]=$([[ -n $p50 ]] && to_ms "$p50" || echo n/a)
    R[$name,$route,p99]=$([[ -n $p99 ]] && to_ms "$p99" || echo n/a)
    printf '%-8s %-11s %10s req/s   p50 %8s ms   p99 %8s ms   %s\n' \
        "$name" "${route^^} /json" "${R[$name,$route,rps]}" \
        "${R[$name,$route,p50]}" "${R[$name,$route,p99]}" "$errs"
}

# run_sse NAME STREAMS: fresh server, sse_load against it.
run_sse() {
    local name=$1 n=$2
    local out="$WORK/sse-$name-$n.txt" key val kv
    start_server "$name" "sse$n" || return 0
    timeout 400 "$WORK/sse_load" --port "$SERVER_PORT" --streams "$n" \
        --events "$SSE_EVENTS" --pid "$SERVER_PID" >"$out" 2>&1
    stop_server "$SERVER_PID"
    grep -v '^RESULT' "$out" | sed "s/^/$name $n: /"
    for kv in $(grep -m1 '^RESULT' "$out" | cut -d' ' -f2-); do
        key=${kv%%=*} val=${kv#*=}
        R[$name,sse$n,$key]=$val
    done
}

# ------------------------------------------------------------------- runs

if command -v wrk >/dev/null; then
    log ""
    log "== HTTP: wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$BENCH_DURATION --latency" \
        "(warm-up $BENCH_WARMUP), POST body 1 KiB JSON"
    for name in "${NAMES[@]}"; do
        start_server "$name" http || continue
        sanity_check "$name"
        run_wrk "$name" get
        run_wrk "$name" post
        stop_server "$SERVER_PID"
    done
fi

log ""
log "== SSE fan-out: $SSE_EVENTS broadcasts to N streams, fresh server per run"
for n in $SSE_STREAMS; do
    for name in "${NAMES[@]}"; do
        run_sse "$name" "$n"
    done
done

# ---------------------------------------------------------------- summary

# cell NAME KEY: R value or n/a
cell() { local v=${R[$1,$2]:-}; echo "${v:-n/a}"; }

# delivered NAME STREAMS: "delivered/expected" events, or n/a
delivered() {
    local d=${R[$1,sse$2,delivered]:-} e=${R[$1,sse$2,expected]:-}
    [[ -n $d && -n $e ]] && echo "$d/$e" || echo n/a
}

# ratio A B MODE: "pct" -> B as % of A (higher is better for B),
# "x" -> B / A as a factor (lower is better for B).
ratio() {
    awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN {
        if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || a + 0 == 0) { print "n/a"; exit }
        if (m == "pct") printf "%.0f%%", 100 * b / a
        else printf "%.2fx", b / a }'
}

row() { # row LABEL KEY MODE
    local c s
    c=$(cell ceiling "$2")
    s=$(cell swift "$2")
    printf '  %-26s %14s %14s %14s\n' "$1" "$c" "$s" "$(ratio "$c" "$s" "$3")"
}

log ""
log "== Summary (swift vs ceiling: req/s as % of ceiling, others as swift/ceiling)"
printf '  %-26s %14s %14s %14s\n' "" "ceiling (C)" "swift" "swift/ceiling"
if command -v wrk >/dev/null; then
    for route in get post; do
        row "${route^^} /json req/s" "$route,rps" pct
        row "${route^^} /json p50 ms" "$route,p50" x
        row "${route^^} /json p99 ms" "$route,p99" x
    done
fi
for n in $SSE_STREAMS; do
    row "SSE $n connect-all ms" "sse$n,connect_ms" x
    row "SSE $n delay p50 ms" "sse$n,p50_ms" x
    row "SSE $n delay p99 ms" "sse$n,p99_ms" x
    row "SSE $n delay max ms" "sse$n,max_ms" x
    row "SSE $n RSS/stream KiB" "sse$n,rss_per_stream_kib" x
    printf '  %-26s %14s %14s\n' "SSE $n delivered/expected" \
        "$(delivered ceiling "$n")" "$(delivered swift "$n")"
done
exit 0
