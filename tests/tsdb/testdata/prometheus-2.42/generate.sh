#!/usr/bin/env bash
# Records the histogram chunk fixtures: feeds the sequences of
# tests/tsdb/histogram_fixture_series.h to Prometheus 2.42 (Debian's
# prometheus package) through its remote-write receiver, stops it, and
# copies the chunks it wrote to chunks_head/ into chunks/. See README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

prometheus --version 2>&1 | head -n 1
g++ -std=c++20 -O1 -I"$root" "$here/fixture_generator.cc" -lsnappy -o "$work/gen"
mkdir -p "$work/requests" "$work/data"
"$work/gen" requests "$work/requests"

printf 'global:\n  scrape_interval: 1h\n' > "$work/prometheus.yml"
port=19390
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$port" --enable-feature=native-histograms \
  --web.enable-remote-write-receiver >"$work/prometheus.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break
  sleep 0.2
done
for f in "$work"/requests/*.pb; do
  curl -sf -X POST --data-binary @"$f" -H 'Content-Type: application/x-protobuf' \
    -H 'Content-Encoding: snappy' -H 'X-Prometheus-Remote-Write-Version: 0.1.0' \
    "http://127.0.0.1:$port/api/v1/write"
done
kill -TERM "$pid"
wait "$pid" || true
if grep -q 'level=error' "$work/prometheus.log"; then
  grep 'level=error' "$work/prometheus.log" >&2
  exit 1
fi
rm -rf "$here/chunks"
mkdir -p "$here/chunks"
"$work/gen" extract "$work/data/chunks_head" "$here/chunks"
