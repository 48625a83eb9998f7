#!/usr/bin/env bash
# libFuzzer over Panda's fuzz targets (Tests/Fuzz/Targets): JSON request bodies, request
# paths and queries, Last-Event-ID and SSE framing. Builds the targets instrumented
# (`swiftc -sanitize=fuzzer`, in .build/fuzz), links the driver, then runs each target a
# bounded number of times from the committed corpus (Tests/Fuzz/corpus/<target>, only
# read: new inputs go to a temporary directory). A crash or a broken property fails.
#
#   scripts/fuzz.sh                      # FUZZ_RUNS inputs per target (default 20000)
#   FUZZ_RUNS=1000000 scripts/fuzz.sh path
#   FUZZ_KEEP=1 ...                      # keep the work directory (new inputs, artifacts)
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_RUNS=${FUZZ_RUNS:-20000}
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(json-body path last-event-id)
build=.build/fuzz
work=$(mktemp -d "${TMPDIR:-/tmp}/panda-fuzz.XXXXXX")
cleanup() { if [[ ${FUZZ_KEEP:-0} == 1 ]]; then echo "fuzz: kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

echo "== fuzz: building the targets with -sanitize=fuzzer ($build)"
swift build --build-path "$build" -Xswiftc -sanitize=fuzzer --target PandaFuzzing
bin=$(swift build --build-path "$build" --show-bin-path)
# Link the driver against exactly what that build made (the targets' objects, C shims
# included), with the module maps of the C modules they import.
# Swift objects as each target's output-file-map lists them (a directory glob would also
# pick up objects of sources since removed), and the C targets' objects, in subdirectories
# too (swift-crypto's BoringSSL is C++ and assembly, as crypto/…/x.cc.o and x.S.o).
mapfile -t objects < <(python3 - "$bin" <<'PY'
import glob, json, os, sys
for build in sorted(glob.glob(os.path.join(sys.argv[1], "*.build"))):
    mapped = os.path.join(build, "output-file-map.json")
    if os.path.exists(mapped):
        for source, outputs in json.load(open(mapped)).items():
            if source and os.path.exists(source) and os.path.exists(outputs.get("object", "")):
                print(outputs["object"])
    else:
        for obj in sorted(glob.glob(os.path.join(build, "**", "*.o"), recursive=True)):
            print(obj)
PY
)
maps=()
while read -r map; do maps+=(-Xcc "-fmodule-map-file=$map"); done < <(find "$build/checkouts" Sources -name module.modulemap | sort)
swiftc -sanitize=fuzzer -parse-as-library -g -I "$bin/Modules" "${maps[@]}" \
    Tests/Fuzz/Driver/LibFuzzerDriver.swift "${objects[@]}" $(pkg-config --libs libmicrohttpd) -lsqlite3 -lstdc++ \
    -o "$build/panda-fuzz"

failed=0
for target in "${targets[@]}"; do
    echo "== fuzz: $target, $FUZZ_RUNS runs"
    mkdir -p "$work/$target"
    # Swift's own crash reporter would take the signal before libFuzzer saves the input.
    if SWIFT_BACKTRACE=enable=no PANDA_FUZZ_TARGET=$target "$build/panda-fuzz" -runs="$FUZZ_RUNS" -max_len=4096 -timeout=20 \
        -seed=20261127 -print_final_stats=1 -artifact_prefix="$work/$target-" \
        "$work/$target" "Tests/Fuzz/corpus/$target" >"$work/$target.log" 2>&1; then
        grep -E '^(#[0-9]+\s+DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$target.log" || true
    else
        tail -n 40 "$work/$target.log"
        echo "fuzz: $target FAILED; the input and log are kept in $work"
        FUZZ_KEEP=1
        failed=1
    fi
done
[[ $failed == 0 ]] || exit 1
echo "== fuzz: every target held for $FUZZ_RUNS runs"
