#!/usr/bin/env bash
# Starts a private Docker registry (Debian docker-registry, distribution 2.8) on a free
# loopback port with htpasswd auth, standing in for ECR's registry endpoint (demos).
# Prints "PORT PID DIR"; stop it with: kill PID && rm -rf DIR
#   REGISTRY_PORT      port to use (default: a free one; never the Debian service's 5000)
#   REGISTRY_USER      user name (default AWS)
#   REGISTRY_PASSWORD  password (default 123456789012-auth-token, what moto's
#                      `aws ecr get-login-password` returns)
set -euo pipefail
user="${REGISTRY_USER:-AWS}"
password="${REGISTRY_PASSWORD:-123456789012-auth-token}"
port="${REGISTRY_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
dir="$(mktemp -d /tmp/panda-registry-XXXXXX)"
mkdir -p "$dir/storage"
printf '%s' "$password" | htpasswd -iBc "$dir/htpasswd" "$user" 2>/dev/null
cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: panda-demo-registry-$port
auth:
  htpasswd:
    realm: panda-registry
    path: $dir/htpasswd
YAML
setsid /usr/bin/docker-registry serve "$dir/config.yml" </dev/null >>"$dir/registry.log" 2>&1 &
pid=$!
for _ in $(seq 1 50); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/")" == 401 ]]; then
        echo "$port $pid $dir"
        exit 0
    fi
    sleep 0.1
done
echo "registry did not start; see $dir/registry.log" >&2
kill "$pid" 2>/dev/null || true
exit 1
