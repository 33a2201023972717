#!/usr/bin/env bash
# Installs every Debian package cogwatch needs to build, test and benchmark.
# Idempotent: packages already present are left alone, and apt is only asked
# to update its lists when something is missing.
set -euo pipefail

packages=(
  # toolchain
  cmake g++ make pkg-config ccache
  # libraries (see docs/architecture.md, "Dependencies")
  tao-pegtl-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libyaml-cpp-dev libre2-dev zlib1g-dev libcli11-dev
  libxxhash-dev libspdlog-dev libfmt-dev libssl-dev libcrypt-dev
  # tests and benchmarks; clang and its runtime for the libFuzzer targets
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev
  # bench/footprint_vs_prometheus.sh: HTTP client and load generator
  curl apache2-utils
  # remote write: the protocol's protobuf messages and snappy framing
  protobuf-compiler libprotobuf-dev libsnappy-dev
  # deploy/: the .deb (cpack, dpkg-shlibdeps) and the unit (systemd-analyze verify)
  dpkg-dev systemd
  # the web UI in a real browser (tests/ui/browser_test.py)
  chromium chromium-driver python3-selenium
  # real peers: promtool checks cog-sim's bodies and runs rule tests side by side;
  # Alertmanager 0.25 and amtool: the reference the notifier is tested against;
  # VictoriaMetrics: a remote-write receiver and rule data source
  prometheus prometheus-alertmanager victoria-metrics
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# Packages with a daemon (prometheus, prometheus-alertmanager, victoria-metrics) must not start it: tests start their
# own peers on 127.0.0.1. policy-rc.d 101 = "do not start services".
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod +x "$policy"
  trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
