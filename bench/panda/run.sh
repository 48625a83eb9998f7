#!/usr/bin/env bash
# bench/panda/run.sh - the real `panda` binary against the C libmicrohttpd ceiling
# (bench/c-ceiling) serving Panda's exact response bytes, in the same run, interleaved.
# Runs inside `scripts/demo.sh` (DEMO_THEN): the demo's panda has completed real
# deployments, so the result route answers a real result body. Prints figures; never
# asserts, and always exits 0 (the demo goes on to stop everything).
#
#   HTTP: per route, ROUNDS rounds of wrk (panda and the ceiling alternate, each after a
#         warm-up), medians of req/s and p99, and the server's CPU time per request
#         (utime+stime from /proc, steadier than wall-clock figures on a busy machine).
#   SSE:  per stream count, a new deployment of the demo app is started and N streams
#         follow its events (bench/sse-load --follow): publish -> receipt delay of the
#         events published after all N were connected, and RSS per stream; then the
#         ceiling fans out as many broadcasts of the same size to N streams, each sent at
#         the offset the deployment published its event (--schedule-ms: bursts included).
#
# Environment (besides what scripts/demo.sh passes): BENCH_DURATION (wrk per run, 5s),
# BENCH_WARMUP (1s), BENCH_ROUNDS (3), SSE_STREAMS ("1000 10000"), CC (cc).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 0

DURATION=${BENCH_DURATION:-5s}
WARMUP=${BENCH_WARMUP:-1s}
ROUNDS=${BENCH_ROUNDS:-3}
SSE_STREAMS=${SSE_STREAMS:-"1000 10000"}
CC=${CC:-cc}
: "${PANDA_URL:?run through scripts/demo.sh with DEMO_THEN}" "${PANDA_PID:?}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/panda-bench-panda.XXXXXX") || exit 0
CEILING_PID=
cleanup() {
    [[ -n $CEILING_PID ]] && { kill -TERM "$CEILING_PID" 2>/dev/null; wait "$CEILING_PID" 2>/dev/null; }
    rm -rf "$WORK"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

"$CC" -O2 -o "$WORK/ceiling" bench/c-ceiling/ceiling.c -lmicrohttpd -lpthread &&
    "$CC" -O2 -o "$WORK/sse_load" bench/sse-load/sse_load.c || { echo "bench: the C pieces did not build"; exit 0; }

ids=($DEMO_DEPLOYMENT_IDS)
completed=${ids[${#ids[@]} - 1]}
declare -a ROUTES=(
    "/health"
    "/api/v1/deploy/dep_0000000000/result"
    "/api/v1/deploy/$completed/result"
)
declare -A LABEL=(
    ["/health"]="GET /health"
    ["/api/v1/deploy/dep_0000000000/result"]="GET result, unknown id (400)"
    ["/api/v1/deploy/$completed/result"]="GET result, completed deployment"
)

# Panda's exact answers, served by the ceiling from files.
serve=()
for route in "${ROUTES[@]}"; do
    file="$WORK/body-${#serve[@]}"
    status=$(curl -s -o "$file" -w '%{http_code}' "$PANDA_URL$route")
    serve+=(--serve "$route" "$status" "$file")
    printf '  %-34s %s, %s bytes\n' "${LABEL[$route]}" "$status" "$(wc -c <"$file")"
done
"$WORK/ceiling" --port 0 "${serve[@]}" >"$WORK/ceiling.out" 2>&1 &
CEILING_PID=$!
for _ in $(seq 1 50); do grep -q listening "$WORK/ceiling.out" && break; sleep 0.1; done
CEILING_URL="http://$(sed -n 's/^listening on //p' "$WORK/ceiling.out")"
for route in "${ROUTES[@]}"; do
    cmp -s <(curl -s "$PANDA_URL$route" | sed 's/"timestamp":"[^"]*"//') \
        <(curl -s "$CEILING_URL$route" | sed 's/"timestamp":"[^"]*"//') ||
        echo "  bench: WARNING the ceiling's answer to $route differs from panda's"
done

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# measure NAME PID URL: one warm-up and one measured wrk run; prints "rps p99_ms cpu_us"
measure() {
    local pid=$2 url=$3 out before after
    wrk -t2 -c64 -d"$WARMUP" "$url" >/dev/null 2>&1
    before=$(cpu_ticks "$pid")
    out=$(wrk -t2 -c64 -d"$DURATION" --latency "$url" 2>&1)
    after=$(cpu_ticks "$pid")
    awk -v before="$before" -v after="$after" -v hz="$(getconf CLK_TCK)" '
        /requests in/ { requests = $1 }
        /Requests\/sec:/ { rps = $2 }
        $1 == "99%" { v = $2; n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
                      if (u == "us") n /= 1000; else if (u == "s") n *= 1000; p99 = n }
        END { printf "%.0f %.3f %.2f\n", rps, p99, requests ? (after - before) / hz * 1e6 / requests : 0 }' <<<"$out"
}

declare -A R=()
echo
echo "== HTTP: wrk -t2 -c64 -d$DURATION --latency, $ROUNDS rounds, panda and the ceiling alternating"
for ((round = 1; round <= ROUNDS; round++)); do
    for route in "${ROUTES[@]}"; do
        order=(panda ceiling)
        ((round % 2 == 0)) && order=(ceiling panda)
        for name in "${order[@]}"; do
            if [[ $name == panda ]]; then set -- "$PANDA_PID" "$PANDA_URL"; else set -- "$CEILING_PID" "$CEILING_URL"; fi
            read -r rps p99 cpu < <(measure "$name" "$1" "$2$route")
            R[$name,$route]+="$rps $p99 $cpu;"
            printf '  round %d  %-8s %-34s %8s req/s  p99 %8s ms  %6s µs CPU/request\n' "$round" "$name" "${LABEL[$route]}" "$rps" "$p99" "$cpu"
        done
    done
done

# median FIELD "a b c;a b c;...": median of column FIELD (1-based)
median() {
    tr ';' '\n' <<<"$2" | awk -v f="$1" 'NF { print $f }' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
echo "== Routes: real panda vs the C ceiling serving the same bytes (medians of $ROUNDS rounds)"
printf '| %-33s | %11s | %8s | %11s | %8s | %7s | %9s | %13s |\n' route "panda req/s" "p99 ms" "C req/s" "p99 ms" "req/s ×" "p99 ×" "CPU µs/req"
printf '|%s|\n' "-----------------------------------|-------------|----------|-------------|----------|---------|-----------|---------------"
for route in "${ROUTES[@]}"; do
    pr=$(median 1 "${R[panda,$route]}") pp=$(median 2 "${R[panda,$route]}") pc=$(median 3 "${R[panda,$route]}")
    cr=$(median 1 "${R[ceiling,$route]}") cp=$(median 2 "${R[ceiling,$route]}") cc=$(median 3 "${R[ceiling,$route]}")
    awk -v l="${LABEL[$route]}" -v pr="$pr" -v pp="$pp" -v pc="$pc" -v cr="$cr" -v cp="$cp" -v cc="$cc" 'BEGIN {
        printf "| %-33s | %11.0f | %8.2f | %11.0f | %8.2f | %6.2f× | %8.2f× | %5.1f vs %4.1f |\n",
            l, pr, pp, cr, cp, cr ? pr / cr : 0, cp ? pp / cp : 0, pc, cc }'
done
echo "  req/s × = panda/ceiling (goal ≥ 0.8); p99 × = panda/ceiling (goal ≤ 1.0); CPU µs/req = panda vs ceiling"

# ---------------------------------------------------------------- SSE fan-out

deploy() {
    printf '{"githubConnectionId":"%s","awsConnectionId":"%s","owner":"%s","repo":"%s","branch":"%s"}' \
        "$DEMO_GITHUB_CONNECTION_ID" "$DEMO_AWS_CONNECTION_ID" "$DEMO_OWNER" "$DEMO_REPO" "$DEMO_BRANCH" |
        curl -sS -H 'Content-Type: application/json' --data-binary @- "$PANDA_URL/api/v1/deploy" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["deploymentId"])'
}

result_kv() { grep -m1 '^RESULT' "$1" | cut -d' ' -f2- | tr ' ' '\n'; }
kv() { result_kv "$1" | sed -n "s/^$2=//p"; }

# Mean size of Panda's event frames, from a completed deployment's replayed history.
curl -s -N --max-time 10 -H 'Accept: text/event-stream' "$PANDA_URL/api/v1/deploy/$completed/events" >"$WORK/history.txt"
frame_bytes=$(awk 'BEGIN { RS = "" } /(^|\n)id: / { n++; bytes += length($0) + 2 } END { print n ? int(bytes / n) : 300 }' "$WORK/history.txt")

echo
echo "== SSE fan-out: N streams follow one real deployment of the demo app; the ceiling fans out"
echo "   broadcasts of the same size ($frame_bytes bytes per frame) to N streams, at the pace the deployment"
echo "   published its events (bursts included)"
declare -A S=()
for n in $SSE_STREAMS; do
    id=$(deploy)
    if [[ -z $id ]]; then echo "  bench: could not start a deployment"; continue; fi
    timeout 300 "$WORK/sse_load" --port "${PANDA_URL##*:}" --streams "$n" --follow "/api/v1/deploy/$id/events" \
        --pid "$PANDA_PID" --event-timeout 240 >"$WORK/sse-panda-$n.txt" 2>&1
    grep -v '^RESULT' "$WORK/sse-panda-$n.txt" | sed "s/^/  panda $n: /"
    events=$(kv "$WORK/sse-panda-$n.txt" events)
    status=$(curl -s "$PANDA_URL/api/v1/deploy/$id/result" | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["status"])' 2>/dev/null)
    echo "  panda $n: deployment $id ended $status"

    "$WORK/ceiling" --port 0 >"$WORK/ceiling-sse.out" 2>&1 &
    sse_pid=$!
    for _ in $(seq 1 50); do grep -q listening "$WORK/ceiling-sse.out" && break; sleep 0.1; done
    # The same events at the same pace: broadcast i at the offset the deployment published event i.
    offsets=$(kv "$WORK/sse-panda-$n.txt" offsets_ms)
    timeout 300 "$WORK/sse_load" --port "$(sed -n 's/.*://p' "$WORK/ceiling-sse.out")" --streams "$n" \
        --events "${events:-20}" --payload-bytes "$((frame_bytes - 8))" --pid "$sse_pid" --event-timeout 60 \
        ${offsets:+--schedule-ms "$offsets"} >"$WORK/sse-ceiling-$n.txt" 2>&1
    kill -TERM "$sse_pid" 2>/dev/null; wait "$sse_pid" 2>/dev/null
    grep -v '^RESULT' "$WORK/sse-ceiling-$n.txt" | sed "s/^/  ceiling $n: /"
    for name in panda ceiling; do
        for key in p50_ms p99_ms max_ms rss_per_stream_kib delivered expected events connected; do
            S[$name,$n,$key]=$(kv "$WORK/sse-$name-$n.txt" "$key")
        done
    done
done

echo
echo "== SSE fan-out summary (send/publish -> receipt; RSS per open stream)"
printf '| %-7s | %-10s | %7s | %9s | %9s | %9s | %13s |\n' streams server events delivered "p50 ms" "p99 ms" "RSS KiB/strm"
printf '|%s|\n' "---------|------------|---------|-----------|-----------|-----------|---------------"
for n in $SSE_STREAMS; do
    for name in panda ceiling; do
        printf '| %7s | %-10s | %7s | %9s | %9s | %9s | %13s |\n' "$n" "$name" "${S[$name,$n,events]:-n/a}" \
            "${S[$name,$n,delivered]:-n/a}/${S[$name,$n,expected]:-n/a}" "${S[$name,$n,p50_ms]:-n/a}" \
            "${S[$name,$n,p99_ms]:-n/a}" "${S[$name,$n,rss_per_stream_kib]:-n/a}"
    done
    awk -v a="${S[panda,$n,p99_ms]:-0}" -v b="${S[ceiling,$n,p99_ms]:-0}" -v c="${S[panda,$n,rss_per_stream_kib]:-0}" \
        -v d="${S[ceiling,$n,rss_per_stream_kib]:-0}" -v n="$n" 'BEGIN {
        printf "  %s streams: p99 %.2f× the ceiling (goal ≤ 1.2), RSS per stream %.2f× (goal ≤ 1.1)\n", n, b ? a / b : 0, d ? c / d : 0 }'
done
exit 0
