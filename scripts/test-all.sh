#!/usr/bin/env bash
# `npm test`: build, lint, unit tests, then the integration tests inside a real
# VS Code and the browser tests of the packaged extension. Each runner prints
# `N passed, N failed`; this sums them into the one closing line CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."
log="$(mktemp)"
status=0
run() { "$@" 2>&1 | tee -a "$log"; local rc=${PIPESTATUS[0]}; [ "$rc" -eq 0 ] || status=1; return "$rc"; }
run npm run build --silent && run npm run lint --silent || { echo "0 passed, 1 failed"; exit 1; }
run npx mocha
run npm run test:integration --silent
run npm run test:webview --silent
passed=0; failed=0
while read -r p f; do passed=$((passed + p)); failed=$((failed + f)); done < <(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*$/\1 \2/p' "$log")
rm -f "$log"
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "$passed passed, $failed failed"
exit "$status"
