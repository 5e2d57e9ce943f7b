#!/usr/bin/env bash
# A test binary with a slow custom global allocator: bytes' own `Ledger`
# (tests/test_bytes_vec_alloc.rs in the bytes crate: every allocation and
# free scans a table linearly, so each allocation the harness makes costs
# the tests). Four trivial tests under libtest and under our harness with
# `main!(allocator: Ledger = ...)`, timed side by side with hyperfine.
# See docs/benchmarks.md ("A slow custom allocator").
#
# Usage: benches/custom-allocator/run.sh   (BENCH_DIR, CARGO_TARGET_DIR, RUNS)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench_dir="${BENCH_DIR:-${TMPDIR:-/tmp}/leanvibe-custom-allocator}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
runs="${RUNS:-30}"
source_file="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/bytes-1.*/tests/test_bytes_vec_alloc.rs | tail -1)"
[ -f "$source_file" ] || { echo "error: bytes' tests not in the cargo registry (cargo fetch in $root)" >&2; exit 1; }
mkdir -p "$bench_dir/tests"
cat >"$bench_dir/Cargo.toml" <<TOML
[package]
name = "ledger"
version = "0.0.0"
edition = "2024"
publish = false
[workspace]
[dev-dependencies]
leanvibe-test = { path = "$root/leanvibe-test" }
[[test]]
name = "ours"
path = "tests/ours.rs"
harness = false
[[test]]
name = "libtest"
path = "tests/libtest.rs"
TOML
python3 - "$source_file" "$bench_dir" <<'PY'
import sys
src = open(sys.argv[1]).read()
ledger = src[:src.index("#[test]")].replace("#![cfg(not(miri))]\n", "").replace("use bytes::{Buf, Bytes};\n", "")
helper = src[src.index("fn invalid_ptr"):]
helper = helper[:helper.index("\n}\n") + 3]
tests = """
#[{attr}]
fn a() {{ let v = vec![1u8; 100]; assert_eq!(v.len(), 100); }}
#[{attr}]
fn b() {{ let s = String::from("x").repeat(10); assert_eq!(s.len(), 10); }}
#[{attr}]
fn c() {{}}
#[{attr}]
fn d() {{}}
"""
open(f"{sys.argv[2]}/tests/libtest.rs", "w").write(ledger + helper + tests.format(attr="test"))
ours = ledger.replace("#[global_allocator]\nstatic LEDGER: Ledger = Ledger::new();\n", "")
open(f"{sys.argv[2]}/tests/ours.rs", "w").write(
    ours + helper + tests.format(attr="leanvibe_test::plugin_test")
    + "\nleanvibe_test::main!(allocator: Ledger = Ledger::new());\n")
PY
cargo build --tests --manifest-path "$bench_dir/Cargo.toml" --message-format=json-render-diagnostics >"$bench_dir/build.jsonl"
bins="$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("executable"): print(m["target"]["name"], m["executable"])
' "$bench_dir/build.jsonl")"
ours="$(awk '$1 == "ours" {print $2}' <<<"$bins")"
libtest="$(awk '$1 == "libtest" {print $2}' <<<"$bins")"
"$ours" | grep -q "test result: ok. 4 passed" && "$libtest" | grep -q "test result: ok. 4 passed"
hyperfine -N --warmup 3 --runs "$runs" --output=null \
    -n "libtest" "$libtest" -n "ours" "$ours" -n "ours --no-report" "$ours --no-report" \
    --export-json "$bench_dir/results.json"
python3 - "$bench_dir/results.json" <<'PY'
import json, statistics, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"{r['command']}: median {statistics.median(r['times']) * 1000:.1f} ms")
PY
