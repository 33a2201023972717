#!/usr/bin/env bash
# Side by side: `cogwatch run` and Debian's Prometheus (2.42) on the same
# workload: one simulated Cog predictor (`cogwatch cog-sim --series N`, so
# about N + 40 series), scraped every 1s, the Cog rules evaluated every 1s
# (examples/rules/cog_alerts.yml plus the guide's p95 latency recording
# rule), for DURATION seconds. For each it prints:
#   - time from start to ready: from the exec to the first 200 of /-/ready,
#     polled every 0.5 ms over a fresh connection (median of 9 starts),
#   - RSS at the end of the run (steady), its anonymous part (the process's
#     own memory; the rest is shared-library and binary pages, which the
#     kernel maps in 64 KiB runs and can drop and re-read), and the peak
#     (VmHWM),
#   - CPU time per scrape (user+system over the run / scrapes made),
#   - latency through the HTTP API of the three alert expressions and the
#     histogram_quantile of the recording rule: each asked 500 times by
#     ApacheBench over one kept-alive connection, as Grafana asks; the
#     median of the four medians,
#   - the binary's size;
# and the ratio Prometheus / cogwatch of each (higher is better for cogwatch).
#
#   bench/footprint_vs_prometheus.sh [SERIES...]     # default: 1000 10000
#   DURATION=60 bench/footprint_vs_prometheus.sh 1000
#
# Machine noise matters: run it on an otherwise idle machine; figures are
# medians where they can be.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${DURATION:-60}
cogwatch=$PWD/build/cogwatch
prometheus=$(command -v prometheus || true)
[[ -x $cogwatch ]] || { echo "build cogwatch first (cmake --build build --target cogwatch)"; exit 1; }
[[ -n $prometheus ]] || { echo "prometheus not found: scripts/setup-deps.sh installs it"; exit 1; }
for tool in curl ab python3; do
  command -v $tool >/dev/null || { echo "$tool not found: scripts/setup-deps.sh installs it"; exit 1; }
done
source bench/lib.sh
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1000 10000)

use_work_dir cogwatch-footprint

# ready_ms PORT DATA_DIR CMD...: starts CMD 9 times, each on an emptied
# DATA_DIR and stopped once ready, and prints the median ms from exec to the first 200 of /-/ready. A
# curl loop would measure curl's own start-up; this polls from one process.
ready_ms() {
  python3 - "$@" <<'PY'
import os, shutil, socket, statistics, subprocess, sys, time
port, data_dir, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
def once():
    shutil.rmtree(data_dir, ignore_errors=True)
    os.makedirs(data_dir)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < 30:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET /-/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    if s.recv(16).startswith(b"HTTP/1.1 200"):
                        return (time.perf_counter() - start) * 1000
            except OSError:
                pass
            time.sleep(0.0005)
        raise SystemExit("not ready after 30 s: " + " ".join(cmd))
    finally:
        proc.terminate()
        proc.wait()
print("%.1f" % statistics.median(once() for _ in range(9)))
PY
}

# The expressions whose latency is measured.
queries=(
  'avg(rate(container_cpu_usage_seconds_total{name=~"cog.*"}[5m])) by (container_name) > 0.8 * scalar(count(node_cpu_seconds_total{mode="idle"}))'
  'sum(rate(cog_predict_errors_total[5m])) / sum(rate(cog_predict_requests_total[5m])) > 0.01'
  'cog_input_data_entropy > 1.5'
  'histogram_quantile(0.95, sum by (job, le) (rate(cog_predict_latency_seconds_bucket[5m])))'
)

# query_ms BASE: the median of each query's median latency in ms, each asked
# 500 times over one kept-alive connection.
query_ms() {
  local base=$1 q
  for q in "${queries[@]}"; do
    python3 -c 'import sys, urllib.parse; sys.stdout.write(urllib.parse.urlencode({"query": sys.argv[1]}))' "$q" >"$work/query.form"
    ab -q -k -c 1 -n 500 -e "$work/query.csv" -p "$work/query.form" -T application/x-www-form-urlencoded \
      "$base/api/v1/query" >/dev/null
    awk -F, '$1 == "50" {print $2}' "$work/query.csv"
  done | median
}

# run_one NAME SERIES: starts the system, measures, prints one line of figures:
# ready_ms rss_mib anon_mib peak_mib cpu_ms_per_scrape query_ms
run_one() {
  local name=$1 series=$2 port dir
  port=$(free_port)
  dir=$work/$name-$series
  mkdir -p "$dir/data"
  write_config "$dir" "$sim_addr"
  local start_cmd
  if [[ $name == cogwatch ]]; then
    start_cmd=("$cogwatch" run "--config.file=$dir/prometheus.yml" "--web.listen-address=127.0.0.1:$port"
      "--storage.tsdb.path=$dir/data" --log.level=warn)
  else
    start_cmd=("$prometheus" "--config.file=$dir/prometheus.yml" "--web.listen-address=127.0.0.1:$port"
      "--storage.tsdb.path=$dir/data" --log.level=warn)
  fi
  # Start-up: an empty data directory each time, as on a first start.
  local ready
  ready=$(ready_ms "$port" "$dir/data" "${start_cmd[@]}")
  rm -rf "$dir/data"/*
  "${start_cmd[@]}" >"$dir/log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local cpu_ms
  cpu_ms=$(steady_ms_per_scrape "$pid" "$port" "$duration")
  local rss anon peak q
  rss=$(rss_kib "$pid")
  anon=$(anon_kib "$pid")
  q=$(query_ms "http://127.0.0.1:$port")
  peak=$(hwm_kib "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v r="$ready" -v rss="$rss" -v anon="$anon" -v hwm="$peak" -v cpu="$cpu_ms" -v q="$q" \
    'BEGIN {printf "%s %.1f %.1f %.1f %.3f %s\n", r, rss / 1024, anon / 1024, hwm / 1024, cpu, q}'
}

printf 'duration %ss per run, scrape and rule interval 1s; %s\n' "$duration" "$(nproc) CPUs"
printf '%-8s %-10s %10s %10s %10s %10s %14s %12s %10s\n' series system "ready ms" "RSS MiB" "anon MiB" "peak MiB" "CPU ms/scrape" "query ms" "binary MB"
for series in "${sizes[@]}"; do
  sim_port=$(free_port)
  sim_addr=127.0.0.1:$sim_port
  "$cogwatch" cog-sim --listen "$sim_addr" --series "$series" >/dev/null 2>&1 &
  sim_pid=$!
  pids+=("$sim_pid")
  wait_ready "http://$sim_addr/metrics" >/dev/null
  read -r c_ready c_rss c_anon c_peak c_cpu c_q < <(run_one cogwatch "$series")
  read -r p_ready p_rss p_anon p_peak p_cpu p_q < <(run_one prometheus "$series")
  c_bin=$(awk -v b="$(stat -c %s "$cogwatch")" 'BEGIN {printf "%.1f", b / 1048576}')
  p_bin=$(awk -v b="$(stat -c %s "$prometheus")" 'BEGIN {printf "%.1f", b / 1048576}')
  row='%-8s %-10s %10s %10s %10s %10s %14s %12s %10s\n'
  printf "$row" "$series" cogwatch "$c_ready" "$c_rss" "$c_anon" "$c_peak" "$c_cpu" "$c_q" "$c_bin"
  printf "$row" "$series" prometheus "$p_ready" "$p_rss" "$p_anon" "$p_peak" "$p_cpu" "$p_q" "$p_bin"
  awk -v row="$row" -v a="$p_ready" -v b="$c_ready" -v c="$p_rss" -v d="$c_rss" -v m="$p_anon" -v n="$c_anon" \
    -v e="$p_peak" -v f="$c_peak" -v g="$p_cpu" -v h="$c_cpu" -v i="$p_q" -v j="$c_q" -v k="$p_bin" -v l="$c_bin" \
    -v s="$series" \
    'function r(x, y) { return y > 0 ? sprintf("%.1fx", x / y) : "n/a" }
     BEGIN {printf row, s, "ratio", r(a, b), r(c, d), r(m, n), r(e, f), r(g, h), r(i, j), r(k, l)}'
  kill "$sim_pid" 2>/dev/null || true
  wait "$sim_pid" 2>/dev/null || true
done
