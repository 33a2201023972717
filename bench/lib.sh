# Helpers shared by the side-by-side scripts in bench/ (sourced, not run).
# They expect to run from the repository's root.

# Processes started by the script (add their PIDs to `pids`) are killed and
# its work directory removed when it exits: call use_work_dir PREFIX first.
pids=()
use_work_dir() {
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  trap cleanup EXIT
}
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_ready URL: polls until it answers 200.
wait_ready() {
  for ((i = 0; i < 3000; i++)); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.01
  done
  echo "timeout: $1" >&2
  return 1
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "n/a"; else printf "%.3f", a[int((NR+1)/2)]}'; }

# scrapes PORT: how many times the system on PORT (cogwatch or Prometheus)
# has scraped its `cog` job so far: count_over_time(up[1h]).
scrapes() {
  curl -s "http://127.0.0.1:$1/api/v1/query" --data-urlencode 'query=count_over_time(up[1h])' |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)'
}
# ms_per_scrape CPU0 CPU1 SCRAPES0 SCRAPES1: CPU milliseconds per scrape
# between two readings of cpu_seconds and scrapes.
ms_per_scrape() {
  awk -v c0="$1" -v c1="$2" -v s0="$3" -v s1="$4" 'BEGIN {n = s1 - s0; if (n < 1) n = 1; printf "%.3f\n", (c1 - c0) * 1000 / n}'
}
# steady_ms_per_scrape PID PORT SECONDS: once the system on PORT is ready
# and its first scrapes have created the series (5 s), its CPU
# milliseconds per scrape over SECONDS.
steady_ms_per_scrape() {
  wait_ready "http://127.0.0.1:$2/-/ready" >/dev/null
  sleep 5
  local c0 s0
  c0=$(cpu_seconds "$1"); s0=$(scrapes "$2")
  sleep "$3"
  ms_per_scrape "$c0" "$(cpu_seconds "$1")" "$s0" "$(scrapes "$2")"
}
# cpu_seconds PID: user+system CPU of the process so far.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
anon_kib() { awk '/^RssAnon:/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# write_config DIR TARGET: prometheus.yml (scrape TARGET every 1 s) and rules.yml
# (the Cog alert rules plus the guide's p95 recording rule) in DIR.
write_config() {  # DIR TARGET
  cat >"$1/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: cog
    static_configs:
      - targets: ['$2']
rule_files: [rules.yml]
EOF
  {
    cat examples/rules/cog_alerts.yml
    cat <<'EOF'
- name: cog_recording
  rules:
  - record: job:cog_predict_latency_seconds:p95
    expr: histogram_quantile(0.95, sum by (job, le) (rate(cog_predict_latency_seconds_bucket[5m])))
EOF
  } >"$1/rules.yml"
}

# query_value BASE EXPR: the value of the first series an instant query
# through BASE's HTTP API returns, or n/a.
query_value() {
  curl -s "$1/api/v1/query" --data-urlencode "query=$2" |
    python3 -c 'import json,sys
try: r = json.load(sys.stdin)["data"]["result"]
except Exception: r = []
print(r[0]["value"][1] if r else "n/a")'
}

# metric_value BASE NAME: the sum of every sample of NAME on BASE/metrics
# (each label set, e.g. each quantile, added up), or n/a when none.
metric_value() {
  curl -s "$1/metrics" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 {s += $NF; f = 1} END {print f ? s : "n/a"}'
}

du_bytes() { if [[ -e $1 ]]; then du -sb "$1" | cut -f1; else echo 0; fi; }
