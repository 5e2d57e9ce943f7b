#!/usr/bin/env bash
# How even the shards are: a generated suite of 400 tests with skewed
# durations (4 of 20-60 s, 40 of 1-5 s, 356 of 0.05-0.5 s; fixed seed), split
# 4 ways by count:, hash: and duration: (with the durations as --timings).
# The durations are virtual: each shard's length is the sum of its tests'
# durations, from `--list` of that shard, so the figure is the assignment's
# and nothing else's. Prints the longest shard against the ideal (total / 4),
# and whether the 4 shards hold every test exactly once; the same under
# Bazel's TEST_TOTAL_SHARDS/TEST_SHARD_INDEX (count:, or duration: with
# --timings).
# See docs/benchmarks.md ("Sharding").
#
# Usage: benches/sharding/run.sh   (BENCH_DIR, CARGO_TARGET_DIR)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${BENCH_DIR:-${TMPDIR:-/tmp}/leanvibe-sharding}"
rm -rf "$dir"
mkdir -p "$dir/tests" "$dir/src"
cat >"$dir/Cargo.toml" <<TOML
[package]
name = "sharded"
version = "0.0.0"
edition = "2024"
publish = false
[workspace]
[dev-dependencies]
leanvibe-test = { path = "$root/leanvibe-test" }
[[test]]
name = "suite"
harness = false
TOML
: >"$dir/src/lib.rs"
{
    echo "use leanvibe_test::prelude::*;"
    for i in $(seq -w 0 399); do echo "#[plugin_test] fn t$i() {}"; done
    echo "leanvibe_test::main!();"
} >"$dir/tests/suite.rs"
bin=$(cd "$dir" && cargo test --offline --no-run --test suite --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["executable"])' | tail -1)
python3 - "$bin" "$dir" <<'PY'
import json, random, subprocess, sys
bin, dir = sys.argv[1], sys.argv[2]
rng = random.Random(2026)
names = [f"t{i:03}" for i in range(400)]
order = names[:]
rng.shuffle(order)
secs = {}
for i, name in enumerate(order):
    secs[name] = rng.uniform(20, 60) if i < 4 else rng.uniform(1, 5) if i < 44 else rng.uniform(0.05, 0.5)
timings = f"{dir}/timings.ctrf.json"
json.dump({"results": {"tests": [{"name": n, "duration": round(s * 1000)} for n, s in secs.items()]}},
          open(timings, "w"))
ideal = sum(secs.values()) / 4
print(f"400 tests, {sum(secs.values()):.1f} s in all; ideal shard {ideal:.1f} s")
print("kind           longest shard  / ideal   shards (s)             all tests once")
import os
for kind in ("count", "hash", "duration", "bazel", "bazel+timings"):
    shards = []
    for m in range(1, 5):
        args = [bin, "--list", "--format", "terse"]
        env = dict(os.environ)
        if kind.startswith("bazel"):
            # Bazel's test sharding: 0-based index, no --partition.
            env.update(TEST_TOTAL_SHARDS="4", TEST_SHARD_INDEX=str(m - 1))
        else:
            args += ["--partition", f"{kind}:{m}/4"]
        if kind in ("duration", "bazel+timings"):
            args += ["--timings", timings]
        out = subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout
        shards.append([l[:-len(": test")] for l in out.splitlines() if l.endswith(": test")])
    lengths = [sum(secs[n] for n in s) for s in shards]
    once = sorted(n for s in shards for n in s) == sorted(names)
    print(f"{kind:13} {max(lengths):8.1f} s    {max(lengths) / ideal:5.2f}x   "
          f"{' '.join(f'{l:5.1f}' for l in lengths)}    {once}")
PY
