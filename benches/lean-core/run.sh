#!/usr/bin/env bash
# What a plugin pays to add leanvibe-test: the cold build (empty target
# directory) of a generated plugin crate with 20 `#[plugin_test]`s, its debug
# test binary, and how many crates are compiled, for
#   old     leanvibe-test at OLD_REV (default 4a23e19, the last commit before
#           the lean-core work: every module always built),
#   new     leanvibe-test in this checkout, default features,
#   anchor  the same 20 tests as `#[test]`/`#[tokio::test]` with tokio.
# The three are built in turn, RUNS times each (default 3), so a noisy
# machine slows them alike; medians and ratios are printed.
# See docs/benchmarks.md ("A lean core").
#
# Usage: benches/lean-core/run.sh   (BENCH_DIR, OLD_REV, RUNS)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench_dir="${BENCH_DIR:-${TMPDIR:-/tmp}/leanvibe-lean-core}"
old_rev="${OLD_REV:-4a23e19}"
runs="${RUNS:-3}"
rm -rf "$bench_dir"
mkdir -p "$bench_dir/old-src"
git -C "$root" archive "$old_rev" | tar -x -C "$bench_dir/old-src"

# generate <dir> <leanvibe-test path or "">
generate() {
    local dir="$1" harness_path="$2"
    mkdir -p "$dir/tests" "$dir/src"
    echo "pub fn add(a: u64, b: u64) -> u64 { a + b }" >"$dir/src/lib.rs"
    if [ -n "$harness_path" ]; then
        cat >"$dir/Cargo.toml" <<TOML
[package]
name = "plugin"
version = "0.0.0"
edition = "2024"
publish = false
[workspace]
[dev-dependencies]
leanvibe-test = { path = "$harness_path" }
[[test]]
name = "suite"
harness = false
TOML
        {
            echo "use leanvibe_test::prelude::*;"
            for i in $(seq -w 1 10); do
                echo "#[plugin_test(max_ms = 50, max_mb = 80)]"
                echo "fn sync_$i() { assert_eq!(plugin::add($i, 1), $i + 1); }"
                echo "#[plugin_test(timeout_ms = 2000)]"
                echo "async fn async_$i() { leanvibe_test::tokio::task::yield_now().await; assert_eq!(plugin::add($i, 2), $i + 2); }"
            done
            echo "leanvibe_test::main!();"
        } >"$dir/tests/suite.rs"
    else
        cat >"$dir/Cargo.toml" <<TOML
[package]
name = "plugin"
version = "0.0.0"
edition = "2024"
publish = false
[workspace]
[dev-dependencies]
tokio = { version = "1", features = ["rt", "macros"] }
[[test]]
name = "suite"
TOML
        {
            for i in $(seq -w 1 10); do
                echo "#[test]"
                echo "fn sync_$i() { assert_eq!(plugin::add($i, 1), $i + 1); }"
                echo "#[tokio::test]"
                echo "async fn async_$i() { tokio::task::yield_now().await; assert_eq!(plugin::add($i, 2), $i + 2); }"
            done
        } >"$dir/tests/suite.rs"
    fi
}
generate "$bench_dir/old" "$bench_dir/old-src/leanvibe-test"
generate "$bench_dir/new" "$root/leanvibe-test"
generate "$bench_dir/anchor" ""
for variant in old new anchor; do
    # Resolve once, offline when the registry has everything.
    (cd "$bench_dir/$variant" && { cargo generate-lockfile --offline 2>/dev/null || cargo generate-lockfile; })
done

results="$bench_dir/results.tsv"
printf 'variant\trun\tseconds\tcrates\tbinary_bytes\n' >"$results"
for run in $(seq 1 "$runs"); do
    for variant in old new anchor; do
        dir="$bench_dir/$variant"
        rm -rf "$dir/target"
        start=$(date +%s.%N)
        (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo test --offline --no-run --test suite 2>"$dir/build.log")
        end=$(date +%s.%N)
        crates=$(grep -c '^ *Compiling ' "$dir/build.log")
        binary=$(ls -S "$dir"/target/debug/deps/suite-* | grep -v '\.d$' | head -1)
        bytes=$(stat -c %s "$binary")
        secs=$(echo "$end - $start" | bc)
        printf '%s\t%s\t%.1f\t%s\t%s\n' "$variant" "$run" "$secs" "$crates" "$bytes" | tee -a "$results"
    done
done

python3 - "$results" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
med = {}
for v in ("old", "new", "anchor"):
    r = [x for x in rows if x["variant"] == v]
    med[v] = (statistics.median(float(x["seconds"]) for x in r),
              r[0]["crates"], statistics.median(int(x["binary_bytes"]) for x in r) / 1e6)
print("variant  median cold build  crates compiled  debug test binary")
for v, (s, c, mb) in med.items():
    print(f"{v:8} {s:10.1f} s        {c:>6}           {mb:6.1f} MB")
print(f"new/old build time: {med['new'][0] / med['old'][0]:.2f}x; new/anchor: {med['new'][0] / med['anchor'][0]:.2f}x")
PY
