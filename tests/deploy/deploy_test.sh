#!/usr/bin/env bash
# The deployment files, checked as far as this machine can: the systemd
# unit with systemd-analyze (verify, and its offline security score), and
# the .deb built with CPack — its files, dependencies and maintainer
# scripts, and the packaged config with its rules as `cogwatch check
# config` judges them when unpacked.
#   deploy_test.sh <source dir> <build dir> <cogwatch binary>
set -euo pipefail
src=$1 build=$2 binary=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The unit, pointing at the binary just built (verify wants it to exist).
sed "s|/usr/bin/cogwatch|$binary|" "$src/deploy/cogwatch.service" > "$tmp/cogwatch.service"
out=$(systemd-analyze verify "$tmp/cogwatch.service" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
# Exposure 2.0 or below ("OK" in systemd's words; an unhardened unit is 9.6).
systemd-analyze security --offline=true --threshold=20 "$tmp/cogwatch.service" > "$tmp/security.txt" 2>&1 ||
  fail "systemd-analyze security: $(tail -1 "$tmp/security.txt")"
echo "unit: $(tail -1 "$tmp/security.txt")"

# The package.
cpack --config "$build/CPackConfig.cmake" -B "$tmp/pkg" > "$tmp/cpack.log" 2>&1 || fail "cpack: $(cat "$tmp/cpack.log")"
deb=$(ls "$tmp"/pkg/cogwatch_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no .deb in $tmp/pkg: $(cat "$tmp/cpack.log")"
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/cogwatch ./lib/systemd/system/cogwatch.service ./etc/cogwatch/cogwatch.yml \
         ./etc/cogwatch/rules/cog_alerts.yml ./etc/cogwatch/rules/cog_recording.yml ./usr/share/doc/cogwatch/README.md \
         ./usr/share/doc/cogwatch/examples/grafana/cog-dashboard.json; do
  grep -qx -- "$f" <<<"$files" || fail "$f not in the package"
done
depends=$(dpkg-deb -f "$deb" Depends)
for lib in adduser libc6 libyaml-cpp libprotobuf libsnappy; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
grep -qx /etc/cogwatch/cogwatch.yml <<<"$conffiles" || fail "the config is not a conffile"
dpkg-deb -e "$deb" "$tmp/control"
for script in postinst prerm postrm; do
  [ -x "$tmp/control/$script" ] || fail "$script missing or not executable"
  sh -n "$tmp/control/$script" || fail "$script does not parse"
done
dpkg-deb -x "$deb" "$tmp/root"
"$tmp/root/usr/bin/cogwatch" --version > /dev/null || fail "the packaged binary does not run"
check=$(cd "$tmp/root/etc/cogwatch" && "$tmp/root/usr/bin/cogwatch" check config cogwatch.yml 2>&1) ||
  fail "check config of the packaged config: $check"
grep -q "SUCCESS: 2 rule files found" <<<"$check" || fail "rule files: $check"
grep -q "SUCCESS: 3 rules found" <<<"$check" || fail "the guide's alerts: $check"
grep -q "SUCCESS: 1 rules found" <<<"$check" || fail "the recording rule: $check"
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"

# The container files cannot be built here (no Docker engine): what they
# name exists, and the config docker-compose.yml mounts is valid.
for f in deploy/Dockerfile deploy/docker-compose.yml deploy/compose/cogwatch.yml \
         deploy/grafana/provisioning/datasources/cogwatch.yml deploy/grafana/provisioning/dashboards/cog.yml \
         examples/grafana/cog-dashboard.json .dockerignore; do
  [ -f "$src/$f" ] || fail "$f missing"
done
{ grep -q "^HEALTHCHECK" "$src/deploy/Dockerfile" && grep -q "CMD curl -fsS http://127.0.0.1:9095/-/healthy" "$src/deploy/Dockerfile"; } || fail "Dockerfile has no health check on /-/healthy"
grep -q "^USER cogwatch" "$src/deploy/Dockerfile" || fail "Dockerfile does not run as the cogwatch user"
"$binary" check config "$src/deploy/compose/cogwatch.yml" > "$tmp/compose-check.txt" 2>&1 ||
  fail "deploy/compose/cogwatch.yml: $(cat "$tmp/compose-check.txt")"
echo OK
