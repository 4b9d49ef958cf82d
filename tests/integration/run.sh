#!/usr/bin/env bash
# run.sh: every integration test, against real sshd hosts of a lab (needs root).
set -u
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then
	echo "integration tests need root (they build a lab of namespaces): sudo make test" >&2
	exit 2
fi
passed=0 failed=0 broken=0
for t in tests/integration/test_*.sh; do
	echo "== $t"
	log=$(mktemp)
	bash "$t" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "  FAIL $t ended without a summary (exit $rc)"
		broken=$((broken + 1))
		continue
	fi
	passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
	failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
	[ "$rc" -ne 0 ] && [ "$(echo "$line" | cut -d' ' -f3)" -eq 0 ] && broken=$((broken + 1))
done
failed=$((failed + broken))
echo
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
