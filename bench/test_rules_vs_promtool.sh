#!/usr/bin/env bash
# Side by side: `cogwatch test rules` and `promtool test rules` (Debian's
# prometheus package) on the same files, each run N times (default 21) as
# whole processes; prints the median wall time of each and the ratio, and
# cogwatch's start-up alone (`cogwatch --version`).
#
#   bench/test_rules_vs_promtool.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-21}
cogwatch=build/cogwatch
promtool=$(command -v promtool || true)
[[ -x $cogwatch ]] || { echo "build cogwatch first (cmake --build build --target cogwatch)"; exit 1; }
[[ -n $promtool ]] || { echo "promtool not found: scripts/setup-deps.sh installs it"; exit 1; }

# median_ms DIR CMD...: the median wall time of N runs of CMD in DIR, in
# ms (bash's $EPOCHREALTIME: no extra process per measurement).
median_ms() {
  local dir=$1; shift
  local times=()
  pushd "$dir" >/dev/null
  for ((i = 0; i < runs; i++)); do
    local start=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || true
    local end=$EPOCHREALTIME
    times+=("$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.3f", (e - s) * 1000}')")
  done
  popd >/dev/null
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]}'
}

printf '%-40s %12s %12s %8s\n' "file ($runs runs, median)" "cogwatch ms" "promtool ms" "ratio"
for f in tests/ruletest/unit/cog_alerts_test.yml tests/ruletest/unit_failing/failing_test.yml; do
  dir=$(dirname "$f") name=$(basename "$f")
  c=$(median_ms "$dir" "$PWD/$cogwatch" test rules "$name")
  p=$(median_ms "$dir" "$promtool" test rules "$name")
  printf '%-40s %12s %12s %7.1fx\n' "$name" "$c" "$p" "$(awk -v c="$c" -v p="$p" 'BEGIN {print p / c}')"
done
printf '%-40s %12s\n' "start-up (cogwatch --version)" "$(median_ms . "$PWD/$cogwatch" --version)"
