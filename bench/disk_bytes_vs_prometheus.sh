#!/usr/bin/env bash
# Bytes per sample on disk, cogwatch vs Debian's Prometheus 2.42, on the
# same samples: the Cog workload of bench/cog_workload.h (the one
# BM_TsdbDiskBytesPerSample stores), written as an OpenMetrics file by
# cog_workload_openmetrics, then imported by both:
#   promtool tsdb create-blocks-from openmetrics FILE DIR_P
#   cogwatch tsdb import openmetrics FILE DIR_C
# Both cut 2 h blocks aligned to multiples of 2 h; the samples start at a
# 2 h-aligned time (+3 ms, the jitter's margin) and the defaults span less
# than 2 h, so each writes one block with all the samples. The script
# checks that: one block each, in the same 2 h window, and the same number
# of samples in both (and as generated); it stops otherwise.
#
# Bytes on disk: Prometheus's block directory (chunks/*, index, meta.json,
# tombstones: every file under it), cogwatch's blocks/*.block. Bytes per
# sample is that over the samples the block holds (their printed tables,
# and promtool tsdb list for Prometheus). The log cogwatch's import leaves
# in DIR_C/wal (the series records import_block logs) is shown, not
# counted: it is not part of a block.
#
#   bench/disk_bytes_vs_prometheus.sh                      # jitter 1
#   JITTER="1 0" bench/disk_bytes_vs_prometheus.sh         # both, one after the other
#   TARGETS=50 SCRAPES=100 bench/disk_bytes_vs_prometheus.sh
#
# Environment:
#   TARGETS   simulated Cog predictors, 20 series each (500: 10k series)
#   SCRAPES   scrapes every 15 s (480: 2 h)
#   JITTER    1: each scrape's timestamp +-3 ms, as BM_TsdbDiskBytesPerSample/jitter:1;
#             0: exactly regular; a list ("1 0") runs each
#   START_MS  the first scrape's time in ms (1700006400003: 2 h-aligned + 3 ms)
#   GEN       the generator (build/bench/cog_workload_openmetrics)
#   COGWATCH  the cogwatch binary (/tmp/cogwatch-bin)
#   PROMTOOL  promtool (/usr/bin/promtool)
#   KEEP      a directory to keep the OpenMetrics files and both data directories in
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

targets=${TARGETS:-500}
scrapes=${SCRAPES:-480}
jitters=${JITTER:-1}
start_ms=${START_MS:-1700006400003}
gen=${GEN:-build/bench/cog_workload_openmetrics}
cogwatch=${COGWATCH:-/tmp/cogwatch-bin}
promtool=${PROMTOOL:-/usr/bin/promtool}
block_ms=$((2 * 3600 * 1000))

[[ -x $gen ]] || { echo "$gen: build it first (cmake --build build --target cog_workload_openmetrics), or set GEN" >&2; exit 1; }
[[ -x $cogwatch ]] || { echo "$cogwatch: not found (set COGWATCH)" >&2; exit 1; }
[[ -x $promtool ]] || { echo "$promtool: not found (set PROMTOOL; Debian's prometheus package has it)" >&2; exit 1; }

use_work_dir cogwatch-disk-bytes
out_dir=${KEEP:-$work}
mkdir -p "$out_dir"

window=$((start_ms / block_ms * block_ms))
expected=$((targets * 20 * scrapes))

# file_bytes PATH...: the sum of the sizes of the regular files under PATHs.
file_bytes() { find "$@" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }
# table_column FILE N: column N of every row after the header, one a line.
table_column() { awk -v n="$2" 'NR > 1 && NF >= 8 {print $n}' "$1"; }
# timed OUT CMD...: runs CMD, stdout to OUT; sets wall (seconds) and rss (peak, KiB).
timed() {
  local out=$1
  shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$out" || fail "$* failed: $(cat "$out")"
  read -r wall rss <"$work/time"
}
per() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "promtool: $("$promtool" --version 2>&1 | head -1)"
echo "cogwatch: $cogwatch ($("$cogwatch" --version 2>&1 | head -1))"
echo "workload: $targets targets x 20 series = $((targets * 20)) series, $scrapes scrapes at 15 s," \
  "first at $start_ms ms (2 h window $window..$((window + block_ms - 1)))"

for jitter in $jitters; do
  echo
  echo "== jitter $jitter =="
  om=$out_dir/cog-j$jitter.om
  dir_p=$out_dir/prometheus-j$jitter
  dir_c=$out_dir/cogwatch-j$jitter
  rm -rf "$dir_p" "$dir_c"

  t0=$(date +%s.%N)
  "$gen" --targets "$targets" --scrapes "$scrapes" --jitter "$jitter" --start-ms "$start_ms" >"$om" 2>"$work/gen.err"
  cat "$work/gen.err"
  grep -q warning "$work/gen.err" && fail "timestamps that do not read back exactly (see the generator's warning)"
  t1=$(date +%s.%N)
  echo "file: $(du_bytes "$om") bytes, written in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s"

  timed "$work/p.txt" "$promtool" tsdb create-blocks-from openmetrics "$om" "$dir_p"
  p_wall=$wall p_rss=$rss
  timed "$work/c.txt" "$cogwatch" tsdb import openmetrics "$om" "$dir_c"
  c_wall=$wall c_rss=$rss
  echo "-- promtool tsdb create-blocks-from openmetrics ($p_wall s, peak RSS $((p_rss / 1024)) MiB)"
  cat "$work/p.txt"
  echo "-- promtool tsdb list"
  "$promtool" tsdb list "$dir_p" | tee "$work/pl.txt"
  echo "-- cogwatch tsdb import openmetrics ($c_wall s, peak RSS $((c_rss / 1024)) MiB)"
  cat "$work/c.txt"

  # One block each, in the same 2 h window.
  mapfile -t p_blocks < <(table_column "$work/pl.txt" 1)
  mapfile -t c_blocks < <(table_column "$work/c.txt" 1)
  [[ ${#p_blocks[@]} -eq 1 ]] || fail "promtool wrote ${#p_blocks[@]} blocks, expected 1"
  [[ ${#c_blocks[@]} -eq 1 ]] || fail "cogwatch wrote ${#c_blocks[@]} blocks, expected 1"
  [[ -d $dir_p/${p_blocks[0]} ]] || fail "promtool's block ${p_blocks[0]} is not in $dir_p"
  p_min=$(table_column "$work/pl.txt" 2)
  p_max=$(table_column "$work/pl.txt" 3)
  ((p_min >= window && p_max <= window + block_ms)) || fail "promtool's block $p_min..$p_max is not in window $window"
  c_name=$(printf '%013d-%013d' "$window" $((window + block_ms - 1)))
  [[ ${c_blocks[0]} == "$c_name" ]] || fail "cogwatch's block is ${c_blocks[0]}, expected $c_name"

  # The same samples: promtool's printed table, promtool tsdb list, cogwatch's table, the generator.
  p_samples=$(table_column "$work/p.txt" 5)
  pl_samples=$(table_column "$work/pl.txt" 5)
  c_samples=$(table_column "$work/c.txt" 5)
  [[ $p_samples == "$pl_samples" ]] || fail "promtool printed $p_samples samples, tsdb list says $pl_samples"
  [[ $p_samples == "$c_samples" ]] || fail "promtool holds $p_samples samples, cogwatch $c_samples"
  [[ $p_samples == "$expected" ]] || fail "both hold $p_samples samples, the file has $expected"
  [[ $(table_column "$work/pl.txt" 7) == $(table_column "$work/c.txt" 7) ]] || fail "series counts differ"

  block_p=$dir_p/${p_blocks[0]}
  bytes_p=$(file_bytes "$block_p")
  chunks_p=$(file_bytes "$block_p/chunks")
  index_p=$(file_bytes "$block_p/index")
  bytes_c=$(file_bytes "$dir_c/blocks" -name '*.block')
  wal_c=$(file_bytes "$dir_c/wal")
  c_chunk_bytes=$("$cogwatch" tsdb analyze "$dir_c" | awk -F': ' '/^Chunk bytes:/ {print $2}')
  samples=$p_samples
  echo "-- bytes on disk ($samples samples, $(table_column "$work/pl.txt" 7) series in both;" \
    "chunks: Prometheus $(table_column "$work/pl.txt" 6), cogwatch $(table_column "$work/c.txt" 6))"
  printf '%-11s %12s %16s\n' "" bytes bytes/sample
  printf '%-11s %12s %16s   (chunks/ %s = %s/sample, index %s = %s/sample, meta.json + tombstones %s)\n' \
    Prometheus "$bytes_p" "$(per "$bytes_p" "$samples")" "$chunks_p" "$(per "$chunks_p" "$samples")" \
    "$index_p" "$(per "$index_p" "$samples")" $((bytes_p - chunks_p - index_p))
  printf '%-11s %12s %16s   (chunk data %s = %s/sample per tsdb analyze; not counted: wal/ %s)\n' \
    cogwatch "$bytes_c" "$(per "$bytes_c" "$samples")" "$c_chunk_bytes" "$(per "$c_chunk_bytes" "$samples")" "$wal_c"
  echo "ratio Prometheus / cogwatch: $(per "$bytes_p" "$bytes_c")"
  echo "RESULT jitter=$jitter samples=$samples prometheus_bytes=$bytes_p cogwatch_bytes=$bytes_c" \
    "prometheus_bytes_per_sample=$(per "$bytes_p" "$samples") cogwatch_bytes_per_sample=$(per "$bytes_c" "$samples")" \
    "ratio=$(per "$bytes_p" "$bytes_c")"
  [[ -n ${KEEP:-} ]] || rm -f "$om"
done
