#!/bin/sh
# same_as_promtool.sh COGWATCH PROMTOOL TEST_FILE [TOO_OLD]: runs `test
# rules` on the file with both tools (from its directory) and fails unless
# they print the same (stdout and stderr, merged) and exit with the same
# code. The lines cogwatch adds (group verdicts, counts, "why:"
# explanations) are dropped first — and must be there. TOO_OLD, an extended
# regex, tells a promtool that predates what the file uses by what it says
# (Debian's 2.42 and native histograms): the comparison is then skipped
# (exit 77, ctest's SKIP_RETURN_CODE) with promtool's words, so that it runs
# by itself once promtool is new enough.
set -u
cogwatch=$1 promtool=$2 file=$3 too_old=${4:-}
cd "$(dirname "$file")" || exit 1
name=$(basename "$file")
if [ -n "$too_old" ] && "$promtool" test rules "$name" 2>&1 | grep -Eq -- "$too_old"; then
  echo "skipped: $("$promtool" --version 2>&1 | head -1) predates this file:"
  "$promtool" test rules "$name" 2>&1 | grep -E -- "$too_old"
  exit 77
fi
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
