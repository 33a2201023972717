#!/usr/bin/env bash
# Restart after a power cut, side by side: `cogwatch run` and Debian's
# Prometheus (2.42) holding the same data, each killed with SIGKILL and
# started again on its data directory.
#
# Fill: one simulated Cog predictor (`cogwatch cog-sim --series SERIES`, so
# about SERIES + 40 series) on loopback, scraped by both every INTERVAL
# seconds for SCRAPES scrapes (the issue's 2 h of WAL at 15 s is 480
# samples per series; at 1 s the same volume takes 8 minutes; the clock
# starts at each one's first stored scrape and runs an interval over, so
# each holds a few scrapes more than SCRAPES when killed). With
# MODE=together (default) both scrape the target at the same time, so they
# hold the same data; MODE=sequential fills cogwatch and then Prometheus
# from the same cog-sim (its values are deterministic functions of the
# time, so the data has the same shape) when the machine cannot run both.
# Whether each kept up is printed: scrapes made, failed, the longest and
# average scrape duration against the interval, sample-limit and
# out-of-order counters. Then each one's steady RSS (VmRSS) is read and it
# is killed with SIGKILL, as a power cut would (but the page cache keeps
# what was written and not synced), and the size of its data directory and
# of its WAL is taken.
#
# Restarts: each system alone (the other not running, cog-sim stopped, a
# configuration without targets, so nothing new is appended), alternately,
# RESTARTS times each: time from the exec to the first 200 of /-/ready
# (polled every 5 ms over a fresh connection from one Python process),
# peak RSS during the replay (VmHWM read as soon as it is ready), then
# SIGKILL again, so each start replays what the previous one left. What a
# start wrote to the data directory (Prometheus m-maps the chunks it
# completes while replaying, and cuts a new WAL segment; cogwatch may
# checkpoint) is printed per restart. Each one's own "WAL replay completed"
# log line is shown next to the measured time. The files are in the page
# cache (warm restarts: nothing is dropped, other work on the machine is
# left alone).
#
#   bench/restart_vs_prometheus.sh
#   SERIES=10000 SCRAPES=120 RESTARTS=3 bench/restart_vs_prometheus.sh
#   INTERVAL=2 SCRAPES=480 MODE=sequential bench/restart_vs_prometheus.sh
#   COGWATCH=/tmp/cogwatch-bin bench/restart_vs_prometheus.sh
#
# Takes SCRAPES × INTERVAL seconds (twice that when sequential) plus the
# restarts. Run it on an otherwise idle machine; `uptime` is printed before
# and after.
set -euo pipefail
cd "$(dirname "$0")/.."
series=${SERIES:-100000}
scrapes=${SCRAPES:-480}
interval=${INTERVAL:-1}
restarts=${RESTARTS:-3}
mode=${MODE:-together}
cogwatch=$(realpath -m "${COGWATCH:-build/cogwatch}")
prometheus=${PROMETHEUS:-$(command -v prometheus || true)}
[[ -x $cogwatch ]] || { echo "build cogwatch first (cmake --build build --target cogwatch), or set COGWATCH"; exit 1; }
[[ -n $prometheus && -x $prometheus ]] || { echo "prometheus not found: scripts/setup-deps.sh installs it"; exit 1; }
[[ $mode == together || $mode == sequential ]] || { echo "MODE is together or sequential, got $mode"; exit 1; }
for tool in curl python3 du; do
  command -v $tool >/dev/null || { echo "$tool not found: scripts/setup-deps.sh installs it"; exit 1; }
done
source bench/lib.sh

use_work_dir cogwatch-restart

names=(cogwatch prometheus)
declare -A port dir log steady_rss steady_anon fill_hwm data_bytes wal_bytes ready_runs hwm_runs replay_runs

mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
mib_b() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
load() { awk '{print $1, $2, $3}' /proc/loadavg; }
fmt3() { awk -v x="$1" 'BEGIN {if (x == "n/a") print x; else printf "%.3f", x}'; }
# A Go duration as the logs print them (1m2.5s, 134.9ms, 76.8µs, 171ns;
# cogwatch's 0.0454s is one too) in milliseconds, or n/a.
dur_ms() {
  awk -v d="$1" 'BEGIN {
    if (d !~ /^([0-9.]+(h|m|s|ms|us|µs|ns))+$/) { print "n/a"; exit }
    f["h"] = 3600000; f["m"] = 60000; f["s"] = 1000
    f["ms"] = 1; f["us"] = 0.001; f["µs"] = 0.001; f["ns"] = 0.000001
    t = 0
    while (match(d, /^[0-9.]+/)) {
      v = substr(d, 1, RLENGTH); d = substr(d, RLENGTH + 1)
      unit = ""
      for (k in f) if (index(d, k) == 1 && length(k) > length(unit) && substr(d, length(k) + 1) !~ /^[a-zµ]/) unit = k
      t += v * f[unit]; d = substr(d, length(unit) + 1)
    }
    printf "%.0f", t
  }'
}

# The scrape configuration (the fill) and one without targets (the restarts).
write_configs() {  # TARGET
  cat >"$work/fill.yml" <<EOF
global:
  scrape_interval: ${interval}s
  scrape_timeout: ${interval}s
scrape_configs:
  - job_name: cog
    static_configs:
      - targets: ['$1']
EOF
  cat >"$work/idle.yml" <<EOF
global:
  scrape_interval: ${interval}s
EOF
}

start_cmd() {  # NAME CONFIG: the command line, one word per line
  local n=$1 cfg=$2
  if [[ $n == cogwatch ]]; then
    printf '%s\n' "$cogwatch" run "--config.file=$cfg" "--web.listen-address=127.0.0.1:${port[$n]}" \
      "--storage.tsdb.path=${dir[$n]}"
  else
    printf '%s\n' "$prometheus" "--config.file=$cfg" "--web.listen-address=127.0.0.1:${port[$n]}" \
      "--storage.tsdb.path=${dir[$n]}"
  fi
}

# The data directory's layout: the WAL (segments, checkpoints), Prometheus's
# m-mapped head chunks, cogwatch's blocks.
layout() {  # NAME
  local d=${dir[$1]}
  local segs cps
  segs=$(find "$d/wal" -maxdepth 1 -type f -regex '.*/[0-9]+' 2>/dev/null | wc -l)
  cps=$(find "$d/wal" -maxdepth 1 -name 'checkpoint.*' 2>/dev/null | xargs -r -n1 basename | tr '\n' ' ')
  printf 'dir %s MiB, wal %s MiB (%s segments, checkpoint %s MiB %s)' "$(mib_b "$(du_bytes "$d")")" \
    "$(mib_b "$(du_bytes "$d/wal")")" "$segs" \
    "$(mib_b "$(find "$d/wal" -maxdepth 1 -name 'checkpoint.*' -exec du -sb {} + 2>/dev/null | awk '{s += $1} END {print s + 0}')")" \
    "${cps:-none}"
  [[ -d $d/chunks_head ]] && printf ', chunks_head %s MiB (%s files)' "$(mib_b "$(du_bytes "$d/chunks_head")")" \
    "$(find "$d/chunks_head" -type f | wc -l)"
  [[ -d $d/blocks ]] && printf ', blocks %s MiB' "$(mib_b "$(du_bytes "$d/blocks")")"
  return 0
}

start_fill() {  # NAME
  local n=$1
  mapfile -t cmd < <(start_cmd "$n" "$work/fill.yml")
  "${cmd[@]}" >"${log[$n]}.fill" 2>&1 &
  fill_pid[$n]=$!
  pids+=("${fill_pid[$n]}")
  wait_ready "http://127.0.0.1:${port[$n]}/-/ready" >/dev/null
}

# Prints whether NAME kept up over the last WINDOW seconds, from its own
# series (the scrape report series, as both store them) and its /metrics.
keep_up() {  # NAME WINDOW
  local n=$1 w=$2 base="http://127.0.0.1:${port[$1]}"
  local made failed dmax davg samples expected
  made=$(query_value "$base" "count_over_time(up{job=\"cog\"}[${w}s])")
  failed=$(query_value "$base" "count_over_time(up{job=\"cog\"}[${w}s]) - sum_over_time(up{job=\"cog\"}[${w}s])")
  dmax=$(query_value "$base" "max_over_time(scrape_duration_seconds{job=\"cog\"}[${w}s])")
  davg=$(query_value "$base" "avg_over_time(scrape_duration_seconds{job=\"cog\"}[${w}s])")
  samples=$(query_value "$base" "max_over_time(scrape_samples_scraped{job=\"cog\"}[${w}s])")
  expected=$(awk -v w="$w" -v i="$interval" 'BEGIN {print int(w / i)}')
  printf '  %-10s scrapes %s of %s expected, failed %s, scrape duration avg %s s max %s s (interval %s s), samples per scrape %s' \
    "$n" "$made" "$expected" "$failed" "$(fmt3 "$davg")" "$(fmt3 "$dmax")" "$interval" "$samples"
  if [[ $n == prometheus ]]; then
    printf ', exceeded sample limit %s, out of order %s, interval p99 %s s, head samples %s' \
      "$(metric_value "$base" prometheus_target_scrapes_exceeded_sample_limit_total)" \
      "$(metric_value "$base" prometheus_target_scrapes_sample_out_of_order_total)" \
      "$(metric_value "$base" "prometheus_target_interval_length_seconds{interval=\"${interval}s\",quantile=\"0.99\"}")" \
      "$(metric_value "$base" prometheus_tsdb_head_samples_appended_total)"
  else
    printf ', exceeded limit %s, out of order %s, head samples %s, checkpoints %s' \
      "$(metric_value "$base" cogwatch_target_scrapes_exceeded_limit_total)" \
      "$(metric_value "$base" cogwatch_tsdb_out_of_order_samples_total)" \
      "$(metric_value "$base" cogwatch_tsdb_head_samples_appended_total)" \
      "$(metric_value "$base" cogwatch_tsdb_checkpoint_creations_total)"
  fi
  local ok
  ok=$(awk -v m="$made" -v e="$expected" -v d="$dmax" -v i="$interval" -v f="$failed" \
    'BEGIN {print (m != "n/a" && m >= 0.98 * e && d < i && f == 0) ? "kept up" : "DID NOT KEEP UP"}')
  printf ': %s\n' "$ok"
}

# Reads the steady RSS, kills with SIGKILL, takes the sizes.
power_cut() {  # NAME
  local n=$1 p=${fill_pid[$1]}
  steady_rss[$n]=$(rss_kib "$p")
  steady_anon[$n]=$(anon_kib "$p")
  fill_hwm[$n]=$(hwm_kib "$p")
  kill -KILL "$p"
  wait "$p" 2>/dev/null || true
  data_bytes[$n]=$(du_bytes "${dir[$n]}")
  wal_bytes[$n]=$(du_bytes "${dir[$n]}/wal")
}

fill() {  # NAME...: fills them at the same time
  local n
  for n in "$@"; do start_fill "$n"; done
  # The clock starts once each has stored its first scrape (Prometheus's
  # discovery hands the scrape manager its targets up to 5 s after ready).
  for n in "$@"; do
    local t=$SECONDS
    until [[ $(query_value "http://127.0.0.1:${port[$n]}" 'count(up{job="cog"})') != n/a ]]; do
      ((SECONDS - t < 120)) || { echo "$n: no scrape stored 120 s after ready" >&2; return 1; }
      sleep 0.2
    done
  done
  local total=$((scrapes * interval)) t0=$SECONDS next=120
  # One interval more than the scrapes asked for, so the window keep_up
  # looks at (the last SCRAPES intervals) is all after the first scrape.
  while ((SECONDS - t0 < total + interval)); do
    sleep 1
    if ((SECONDS - t0 >= next)); then
      next=$((next + 120))
      printf '  %4ds:' $((SECONDS - t0))
      for n in "$@"; do printf ' %s RSS %s MiB' "$n" "$(mib "$(rss_kib "${fill_pid[$n]}")")"; done
      printf ', load %s\n' "$(load)"
    fi
  done
  for n in "$@"; do keep_up "$n" "$total"; done
  for n in "$@"; do power_cut "$n"; done
}

# restart_once NAME: starts it on its data directory (no targets), waits
# for /-/ready, and prints "ready_ms hwm_kib rss_kib" once ready; then
# SIGKILL.
restart_once() {
  local n=$1
  mapfile -t cmd < <(start_cmd "$n" "$work/idle.yml")
  python3 - "${port[$n]}" "${log[$n]}.restart" "${cmd[@]}" <<'PY'
import signal, socket, subprocess, sys, time
port, log, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the script's cleanup: kill the child too
def status(pid):
    with open("/proc/%d/status" % pid) as f:
        return {l.split(":")[0]: l.split()[1] for l in f if l.startswith(("VmHWM", "VmRSS"))}
with open(log, "wb") as out:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        while True:
            if time.perf_counter() - start > 900:
                sys.exit("not ready after 900 s: " + " ".join(cmd))
            if proc.poll() is not None:
                sys.exit("exited with %d before ready: see %s" % (proc.returncode, log))
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                    s.sendall(b"GET /-/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    if s.recv(16).startswith(b"HTTP/1.1 200"):
                        ms = (time.perf_counter() - start) * 1000
                        st = status(proc.pid)
                        print("%.0f %s %s" % (ms, st["VmHWM"], st["VmRSS"]))
                        break
            except OSError:
                pass
            time.sleep(0.005)
    finally:
        proc.kill()  # SIGKILL: the next start replays the same log
        proc.wait()
PY
}

# The replay time the system logs itself.
logged_replay() {  # NAME
  local line
  line=$(grep 'WAL replay completed' "${log[$1]}.restart" | tail -1 || true)
  if [[ $1 == prometheus ]]; then
    grep -o 'total_replay_duration=[^ ]*' <<<"$line" | cut -d= -f2 || echo n/a
  else
    grep -o ' duration=[^ ]*' <<<"$line" | cut -d= -f2 | tr -d '"' || echo n/a
  fi
}

echo "restart after SIGKILL: $series padding series (+ about 40 Cog series), $scrapes scrapes every ${interval}s, mode $mode, $restarts restarts each"
echo "cogwatch: $cogwatch ($("$cogwatch" --version 2>&1 | head -1))"
echo "prometheus: $prometheus ($("$prometheus" --version 2>&1 | head -1))"
echo "$(nproc) CPUs; uptime before: $(uptime)"

sim_addr=127.0.0.1:$(free_port)
"$cogwatch" cog-sim --listen "$sim_addr" --series "$series" >"$work/cog-sim.log" 2>&1 &
sim_pid=$!
pids+=("$sim_pid")
wait_ready "http://$sim_addr/metrics" >/dev/null
write_configs "$sim_addr"
declare -A fill_pid
for n in "${names[@]}"; do
  port[$n]=$(free_port)
  dir[$n]=$work/$n
  log[$n]=$work/$n.log
  mkdir -p "${dir[$n]}"
done

echo "fill ($mode):"
if [[ $mode == together ]]; then
  fill cogwatch prometheus
else
  fill cogwatch
  fill prometheus
fi
kill "$sim_pid" 2>/dev/null || true
wait "$sim_pid" 2>/dev/null || true
for n in "${names[@]}"; do
  printf '  %-10s killed: steady RSS %s MiB (anonymous %s), peak while filling %s MiB; %s\n' "$n" \
    "$(mib "${steady_rss[$n]}")" "$(mib "${steady_anon[$n]}")" "$(mib "${fill_hwm[$n]}")" "$(layout "$n")"
done

echo "restarts (each alone, SIGKILL once ready):"
for ((r = 1; r <= restarts; r++)); do
  for n in "${names[@]}"; do
    before=$(layout "$n")
    read -r ms hwm rss < <(restart_once "$n")
    replay=$(logged_replay "$n")
    ready_runs[$n]+="$ms "
    hwm_runs[$n]+="$hwm "
    replay_runs[$n]+="$replay "
    after=$(layout "$n")
    printf '  %d %-10s ready %6.0f ms (its log: WAL replay completed in %s), peak RSS %s MiB, RSS at ready %s MiB, load %s\n' \
      "$r" "$n" "$ms" "$replay" "$(mib "$hwm")" "$(mib "$rss")" "$(load)"
    [[ $before == "$after" ]] || printf '    data dir changed: before %s\n                      after  %s\n' "$before" "$after"
  done
done
for n in "${names[@]}"; do
  echo "  $n's log of its last start:"
  grep -E 'WAL replay|replay completed|checkpoint|m-mapped|mmap|Replaying|ready' "${log[$n]}.restart" | head -12 | cut -c1-400 |
    sed 's/^/    /'
done

echo "uptime after: $(uptime)"
declare -A med_ready med_hwm
for n in "${names[@]}"; do
  med_ready[$n]=$(printf '%s\n' ${ready_runs[$n]} | median)
  med_hwm[$n]=$(printf '%s\n' ${hwm_runs[$n]} | median)
done
row='%-34s %16s %16s %10s\n'
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b > 0 ? "%.1fx" : "n/a"), a / b}'; }
printf "$row" "" cogwatch prometheus "prom/cw"
printf "$row" "ready after restart, median ms" "${med_ready[cogwatch]}" "${med_ready[prometheus]}" \
  "$(ratio "${med_ready[prometheus]}" "${med_ready[cogwatch]}")"
printf "$row" "  each restart, ms" "$(echo ${ready_runs[cogwatch]} | tr ' ' /)" "$(echo ${ready_runs[prometheus]} | tr ' ' /)" ""
ms_list() { local d out=(); for d in $1; do out+=("$(dur_ms "$d")"); done; local IFS=/; echo "${out[*]}"; }
printf "$row" "  its own log's replay time, ms" "$(ms_list "${replay_runs[cogwatch]}")" \
  "$(ms_list "${replay_runs[prometheus]}")" ""
printf "$row" "peak RSS during replay, MiB" "$(mib "${med_hwm[cogwatch]}")" "$(mib "${med_hwm[prometheus]}")" \
  "$(ratio "${med_hwm[prometheus]}" "${med_hwm[cogwatch]}")"
printf "$row" "steady RSS before kill, MiB" "$(mib "${steady_rss[cogwatch]}")" "$(mib "${steady_rss[prometheus]}")" \
  "$(ratio "${steady_rss[prometheus]}" "${steady_rss[cogwatch]}")"
printf "$row" "data dir at kill, MiB" "$(mib_b "${data_bytes[cogwatch]}")" "$(mib_b "${data_bytes[prometheus]}")" \
  "$(ratio "${data_bytes[prometheus]}" "${data_bytes[cogwatch]}")"
printf "$row" "  of it WAL, MiB" "$(mib_b "${wal_bytes[cogwatch]}")" "$(mib_b "${wal_bytes[prometheus]}")" \
  "$(ratio "${wal_bytes[prometheus]}" "${wal_bytes[cogwatch]}")"
for n in "${names[@]}"; do
  awk -v n="$n" -v p="${med_hwm[$n]}" -v s="${steady_rss[$n]}" \
    'BEGIN {printf "%s: peak RSS during replay %s steady RSS (%.1f vs %.1f MiB)\n", n, (p > s ? "ABOVE" : "within"), p / 1024, s / 1024}'
done
