#!/usr/bin/env bash
# Installs dependencies, builds everything and runs every test:
#   1. the Release build with all GoogleTest suites and CLI checks (ctest);
#   2. the tsdb, notifier and daemon suites again under ThreadSanitizer;
#   3. the five fuzz targets (PromQL, exposition, templates, rule files,
#      alertmanager.yml and Alertmanager's API v2) for a
#      bounded time in total (clang, ASan + UBSan, libraries instrumented).
# Build trees: build/ and build-tsan/. Exit code non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-deps.sh

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

# The store is shared by scrapes, rules and queries: its concurrency tests
# must be clean under ThreadSanitizer, not just pass.
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOGWATCH_SANITIZE=thread \
      -DCOGWATCH_BUILD_BENCH=OFF
cmake --build build-tsan -j"$jobs" --target cogwatch_tsdb_tests cogwatch_notify_tests cogwatch_daemon_tests \
      cogwatch_remote_tests
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build-tsan --output-on-failure -j"$jobs" -L cogwatch_tsdb_tests
# So is the built-in Alertmanager: alerts arrive from rule evaluation and
# the API, deliveries answer on the io thread.
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build-tsan --output-on-failure -j"$jobs" -L cogwatch_notify_tests -R "Dispatcher|WebhookSender|AlertmanagerApi|BuiltinNotifier"

# The remote-write queues: a thread each, sending on their own io_context
# while stop() and /metrics come from others.
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build-tsan --output-on-failure -j"$jobs" -L cogwatch_remote_tests -R "Queue|WalWatcher"

# And the daemon, where every part meets: scrapes and the built-in
# Alertmanager on the io thread, rules on theirs, the API on web threads.
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build-tsan --output-on-failure -j"$jobs" -L cogwatch_daemon_tests

# Any input must give a result or an error: fuzz the parsers for a while.
scripts/fuzz.sh "${COGWATCH_FUZZ_SECONDS:-30}"
