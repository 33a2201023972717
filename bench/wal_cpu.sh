#!/usr/bin/env bash
# What the write-ahead log costs a scrape: `cogwatch run` on the same
# workload (one cog-sim target of about SERIES series, scraped every 1 s,
# the Cog rules every 1 s) with its store in a data directory (WAL on) and
# in memory only (--storage.tsdb.path="", WAL off), alternately, RUNS
# times each for DURATION seconds. Prints CPU ms per scrape of every run,
# the medians, and on/off.
#
#   bench/wal_cpu.sh [SERIES]            # default 10000
#   RUNS=5 DURATION=30 bench/wal_cpu.sh 1000
set -euo pipefail
cd "$(dirname "$0")/.."
series=${1:-10000}
runs=${RUNS:-3}
duration=${DURATION:-30}
cogwatch=$PWD/build/cogwatch
[[ -x $cogwatch ]] || { echo "build cogwatch first (cmake --build build --target cogwatch)"; exit 1; }
for tool in curl python3; do
  command -v $tool >/dev/null || { echo "$tool not found: scripts/setup-deps.sh installs it"; exit 1; }
done
source bench/lib.sh

use_work_dir cogwatch-wal-cpu

# run_one on|off: CPU ms per scrape over DURATION seconds.
run_one() {
  local port path
  port=$(free_port)
  rm -rf "$work/data"
  if [[ $1 == on ]]; then path=$work/data; else path=""; fi
  "$cogwatch" run "--config.file=$work/prometheus.yml" "--web.listen-address=127.0.0.1:$port" \
    "--storage.tsdb.path=$path" --log.level=warn >"$work/log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local ms
  ms=$(steady_ms_per_scrape "$pid" "$port" "$duration")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$ms"
}

sim_addr=127.0.0.1:$(free_port)
"$cogwatch" cog-sim --listen "$sim_addr" --series "$series" >/dev/null 2>&1 &
pids+=("$!")
wait_ready "http://$sim_addr/metrics" >/dev/null
write_config "$work" "$sim_addr"

on=() off=()
for ((i = 0; i < runs; i++)); do
  off+=("$(run_one off)")
  on+=("$(run_one on)")
  printf 'run %d: WAL off %s ms/scrape, WAL on %s ms/scrape\n' "$i" "${off[-1]}" "${on[-1]}"
done
m_off=$(printf '%s\n' "${off[@]}" | median)
m_on=$(printf '%s\n' "${on[@]}" | median)
printf 'series %s, %s runs of %ss each: median CPU per scrape WAL off %s ms, on %s ms, on/off %s\n' "$series" "$runs" \
  "$duration" "$m_off" "$m_on" "$(awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "%.2f", a / b}')"
