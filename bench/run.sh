#!/usr/bin/env bash
# Load benchmark for Chuangxiang on the district-scale demo database.
#
# Builds the release binary, creates the district-scale database (43 streets, ~800 communities,
# 200,000 residents, 10,000 ideas, 2,000 proposals) in a temporary folder, starts the server on a
# free port of 127.0.0.1, and measures /healthz, the home page, the community list, the idea wall
# (unfiltered, and filtered by one community), a two-word Chinese search (停车 混乱) and the
# proposal list with wrk at 64 connections. Pages are compared with
# /healthz of the same server in the same run, because the machine is shared and noisy: the
# ratio means something, the absolute numbers only for this machine at this moment.
#
# Usage: bench/run.sh                 # 3 runs of 15 s per path after a 5 s warm-up each
#        RUNS=1 DURATION=10 bench/run.sh
#        BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cx_bench bench/run.sh
#            (the database must exist and is erased: `demo --force`)
#
# Environment: RUNS (3), DURATION seconds per measurement (15), WARMUP seconds (5),
# CONNECTIONS (64), THREADS for wrk (2), SKIP_BUILD=1 to use an existing release binary,
# CARGO_TARGET_DIR as cargo uses it. Only 127.0.0.1 is ever targeted; every step has a time
# limit (build 1 h, demo 10 min, each wrk DURATION + 30 s); the server is stopped and the
# temporary folder removed on exit, whatever happens. With the defaults the measuring takes
# about 7 minutes after the build.
set -euo pipefail

RUNS=${RUNS:-3}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
# 圣星 is community 2 of the demo; the query is "停车 混乱", URL-encoded.
PATHS=("/healthz" "/" "/communities" "/ideas" "/ideas?community=2"
       "/ideas?q=%E5%81%9C%E8%BD%A6+%E6%B7%B7%E4%B9%B1" "/proposals")

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
bin=$target_dir/release/chuangxiang

log() { printf '%s\n' "$*" >&2; }

for tool in wrk curl; do
    if ! command -v "$tool" >/dev/null; then
        if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
            log "== installing $tool (Debian's package)"
            timeout 600 apt-get install -y -qq "$tool" >/dev/null ||
                { timeout 600 apt-get update -qq && timeout 600 apt-get install -y -qq "$tool" >/dev/null; }
        fi
        command -v "$tool" >/dev/null || { log "$tool is missing: apt-get install -y $tool"; exit 1; }
    fi
done

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    log "== cargo build --release"
    (cd "$root" && timeout 3600 cargo build --release --quiet)
fi
[[ -x $bin ]] || { log "no binary at $bin"; exit 1; }

work=$(mktemp -d -t cx-bench.XXXXXX)
server_pid=""
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

db_url=${BENCH_DATABASE_URL:-sqlite://$work/chuangxiang.db}
# Run from the temporary folder so that no ./chuangxiang.toml of the caller is read.
cd "$work"

log "== demo --scale district ($(sed -E 's#//([^:@/]+):[^@]*@#//\1:***@#' <<<"$db_url"))"
demo_started=$(date +%s.%N)
timeout 600 "$bin" --database-url "$db_url" demo --force --scale district >"$work/demo.log" 2>&1 || {
    log "demo failed:"; cat "$work/demo.log" >&2; exit 1; }
demo_seconds=$(awk -v a="$demo_started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
scale_line=$(grep -m1 '^district scale' "$work/demo.log" || true)
log "$scale_line (whole command ${demo_seconds} s)"

"$bin" --database-url "$db_url" --bind 127.0.0.1:0 serve --no-demo >"$work/server.log" 2>&1 &
server_pid=$!
addr=""
for _ in $(seq 1 100); do
    addr=$(grep -o -m1 'http://127\.0\.0\.1:[0-9]*' "$work/server.log" || true)
    [[ -n $addr ]] && break
    kill -0 "$server_pid" 2>/dev/null || { log "server exited:"; cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
done
[[ -n $addr ]] || { log "server did not start"; cat "$work/server.log" >&2; exit 1; }
curl -fsS --max-time 10 "$addr/healthz" >/dev/null
for p in "${PATHS[@]}"; do
    curl -fsS --max-time 10 -o /dev/null "$addr$p" || { log "$p does not answer 200"; exit 1; }
done
log "== server pid $server_pid on $addr"

# wrk's latency in milliseconds, from "99%  12.34ms" (us, ms or s).
to_ms() {
    awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
           else if (v ~ /ms$/) { sub(/ms$/, "", v) }
           else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
           printf "%.2f", v }'
}

# measure PATH -> "rps p99_ms errors"
measure() {
    local path=$1 out rps p99 bad
    timeout $((WARMUP + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$addr$path" >/dev/null
    out=$(timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$addr$path")
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out" | to_ms)
    bad=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(/[^0-9 ]/, " "); for (i = 1; i <= NF; i++) n += $i } END { print n + 0 }' <<<"$out")
    echo "$rps $p99 $bad"
}

declare -A RPS P99 BAD RATIO
for run in $(seq 1 "$RUNS"); do
    for p in "${PATHS[@]}"; do
        result=$(measure "$p")
        read -r rps p99 bad <<<"$result"
        RPS[$run,$p]=$rps; P99[$run,$p]=$p99; BAD[$run,$p]=$bad
        log "run $run  $p  ${rps} req/s  p99 ${p99} ms  errors ${bad}"
    done
    for p in "${PATHS[@]}"; do
        RATIO[$run,$p]=$(awk -v a="${RPS[$run,$p]}" -v b="${RPS[$run,/healthz]}" 'BEGIN { printf "%.1f", (b > 0) ? 100 * a / b : 0 }')
    done
done

vm_rss=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status")
vm_hwm=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status")

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo
echo "Chuangxiang benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "Database: ${db_url%%://*}; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s after a ${WARMUP}s warm-up; $RUNS run(s)"
echo "demo --scale district: ${demo_seconds} s for the whole command (${scale_line:-no scale line})"
echo
if (( RUNS > 1 )); then
    echo "| run | path | requests/s | p99 (ms) | % of /healthz | errors |"
    echo "|---|---|---:|---:|---:|---:|"
    for run in $(seq 1 "$RUNS"); do
        for p in "${PATHS[@]}"; do
            echo "| $run | \`$p\` | ${RPS[$run,$p]} | ${P99[$run,$p]} | ${RATIO[$run,$p]} % | ${BAD[$run,$p]} |"
        done
    done
    echo
fi
echo "| path | requests/s (median) | p99 ms (median) | % of /healthz (median of per-run ratios) | errors |"
echo "|---|---:|---:|---:|---:|"
for p in "${PATHS[@]}"; do
    r=""; l=""; q=""; e=0
    for run in $(seq 1 "$RUNS"); do
        r+="${RPS[$run,$p]} "; l+="${P99[$run,$p]} "; q+="${RATIO[$run,$p]} "; e=$((e + BAD[$run,$p]))
    done
    echo "| \`$p\` | $(median <<<"$r") | $(median <<<"$l") | $(median <<<"$q") % | $e |"
done
echo
echo "Server memory at the end: VmRSS ${vm_rss} MB, VmHWM (peak) ${vm_hwm} MB"
