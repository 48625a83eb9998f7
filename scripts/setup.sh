#!/usr/bin/env bash
# Installs what Panda needs on a fresh Debian machine with Swift, skipping what is there.
#   scripts/setup.sh run    — to run Panda: libmicrohttpd, git, Docker Engine, aws CLI, Swagger UI assets
#   scripts/setup.sh test   — the above plus what the tests and benchmarks use
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"

apt_packages=(libmicrohttpd-dev pkg-config git curl docker.io)
pip_packages=(awscli swagger-ui-bundle)
if [[ "$purpose" == "test" ]]; then
    apt_packages+=(wrk docker-registry apache2-utils busybox-static procps)
    pip_packages+=("moto[server]" schemathesis prometheus-client)
    pip_packages+=(openapi-schema-validator)  # response bodies checked against api/openapi.json
    # The dashboard's browser test: headless Chromium driven by Selenium; a Korean font for the screenshots.
    apt_packages+=(chromium chromium-driver fonts-nanum)
    pip_packages+=(selenium)
fi

missing=()
for package in "${apt_packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo_prefix=""; [[ $(id -u) -ne 0 ]] && sudo_prefix="sudo"
    $sudo_prefix apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_prefix apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 - "${pip_packages[@]}" 2>/dev/null <<'PY' || pip install -q "${pip_packages[@]}"
import importlib.metadata, re, sys
for spec in sys.argv[1:]:
    importlib.metadata.version(re.split(r"[\[<>=]", spec)[0])
PY

# Swagger UI is served offline from the pip package's assets; never committed.
if [[ ! -f vendor/swagger-ui/swagger-ui-bundle.js ]]; then
    source_dir=$(python3 -c 'import swagger_ui_bundle, os; print(swagger_ui_bundle.swagger_ui_path)')
    mkdir -p vendor/swagger-ui
    cp -R "$source_dir"/. vendor/swagger-ui/
fi
