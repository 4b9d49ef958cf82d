#!/usr/bin/env bash
# run.sh: every integration test, against real sshd hosts of a lab (needs root).
# Each test ends with lib.sh's summary, "N passed, M failed, K skipped"; a test
# that ends without one, or fails with no failed check, counts as a failure.
# The skips are listed, with their reasons, before the final line.
set -u
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then
	echo "integration tests need root (they build a lab of namespaces): sudo make test" >&2
	exit 2
fi
log=$(mktemp) skips=$(mktemp)
trap 'rm -f "$log" "$skips"' EXIT
passed=0 failed=0 skipped=0 broken=0
for t in tests/integration/test_*.sh; do
	echo "== $t"
	bash "$t" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	sed -n "s|^  skip |  $(basename "$t"): |p" "$log" >>"$skips"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "  FAIL $t ended without a summary (exit $rc)"
		broken=$((broken + 1))
		continue
	fi
	read -r p _ f _ s _ <<<"${line//,/}"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && broken=$((broken + 1))
done
failed=$((failed + broken))
echo
if [ -s "$skips" ]; then echo "skipped:"; cat "$skips"; fi
echo "integration: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
