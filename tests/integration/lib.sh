# lib.sh: assertions for the integration tests. Source it; call `finish` last.
# Every check prints one line; finish prints "N passed, M failed".
PASSED=0
FAILED=0

ok()   { PASSED=$((PASSED + 1)); echo "  ok   $*"; }
bad()  { FAILED=$((FAILED + 1)); echo "  FAIL $*"; }

# check NAME CMD...: passes when CMD exits 0.
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}

# run_gd OUT ERR CMD...: runs CMD, stdout to $OUT, stderr to $ERR; sets RC.
run_cmd() {
	local out=$1 err=$2; shift 2
	"$@" >"$out" 2>"$err"
	RC=$?
}

# expect_rc NAME WANT: checks the last run_cmd's exit status.
expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1 (exit $RC)"; else bad "$1: exit $RC, want $2"; fi
}

# expect_in NAME FILE TEXT: FILE contains TEXT (fixed string).
expect_in() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1: '$3' not in $2:"; sed 's/^/      | /' "$2" | head -20; fi
}

expect_not_in() {
	if grep -qF -- "$3" "$2"; then bad "$1: '$3' found in $2"; sed 's/^/      | /' "$2" | head -20; else ok "$1"; fi
}

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}
