#!/bin/sh
# same_as_promtool.sh COGWATCH PROMTOOL TEST_FILE: runs `test rules` on the
# file with both tools (from its directory) and fails unless they print the
# same (stdout and stderr, merged) and exit with the same code. The lines
# cogwatch adds (group verdicts, counts, "why:" explanations) are dropped
# first — and must be there.
set -u
cogwatch=$1 promtool=$2 file=$3
cd "$(dirname "$file")" || exit 1
name=$(basename "$file")
"$cogwatch" test rules "$name" > /tmp/cogwatch_same_as_promtool.$$.full 2>&1
c=$?
grep -q '^Total: ' /tmp/cogwatch_same_as_promtool.$$.full || { echo "cogwatch printed no Total line"; exit 1; }
grep -Ev '^  (PASS|FAIL)  |^  [0-9]+ passed, [0-9]+ failed$|^Total: |^        why: ' \
  /tmp/cogwatch_same_as_promtool.$$.full > /tmp/cogwatch_same_as_promtool.$$.c
"$promtool" test rules "$name" > /tmp/cogwatch_same_as_promtool.$$.p 2>&1
p=$?
status=0
if ! diff -u /tmp/cogwatch_same_as_promtool.$$.p /tmp/cogwatch_same_as_promtool.$$.c; then status=1; fi
if [ "$c" -ne "$p" ]; then echo "exit codes differ: cogwatch $c, promtool $p"; status=1; fi
rm -f /tmp/cogwatch_same_as_promtool.$$.*
exit $status
