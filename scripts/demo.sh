#!/usr/bin/env bash
# Installs dependencies, builds cogwatch and runs the demo. Until the daemon
# lands, the demo is `cogwatch selfcheck`: a simulated fleet of Cog
# predictors is written into the store, read back and verified; then the
# built-in Cog alert rules run against the simulated Cog service in each
# scenario and the alerts' timeline is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target cogwatch
exec build/cogwatch selfcheck "$@"
