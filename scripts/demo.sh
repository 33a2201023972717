#!/usr/bin/env bash
# Installs dependencies, builds cogwatch and runs the demo: a simulated Cog
# predictor cycles through incidents (error burst, CPU saturation, input
# drift, throughput drop) while a full cogwatch daemon scrapes it, fires the
# Cog alerts and prints each notification; the Prometheus API is served at
# http://127.0.0.1:9095 meanwhile. Ctrl-C stops it; arguments go to
# `cogwatch demo` (e.g. --duration 3m, --listen 127.0.0.1:9096).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target cogwatch
exec build/cogwatch demo "$@"
