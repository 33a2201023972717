#!/usr/bin/env bash
# What one remote_write queue costs a scrape, for cogwatch and for
# Debian's Prometheus 2.42 on the same workload: one cog-sim target of
# about SERIES series scraped every 1 s (the Cog rules every 1 s), each
# system with its store on disk, without and with a remote_write entry to
# the same VictoriaMetrics (Debian's victoria-metrics, started here on
# loopback). The four runs alternate, RUNS times each, DURATION seconds
# each; prints CPU ms per scrape of every run (the system's process only:
# VictoriaMetrics' work is not counted), the medians, and on/off. At the
# end it prints what each sender's queue sent (samples and bytes), from
# each one's own /metrics.
#
#   bench/remote_write_cpu.sh [SERIES]     # default 10000
#   RUNS=5 DURATION=30 bench/remote_write_cpu.sh 1000
set -euo pipefail
cd "$(dirname "$0")/.."
series=${1:-10000}
runs=${RUNS:-3}
duration=${DURATION:-30}
cogwatch=$PWD/build/cogwatch
prometheus=${PROMETHEUS:-$(command -v prometheus || true)}
victoria=${VICTORIA:-$(command -v victoria-metrics || true)}
[[ -x $cogwatch ]] || { echo "build cogwatch first (cmake --build build --target cogwatch)"; exit 1; }
[[ -n $prometheus && -n $victoria ]] || { echo "prometheus or victoria-metrics not found: scripts/setup-deps.sh installs them"; exit 1; }
for tool in curl python3; do
  command -v $tool >/dev/null || { echo "$tool not found: scripts/setup-deps.sh installs it"; exit 1; }
done
source bench/lib.sh

use_work_dir cogwatch-rw-cpu

# run_one cogwatch|prometheus off|on: CPU ms per scrape over DURATION seconds.
run_one() {
  local port config=$work/prometheus.yml
  port=$(free_port)
  rm -rf "$work/data"
  [[ $2 == on ]] && config=$work/remote.yml
  if [[ $1 == cogwatch ]]; then
    "$cogwatch" run "--config.file=$config" "--web.listen-address=127.0.0.1:$port" \
      "--storage.tsdb.path=$work/data" --log.level=warn >"$work/log" 2>&1 &
  else
    "$prometheus" "--config.file=$config" "--web.listen-address=127.0.0.1:$port" \
      "--storage.tsdb.path=$work/data" --log.level=warn >"$work/log" 2>&1 &
  fi
  local pid=$!
  pids+=("$pid")
  local ms
  ms=$(steady_ms_per_scrape "$pid" "$port" "$duration")
  if [[ $2 == on ]]; then  # what its queue sent
    curl -s "http://127.0.0.1:$port/metrics" |
      awk '/^(cogwatch|prometheus)_remote_storage_(samples_total|bytes_total|samples_failed_total)/ {print "    " $0}' >>"$work/sent.$1"
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$ms"
}

sim_addr=127.0.0.1:$(free_port)
"$cogwatch" cog-sim --listen "$sim_addr" --series "$series" >/dev/null 2>&1 &
pids+=("$!")
wait_ready "http://$sim_addr/metrics" >/dev/null
vm_port=$(free_port)
"$victoria" "-storageDataPath=$work/vm" "-httpListenAddr=127.0.0.1:$vm_port" -retentionPeriod=100y >"$work/vm.log" 2>&1 &
pids+=("$!")
wait_ready "http://127.0.0.1:$vm_port/health" >/dev/null
write_config "$work" "$sim_addr"
{
  cat "$work/prometheus.yml"
  printf 'remote_write:\n  - url: http://127.0.0.1:%s/api/v1/write\n    name: vm\n' "$vm_port"
} >"$work/remote.yml"

declare -A results
for ((i = 0; i < runs; i++)); do
  for system in cogwatch prometheus; do
    for mode in off on; do
      results[$system.$mode]+="$(run_one $system $mode) "
    done
  done
  printf 'run %d: cogwatch off %s on %s, prometheus off %s on %s ms/scrape\n' "$i" \
    "$(echo ${results[cogwatch.off]} | awk '{print $NF}')" "$(echo ${results[cogwatch.on]} | awk '{print $NF}')" \
    "$(echo ${results[prometheus.off]} | awk '{print $NF}')" "$(echo ${results[prometheus.on]} | awk '{print $NF}')"
done
for system in cogwatch prometheus; do
  off=$(printf '%s\n' ${results[$system.off]} | median)
  on=$(printf '%s\n' ${results[$system.on]} | median)
  printf '%-10s series %s, %s runs of %ss: median CPU per scrape remote_write off %s ms, on %s ms, on/off %s\n' \
    "$system" "$series" "$runs" "$duration" "$off" "$on" "$(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.2f", a / b}')"
  echo "  what its queue sent, each run:"
  cat "$work/sent.$system" 2>/dev/null || true
done
