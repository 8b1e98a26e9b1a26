#!/usr/bin/env bash
# The live round under load (issue 4, "Performance" 2): VIEWERS projector screens (default
# 2,000) hold a round's Server-Sent Events feed while 15 judges submit, PROPOSALS proposals in
# turn (default 3, so 45 sheets). Prints the delay from each submission to each screen (p50,
# p99, max) and the server's memory. The server is the release binary in its own process; the
# screens and judges are one client process on the same machine.
#
# Usage: bench/live.sh [VIEWERS] [PROPOSALS]      SKIP_BUILD=1 to use existing release builds.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
cd "$root"
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    timeout 3600 cargo build --release --quiet
    timeout 3600 cargo build --release --quiet -p chuangxiang-web --example bench_live
fi
# Every screen is an open connection on both sides.
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "Chuangxiang live-round benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
timeout 900 "$target_dir/release/examples/bench_live" "$target_dir/release/chuangxiang" "${1:-2000}" "${2:-3}"
