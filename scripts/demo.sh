#!/usr/bin/env bash
# `make demo`: Panda end to end without an AWS account or GitHub. Starts the fixtures
# (moto, a registry, a git server, a GitHub API fixture, the ECS/ALB stand-in; Docker
# Engine if none runs) and `panda serve --port 0` pointed at them, then does what a user
# does with curl: connect GitHub and AWS, deploy, follow the SSE stream, read the result;
# then commit v2 and deploy again (blue → green). Stops everything it started (by PID,
# on EXIT) and checks that nothing is left: no process, container, image or temp dir.
#
#   DEMO_BIN_DIR            where panda and panda-demo-fixtures are (default .build/release)
#   DEMO_DEPLOYMENTS        1 = only the first deployment (default 2)
#   DEMO_RESULTS            a directory to save each result's JSON in (benchmarks)
#   DEMO_SETTINGS           extra Panda settings, space-separated KEY=VALUE (benchmarks)
#   DEMO_THEN               a command run after the deployments, before anything stops (benchmarks of
#                           the same panda: see bench/panda/run.sh); it gets PANDA_URL, PANDA_PID,
#                           DEMO_GITHUB_CONNECTION_ID, DEMO_AWS_CONNECTION_ID, DEMO_OWNER, DEMO_REPO,
#                           DEMO_BRANCH and DEMO_DEPLOYMENT_IDS (space-separated) in its environment
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir="${DEMO_BIN_DIR:-.build/release}"
deployments="${DEMO_DEPLOYMENTS:-2}"
results_dir="${DEMO_RESULTS:-}"
# Demo pacing (Panda's defaults are for real AWS): health checks 500 ms apart, ECS polled
# every second, SSE streams closed 1 s after the terminal event.
tuning=(health.intervalMilliseconds=500 health.pollIntervalSeconds=1 events.closeAfterTerminalSeconds=1)

bold=$'\e[1m'; dim=$'\e[2m'; plain=$'\e[0m'
[[ -t 1 ]] || { bold=""; dim=""; plain=""; }
say() { printf '%s==> %s%s\n' "$bold" "$*" "$plain"; }
note() { printf '%s    %s%s\n' "$dim" "$*" "$plain"; }

for binary in panda panda-demo-fixtures; do
    [[ -x "$bin_dir/$binary" ]] || { echo "demo: $bin_dir/$binary is missing; run: make demo" >&2; exit 1; }
done

work=$(mktemp -d /tmp/panda-demo-XXXXXX)
mkdir -p "$work/fixtures-tmp"
fixtures_pid=""
panda_pid=""
registry=""
deployment_ids=()

stop_pid() {  # PID, seconds: SIGTERM, wait, then SIGKILL
    local pid=$1 grace=$2
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 $((grace * 10))); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    echo "demo: pid $pid did not stop in ${grace}s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e  # clean up as much as possible, whatever fails
    echo
    say "Stopping everything the demo started"
    if [[ -n "$panda_pid" ]]; then stop_pid "$panda_pid" 10; note "panda (pid $panda_pid) stopped"; fi
    if [[ -n "$fixtures_pid" ]]; then
        stop_pid "$fixtures_pid" 60
        note "fixtures (pid $fixtures_pid) stopped: stand-in containers, moto, registry, git, GitHub API fixture"
    fi
    local problems=0
    if [[ -n "$registry" ]] && docker info >/dev/null 2>&1; then
        local containers images
        containers=$(docker ps -a --format '{{.ID}} {{.Image}}' | grep -F " $registry/" || true)
        images=$(docker images --format '{{.Repository}}:{{.Tag}}' | grep -F "$registry/" || true)
        if [[ -n "$containers$images" ]]; then
            echo "demo: left behind in Docker Engine:" >&2; echo "$containers$images" >&2; problems=1
        else
            note "no container or image of this demo is left in Docker Engine"
        fi
    fi
    if [[ -n "$(ls -A "$work/fixtures-tmp" 2>/dev/null)" ]]; then
        echo "demo: the fixtures left files behind:" >&2; ls -A "$work/fixtures-tmp" >&2; problems=1
    fi
    if [[ "$status" -ne 0 && -f "$work/panda.log" ]]; then
        echo "--- last lines of panda's log" >&2; tail -n 20 "$work/panda.log" >&2
        echo "--- last lines of the fixtures' log" >&2; tail -n 20 "$work/fixtures.log" >&2
    fi
    rm -rf "$work"
    # Panda removes each deployment's workspace (`panda-<deploymentId>-…` in its TMPDIR) itself.
    local id path leftovers=""
    for id in "${deployment_ids[@]}"; do
        for path in "${TMPDIR:-/tmp}/panda-$id-"*; do
            [[ -e "$path" ]] && leftovers+="$path"$'\n'
        done
    done
    if [[ -n "$leftovers" ]]; then
        echo "demo: deployment workspaces left behind:" >&2; echo "$leftovers" >&2; problems=1
    else
        note "no temporary file or directory of this demo is left (fixtures' and Panda's workspaces removed)"
    fi
    [[ "$status" -eq 0 && "$problems" -ne 0 ]] && status=1
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

json() {  # FILE EXPRESSION: prints a value of the JSON in FILE (d = the document)
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); v = eval(sys.argv[2]); print(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))' "$1" "$2"
}

# 1. The fixtures.
say "Starting the fixtures: moto, a registry, a git server, a GitHub API fixture, the ECS/ALB stand-in"
TMPDIR="$work/fixtures-tmp" "$bin_dir/panda-demo-fixtures" >"$work/fixtures.json" 2>"$work/fixtures.log" &
fixtures_pid=$!
for _ in $(seq 1 1200); do
    [[ -s "$work/fixtures.json" ]] && break
    kill -0 "$fixtures_pid" 2>/dev/null || { echo "demo: the fixtures did not start:" >&2; cat "$work/fixtures.log" >&2; exit 1; }
    sleep 0.1
done
[[ -s "$work/fixtures.json" ]] || { echo "demo: the fixtures were not ready after 120 s" >&2; exit 1; }
fixtures="$work/fixtures.json"
registry=$(json "$fixtures" 'd["registry"]')
control=$(json "$fixtures" 'd["control"]')
proxy_port=$(json "$fixtures" 'd["alb"]["proxyPort"]')
owner=$(json "$fixtures" 'd["github"]["owner"]')
repo=$(json "$fixtures" 'd["github"]["repo"]')
branch=$(json "$fixtures" 'd["github"]["branch"]')
note "ready in $(json "$fixtures" 'd["startupSeconds"]') s; repository $owner/$repo ($branch), ECR endpoint stand-in $registry, ALB stand-in 127.0.0.1:$proxy_port"

# 2. Panda, pointed at them.
settings=()
while IFS= read -r setting; do settings+=(--set "$setting"); done < <(json "$fixtures" '"\n".join(d["pandaSettings"])')
for setting in "${tuning[@]}" ${DEMO_SETTINGS:-}; do settings+=(--set "$setting"); done
settings+=(--set "storage.directory=$work/data")
say "Starting panda serve --port 0 with:"
for ((i = 1; i < ${#settings[@]}; i += 2)); do note "--set ${settings[i]}"; done
"$bin_dir/panda" serve --port 0 "${settings[@]}" >"$work/panda.out" 2>"$work/panda.log" &
panda_pid=$!
for _ in $(seq 1 100); do
    grep -q "^panda listening on " "$work/panda.out" 2>/dev/null && break
    kill -0 "$panda_pid" 2>/dev/null || { echo "demo: panda did not start:" >&2; cat "$work/panda.log" >&2; exit 1; }
    sleep 0.1
done
url=$(sed -n 's/^panda listening on //p' "$work/panda.out")
[[ -n "$url" ]] || { echo "demo: panda did not report its port" >&2; exit 1; }
note "$(head -n 1 "$work/panda.out")"

[[ -n "$results_dir" ]] && mkdir -p "$results_dir"

# Bodies go to curl on stdin: the token and the keys never appear in a command line.
post() { curl -sS --fail-with-body -H 'Content-Type: application/json' --data-binary @- "$url$1"; }

# 3. Connect GitHub and AWS.
echo
say "POST /api/v1/connect/github  {\"owner\":\"$owner\",\"repo\":\"$repo\",\"branch\":\"$branch\",\"token\":\"ghp_demo…\"}"
answer=$(json "$fixtures" 'json.dumps({k: d["github"][k] for k in ("owner", "repo", "branch", "token")})' | post /api/v1/connect/github)
echo "    $answer"
github_id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["data"]["githubConnectionId"])' "$answer")

say "POST /api/v1/connect/aws  {\"region\":\"$(json "$fixtures" 'd["aws"]["region"]')\",\"accessKeyId\":\"AKIA…\",\"secretAccessKey\":\"…\"}"
answer=$(json "$fixtures" 'json.dumps({k: d["aws"][k] for k in ("region", "accessKeyId", "secretAccessKey")})' | post /api/v1/connect/aws)
echo "    $answer"
aws_id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["data"]["awsConnectionId"])' "$answer")

production_page() {  # what the ALB's production listener serves at /, through the stand-in
    local dns=$1
    curl -sS --max-time 5 --connect-to "::127.0.0.1:$proxy_port" "http://$dns/" | grep -o 'Panda sample app v[0-9]*' | head -n 1
}

deploy() {  # NUMBER
    local number=$1 answer id started ended result
    echo
    say "POST /api/v1/deploy  {\"githubConnectionId\":\"$github_id\",\"awsConnectionId\":\"$aws_id\",\"owner\":\"$owner\",\"repo\":\"$repo\",\"branch\":\"$branch\"}"
    started=$(date +%s.%N)
    answer=$(printf '{"githubConnectionId":"%s","awsConnectionId":"%s","owner":"%s","repo":"%s","branch":"%s"}' \
        "$github_id" "$aws_id" "$owner" "$repo" "$branch" | post /api/v1/deploy)
    echo "    $answer"
    id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["data"]["deploymentId"])' "$answer")
    deployment_ids+=("$id")
    say "curl -N $url/api/v1/deploy/$id/events"
    curl -sN -H 'Accept: text/event-stream' "$url/api/v1/deploy/$id/events" | python3 demo/sse-progress.py || true
    ended=$(date +%s.%N)
    say "GET /api/v1/deploy/$id/result"
    result="$work/result-$number.json"
    curl -sS "$url/api/v1/deploy/$id/result" >"$result"
    python3 - "$result" <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
print("    {\"code\": %d, \"message\": %s, \"data\": {" % (body["code"], json.dumps(body["message"], ensure_ascii=False)))
data = body["data"]
for key, value in data.items():
    if key == "stageTimings":
        value = "[%d stages: wallMs %s]" % (len(value), ", ".join(str(t["wallMs"]) for t in value))
        print("        %s: %s" % (key, value))
    else:
        print("        %s: %s" % (key, json.dumps(value, ensure_ascii=False)))
print("    }}")
PY
    [[ -n "$results_dir" ]] && cp "$result" "$results_dir/result-$number.json"
    note "$(python3 -c 'import sys; print("client-side: %.1f s from POST /deploy to the end of the stream" % (float(sys.argv[2]) - float(sys.argv[1])))' "$started" "$ended")"
    [[ "$(json "$result" 'd["data"]["status"]')" == "COMPLETED" ]] || { echo "demo: deployment $id did not complete" >&2; exit 1; }
    last_result="$result"
}

# 4. The first deployment: there is no blue yet; green becomes production.
say "Deployment 1: the sample app, v1 (first deployment: no blue yet)"
deploy 1
dns=$(json "$last_result" 'd["data"]["greenUrl"].split("//")[1].split(":")[0]')
say "Production (http://$dns/, through the ALB stand-in) serves: $(production_page "$dns")"

if [[ "$deployments" -ge 2 ]]; then
    # 5. A new commit, deployed again: v1 is blue now, v2 goes to the other slot as green.
    echo
    say "Committing v2 of the sample app: POST $control/_demo/commit?version=v2"
    echo "    $(curl -sS --fail-with-body -X POST "$control/_demo/commit?version=v2")"
    say "Deployment 2: v2, blue/green (v1 is blue and serves production meanwhile)"
    deploy 2
    say "Production (http://$dns/) now serves: $(production_page "$dns")"
    python3 - "$work/result-1.json" "$work/result-2.json" <<'PY'
import json, sys
first, second = (json.load(open(path))["data"] for path in sys.argv[1:3])
def rate(value): return "n/a" if value is None else "%.1f %%" % (100 * value)
def ms(value): return "n/a" if value is None else "%d ms" % value
print("    switch: blue (v1, %s) -> green (v2, %s); finalService=%s" % (second["blueUrl"], second["greenUrl"], second["finalService"]))
print("    measured in the same window: blue %s median, %s errors | green %s median, %s errors" % (
    ms(second["blueLatencyMs"]), rate(second["blueErrorRate"]), ms(second["greenLatencyMs"]), rate(second["greenErrorRate"])))
stage3 = next((t for t in second.get("stageTimings") or [] if t["stage"] == 3), None)
calls = " (mostly aws CLI calls: stage 3 ran %d, %.0f ms each on average)" % (
    stage3["childProcessCount"], stage3["childProcessMs"] / stage3["childProcessCount"]) if stage3 and stage3["childProcessCount"] else ""
print("    deployment 1: %d s, deployment 2: %d s%s" % (first["durationSeconds"], second["durationSeconds"], calls))
PY
fi

if [[ -n "${DEMO_THEN:-}" ]]; then
    echo
    say "Running $DEMO_THEN against this panda"
    PANDA_URL="$url" PANDA_PID="$panda_pid" DEMO_GITHUB_CONNECTION_ID="$github_id" DEMO_AWS_CONNECTION_ID="$aws_id" \
        DEMO_OWNER="$owner" DEMO_REPO="$repo" DEMO_BRANCH="$branch" DEMO_DEPLOYMENT_IDS="${deployment_ids[*]}" \
        bash -c "$DEMO_THEN"
fi

echo
say "What was real and what was not"
note "Real: git clone over HTTP with the token, docker build, docker push (registry with htpasswd),"
note "      the aws CLI for every AWS call, curl health probes through a load balancer, SSE."
note "Not real: moto answers the AWS APIs but runs nothing; a local stand-in (Tests/Fixtures/ecs-standin)"
note "      runs the containers with Docker when an ECS service's desiredCount goes up, registers"
note "      them as targets, and proxies HTTP like the ALB, following moto's listeners."
