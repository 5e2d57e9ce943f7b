#!/usr/bin/env bash
# PostgreSQL for tests: server start per worker, database per test from a
# template, and TRUNCATE of a shared database for comparison. Needs a
# PostgreSQL server installed (Debian: apt-get install postgresql).
# See docs/benchmarks.md ("PostgreSQL").
#
# Usage: benches/postgres/run.sh [STARTS] [DATABASES]   (defaults 5, 50)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cargo run --quiet --release -p leanvibe-test --features services --example postgres_costs -- "$@"
