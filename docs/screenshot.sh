#!/usr/bin/env bash
# Regenerates docs/report.png, the HTML report of the example plugin's three
# test targets (suite, security, perf) as one page, rendered by headless
# Chromium. Needs chromium (apt-get install chromium). Redis and PostgreSQL
# make the page fuller; without them their tests show as skipped.
#
# Usage: docs/screenshot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
chromium="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$chromium" ]; then
    echo "error: chromium is not installed (apt-get install chromium)" >&2
    exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The targets fail when the plugin has a finding; the page shows it.
LEANVIBE_REPORT_DIR="$work/reports" cargo test -p data-plugin --test suite --test security --test perf || true
cargo run -q -p leanvibe-test --bin leanvibe-report -- html "$work/reports" -o "$work/report.html"
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --hide-scrollbars --window-size=1100,1500 \
    --screenshot="$PWD/docs/report.png" "file://$work/report.html" 2>/dev/null
echo "wrote docs/report.png"
