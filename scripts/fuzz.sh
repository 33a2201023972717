#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a
# bounded time: scripts/fuzz.sh [seconds, default 30]. Exit code non-zero if
# a target crashed; the crashing input is left in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}

cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER=clang++ -DCOGWATCH_SANITIZE=address -DCOGWATCH_FUZZ=ON \
      -DCOGWATCH_BUILD_TESTS=OFF -DCOGWATCH_BUILD_BENCH=OFF
cmake --build build-fuzz -j"$(nproc)" --target parse_promql_fuzzer

corpus=build-fuzz/corpus/parse_promql
mkdir -p "$corpus"
cp -n tests/fuzz/corpus/* "$corpus"/ 2>/dev/null || true
cd build-fuzz
./tests/fuzz/parse_promql_fuzzer -max_total_time="$seconds" -max_len=512 -timeout=10 \
  -print_final_stats=1 "../$corpus" 2>&1 | tail -n 12
