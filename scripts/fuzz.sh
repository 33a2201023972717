#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs them for a
# bounded time in total: scripts/fuzz.sh [seconds, default 30], shared by
# the PromQL parser, the exposition parsers (text and protobuf), the alert
# template engine, the rule-file reader (with lint) and the built-in
# Alertmanager's inputs (alertmanager.yml, API v2 bodies and queries), the
# readers of the data directory's files (WAL segments, blocks, histogram
# chunks) and the remote-write decoder. Exit code
# non-zero if a target crashed; the crashing input is left in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}

cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER=clang++ -DCOGWATCH_SANITIZE=address -DCOGWATCH_FUZZ=ON \
      -DCOGWATCH_BUILD_TESTS=OFF -DCOGWATCH_BUILD_BENCH=OFF
cmake --build build-fuzz -j"$(nproc)" --target parse_promql_fuzzer parse_exposition_fuzzer expand_template_fuzzer parse_rule_file_fuzzer notify_fuzzer storage_fuzzer histogram_chunk_fuzzer parse_protobuf_fuzzer remote_write_fuzzer

# A target whose libraries lack coverage instrumentation still runs, but
# blind: libFuzzer then loads only the few hundred counters of the target's
# own file. Refuse that instead of reporting a fuzz pass that explored nothing.
min_counters=2000
for t in parse_promql_fuzzer parse_exposition_fuzzer expand_template_fuzzer parse_rule_file_fuzzer notify_fuzzer storage_fuzzer histogram_chunk_fuzzer parse_protobuf_fuzzer remote_write_fuzzer; do
  counters=$(cd build-fuzz && ./tests/fuzz/"$t" -runs=0 2>&1 |
             sed -n 's/.*(\([0-9]*\) inline 8-bit counters).*/\1/p' | head -n 1)
  if [ "${counters:-0}" -lt "$min_counters" ]; then
    echo "fuzz.sh: $t has ${counters:-no} coverage counters (< $min_counters): the code under test is not instrumented" >&2
    exit 1
  fi
done

# run_fuzzer NAME SEED_DIR SECONDS
run_fuzzer() {
  local corpus=build-fuzz/corpus/$1
  mkdir -p "$corpus"
  cp -n "$2"/* "$corpus"/ 2>/dev/null || true
  (cd build-fuzz && ./tests/fuzz/"$1" -max_total_time="$3" -max_len=512 -timeout=10 \
     -print_final_stats=1 "../$corpus" 2>&1 | tail -n 6)
}
share=$((seconds / 9))
run_fuzzer parse_promql_fuzzer tests/fuzz/corpus $((seconds - 8 * share))
run_fuzzer parse_exposition_fuzzer tests/fuzz/corpus_exposition "$share"
run_fuzzer parse_protobuf_fuzzer tests/fuzz/corpus_protobuf "$share"
run_fuzzer histogram_chunk_fuzzer tests/fuzz/corpus_histogram_chunk "$share"
run_fuzzer expand_template_fuzzer tests/fuzz/corpus_template "$share"
run_fuzzer parse_rule_file_fuzzer tests/fuzz/corpus_rules "$share"
run_fuzzer notify_fuzzer tests/fuzz/corpus_notify "$share"
run_fuzzer storage_fuzzer tests/fuzz/corpus_storage "$share"
run_fuzzer remote_write_fuzzer tests/fuzz/corpus_remote_write "$share"
