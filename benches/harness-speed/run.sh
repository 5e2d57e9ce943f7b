#!/usr/bin/env bash
# Harness speed: 10,000 trivial #[plugin_test] tests against the same 10,000
# as plain #[test] under libtest, built in release, timed side by side in one
# hyperfine invocation. See docs/benchmarks.md ("Harness speed: 10,000 tests").
#
# Usage: benches/harness-speed/run.sh
# Environment (all optional):
#   TESTS=10000 MODULES=100    size of the generated crate
#   RUNS=15 WARMUP=3           timed runs and warm-up runs per command
#   BENCH_DIR=DIR              where the crate and results go
#                              (default: ${TMPDIR:-/tmp}/leanvibe-harness-speed)
#   CARGO_TARGET_DIR=DIR       build directory (default: $BENCH_DIR/target); two
#                              BENCH_DIRs must not share one: both crates are
#                              `tenk`, and cargo may take one's binaries for the
#                              other's (the sanity check below catches it)
#   NO_HYPERFINE=1             use the Python timing loop even if hyperfine is there
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tests="${TESTS:-10000}"
modules="${MODULES:-100}"
runs="${RUNS:-15}"
warmup="${WARMUP:-3}"
bench_dir="${BENCH_DIR:-${TMPDIR:-/tmp}/leanvibe-harness-speed}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$bench_dir/target}"
results="$bench_dir/results"
mkdir -p "$results"

echo "== machine"
echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "nproc:   $(nproc)"
echo "cpu:     $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //' || echo unknown)"
echo "kernel:  $(uname -sr)"
echo "rustc:   $(rustc -V)"
echo "commit:  $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet -- leanvibe-test 2>/dev/null || echo ' (leanvibe-test modified)')"

echo "== generating $tests tests in $modules modules"
{
    read -r crate
    read -r exact
} < <(python3 "$here/harness_speed.py" generate "$bench_dir/tenk" "$root/leanvibe-test" \
    --tests "$tests" --modules "$modules" --lockfile "$root/Cargo.lock")
echo "crate:   $crate"

echo "== building both test targets (release)"
build_log="$results/build.jsonl"
cargo build --release --tests --manifest-path "$crate/Cargo.toml" \
    --message-format=json-render-diagnostics > "$build_log"
{
    read -r _ ours
    read -r _ libtest
} < <(python3 "$here/harness_speed.py" binaries < "$build_log")
echo "ours:    $ours"
echo "libtest: $libtest"

echo "== sanity: each binary runs all $tests tests and passes"
for bin in "$ours" "$libtest"; do
    if ! out="$("$bin" 2>&1)"; then
        echo "$out" | tail -20
        echo "error: $bin failed" >&2
        exit 1
    fi
    if ! grep -q "test result: ok. $tests passed; 0 failed" <<<"$out"; then
        echo "$out" | tail -5
        echo "error: $bin did not report $tests passed tests" >&2
        exit 1
    fi
done
echo "ok"

# name=command pairs; "ours X" is compared with "libtest X".
commands=(
    "ours full=$ours"
    "libtest full=$libtest"
    "ours full --test-threads 2=$ours --test-threads 2"
    "libtest full --test-threads 2=$libtest --test-threads 2"
    "ours exact=$ours --exact $exact"
    "libtest exact=$libtest --exact $exact"
    "ours list=$ours --list"
    "libtest list=$libtest --list"
    # Our default writes JUnit, CTRF and an event stream; libtest writes none.
    # These pairs compare the harnesses doing the same work.
    "ours full --no-report=$ours --no-report"
    "libtest full --no-report=$libtest"
    "ours exact --no-report=$ours --no-report --exact $exact"
    "libtest exact --no-report=$libtest --exact $exact"
    # The HTML page's share of the default: "ours full" minus this.
    "ours full --no-html=$ours --no-html"
    "libtest full --no-html=$libtest"
)

if [[ -z "${NO_HYPERFINE:-}" ]] && ! command -v hyperfine >/dev/null; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        echo "== installing hyperfine"
        (apt-get update -qq && apt-get install -y -qq hyperfine) >/dev/null 2>&1 ||
            echo "could not install hyperfine; using the Python timing loop"
    fi
fi

json="$results/harness-speed.json"
echo "== timing: $warmup warm-up + $runs runs per command, output to /dev/null"
if [[ -z "${NO_HYPERFINE:-}" ]] && command -v hyperfine >/dev/null; then
    args=()
    for pair in "${commands[@]}"; do
        args+=(-n "${pair%%=*}" "${pair#*=}")
    done
    # -N: no shell in between, so a 1 ms process is not measured as 3 ms.
    hyperfine -N --warmup "$warmup" --runs "$runs" --output=null \
        --export-json "$json" --export-markdown "$results/harness-speed.md" "${args[@]}"
else
    python3 "$here/harness_speed.py" measure "$json" --warmup "$warmup" --runs "$runs" "${commands[@]}"
fi

echo "== medians (ours / libtest)"
python3 "$here/harness_speed.py" summarize "$json" | tee "$results/summary.md"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
cp "$json" "$results/harness-speed-$stamp.json"
echo
echo "results: $json (a copy: harness-speed-$stamp.json)"
