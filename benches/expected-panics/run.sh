#!/usr/bin/env bash
# What RUST_BACKTRACE=1 costs a suite of passing `should_panic` tests: a
# generated crate with the same N tests under #[plugin_test(should_panic)]
# and under libtest's #[test] #[should_panic], debug builds (what
# `cargo test` runs), run alternately, medians of RUNS runs each.
# See docs/benchmarks.md ("Expected panics").
#
# Usage: benches/expected-panics/run.sh [N] [RUNS]   (defaults 500, 7)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
n="${1:-500}"
runs="${2:-7}"
dir="${BENCH_DIR:-${TMPDIR:-/tmp}/leanvibe-expected-panics}"
rm -rf "$dir"
mkdir -p "$dir/tests" "$dir/src"
cat >"$dir/Cargo.toml" <<TOML
[package]
name = "expected_panics"
version = "0.0.0"
edition = "2024"
publish = false
[workspace]
[dev-dependencies]
leanvibe-test = { path = "$root/leanvibe-test" }
[[test]]
name = "ours"
harness = false
[[test]]
name = "libtest"
TOML
: >"$dir/src/lib.rs"
{
    echo "use leanvibe_test::prelude::*;"
    for i in $(seq 1 "$n"); do
        echo "#[plugin_test(should_panic = \"boom\")] fn t$i() { let v: Vec<u8> = Vec::new(); let _ = v.len(); panic!(\"boom {}\", $i); }"
    done
    echo "leanvibe_test::main!();"
} >"$dir/tests/ours.rs"
{
    for i in $(seq 1 "$n"); do
        echo "#[test] #[should_panic(expected = \"boom\")] fn t$i() { let v: Vec<u8> = Vec::new(); let _ = v.len(); panic!(\"boom {}\", $i); }"
    done
} >"$dir/tests/libtest.rs"
bins=$(cd "$dir" && cargo test --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["target"]["name"], m["executable"])')
ours=$(echo "$bins" | awk '$1=="ours"{print $2}')
libtest=$(echo "$bins" | awk '$1=="libtest"{print $2}')
python3 - "$ours" "$libtest" "$runs" "$n" <<'PY'
import os, statistics, subprocess, sys, time
ours, libtest, runs, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def timed(argv, backtrace):
    env = dict(os.environ, RUST_BACKTRACE=backtrace)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert done.returncode == 0, argv
    return time.perf_counter() - started
print(f"{n} passing should_panic tests, debug build, medians of {runs} alternating runs")
print("RUST_BACKTRACE  leanvibe-test   libtest    ratio")
for backtrace in ("0", "1"):
    a, b = [], []
    for _ in range(runs):
        a.append(timed([ours], backtrace))
        b.append(timed([libtest, "-q"], backtrace))
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{backtrace:14}  {ma*1000:9.1f} ms  {mb*1000:7.1f} ms  {ma/mb:5.2f}x")
PY
