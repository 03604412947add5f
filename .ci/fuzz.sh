#!/usr/bin/env bash
# Fuzzing: builds the libFuzzer targets of Tests/Fuzz (coverage-instrumented, with AddressSanitizer and
# LeakSanitizer) and runs each for a bounded time from its committed seed corpus, failing on any crash,
# timeout (a unit slower than 10 s), leak or out-of-memory (2 GiB). Linux only.
#
#   bash .ci/fuzz.sh                      # every target, 60 s each
#   FUZZ_SECONDS=3600 bash .ci/fuzz.sh    # longer
#   FUZZ_TARGETS="FuzzSpecLoader" bash .ci/fuzz.sh
#   FUZZ_KEEP=/tmp/corpora bash .ci/fuzz.sh   # keep the grown corpora (FUZZ_KEEP/<target>) to inspect or merge
#   BUILD_LOCK=/tmp/build.lock bash .ci/fuzz.sh   # build under flock, when builds must not overlap
#
# First each target replays Tests/Fuzz/Regressions/<target>/, inputs that once crashed or hung it (run
# once each, whatever their size). Then it fuzzes from Tests/Fuzz/Corpus/<target>, small seeds that are
# only read: the run works on a copy. An input that fails is saved under .build-fuzz/artifacts/<target>/
# and named in the output; replay it with `.build-fuzz/debug/<target> FILE`, and once fixed add it to
# Regressions. To add seeds, merge a grown corpus into the committed one, which keeps only inputs that add
# coverage:
#   .build-fuzz/debug/FuzzForm -merge=1 Tests/Fuzz/Corpus/FuzzForm "$FUZZ_KEEP/FuzzForm"
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-FuzzForm FuzzJSONModels FuzzSpecLoader}
scratch="$PWD/.build-fuzz"

# Only the fuzz executables link libFuzzer (Tests/Fuzz/Package.swift); everything they call is compiled
# with coverage counters and comparison tracing, Swift and C (libyaml) alike. `-sanitize=fuzzer` itself is
# not passed here: SwiftPM would link it into specgen (built for the root package's build plugin) too.
flags=(
    -Xswiftc -sanitize=address
    -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp
    -Xcc -fsanitize=address
    -Xcc -fsanitize-coverage=inline-8bit-counters,pc-table,trace-cmp
    -Xswiftc -use-ld=lld
)
lock=()
if [ -n "${BUILD_LOCK:-}" ]; then lock=(flock "$BUILD_LOCK"); fi

echo "== fuzz: build (Tests/Fuzz, scratch path .build-fuzz)"
start=$(date +%s)
"${lock[@]}" swift build --package-path Tests/Fuzz --scratch-path "$scratch" -c debug "${flags[@]}"
echo "built in $(($(date +%s) - start)) s"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

max_len() {
    case "$1" in
        FuzzSpecLoader) echo 8192 ;;  # several spec files in one input
        *) echo 4096 ;;
    esac
}

failed=()
for target in $targets; do
    if [ -d "Tests/Fuzz/Regressions/$target" ]; then
        echo "== fuzz: $target replays Tests/Fuzz/Regressions/$target"
        if ! "$scratch/debug/$target" -timeout=10 -rss_limit_mb=2048 Tests/Fuzz/Regressions/"$target"/* >"$work/$target.replay.log" 2>&1; then
            echo "FAILED: $target on a known input"
            tail -40 "$work/$target.replay.log"
            failed+=("$target")
            continue
        fi
        grep -E "^Executed" "$work/$target.replay.log" || true
    fi
    echo "== fuzz: $target for $seconds s"
    corpus="$work/$target"
    artifacts="$scratch/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    cp Tests/Fuzz/Corpus/"$target"/* "$corpus"/
    log="$work/$target.log"
    set +e
    "$scratch/debug/$target" "$corpus" \
        -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2048 \
        -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
    status=$?
    set -e
    grep -E "^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|slowest_unit_time_sec|peak_rss_mb)" "$log" || true
    if [ "$status" -ne 0 ]; then
        echo "FAILED: $target exited with status $status"
        grep -E "ERROR: |SUMMARY: |Test unit written to|Fatal error|fatalError" "$log" | head -20 || true
        echo "--- last lines of the log"
        tail -40 "$log"
        failed+=("$target")
    fi
    if [ -n "${FUZZ_KEEP:-}" ]; then
        mkdir -p "$FUZZ_KEEP/$target"
        cp "$corpus"/* "$FUZZ_KEEP/$target"/
    fi
done

if [ "${#failed[@]}" -ne 0 ]; then
    echo "== fuzz: failed: ${failed[*]}"
    exit 1
fi
echo "== fuzz: no crash, timeout or leak in: $targets"
