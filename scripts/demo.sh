#!/usr/bin/env bash
# Installs dependencies, builds cogwatch and runs the demo. Until the daemon
# lands, the demo is the store's self-check: a simulated fleet of Cog
# predictors is written into the store, read back and verified.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target cogwatch
exec build/cogwatch selfcheck "$@"
