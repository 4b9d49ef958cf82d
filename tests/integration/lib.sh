# lib.sh: the fixture and the assertions of the integration tests.
#
# A new test starts as a copy of this (tests/integration/test_NAME.sh; run.sh
# picks up every test_*.sh):
#
#   #!/usr/bin/env bash
#   # test_NAME.sh: what this test proves, in a sentence or two.
#   set -u
#   cd "$(dirname "$0")/../.."
#   . tests/integration/lib.sh
#
#   lab_up 2                            # a lab of 2 hosts; leave out if none is needed
#   on 'lab[0]' 'echo data > /srv/f'    # a command on lab1 (its /srv is private)
#   run_cmd $O $E "$GD" run scenarios/disk-full.lua -i "$INV" --state-dir "$STATE"
#   expect_rc "disk-full passes" 0
#   check "lab1 kept its file" on 'lab[0]' 'test -s /srv/f'
#   finish
#
# Sourcing it, from the repo root, sets:
#   GD     the gameday binary, absolute ($GAMEDAY, or the older $GAMEDAY_BIN,
#          may name another build, an asan one say; default ./gameday)
#   T      this test's own temp dir, removed when the test ends
#   O, E   $T/out and $T/err, for run_cmd
#   STATE  $T/state, a --state-dir for gameday run, drill and recover
# and installs the cleanup: when the test ends, whether it finished, failed,
# hit an unset variable or was interrupted (INT, TERM: exit 130), what was
# registered with at_exit runs, newest first, then $T is removed.
#
# The fixture:
#   at_exit CMD [ARG...]  runs CMD ARG... at the end (its words as given now;
#                         register a function to read variables at the end)
#   lab_up N [--services] [LAB FLAGS...]
#                         `gameday lab up --hosts N` in $T/lab; sets LAB (the
#                         dir) and INV (its inventory); registers its `lab down`.
#                         With --services, waits until every host's web service
#                         answers on :8080. If the lab does not come up, that is
#                         a failure: said with up's output, and the test ends.
#   lab_field HOST FIELD  a field of a lab host from lab.json (addr, sshd_pid, ...)
#   on HOST CMD           runs shell text CMD on the lab host(s) HOST through
#                         `gameday exec -q`: prints their output without the
#                         "=== host" headers (stderr after a "--- host stderr"
#                         line); its status is CMD's (the first non-zero one of
#                         several hosts), 255 when CMD did not run to an exit
#                         (unreachable, timed out, killed by a signal)
#
# The assertions: each prints one line ("  ok   NAME", "  FAIL NAME...",
# "  skip REASON") and is counted.
#   check NAME CMD...             passes when CMD exits 0; returns CMD's status
#   ok NAME / bad NAME            a pass or a failure the test decided itself
#   run_cmd OUT ERR CMD...        runs CMD, stdout to OUT, stderr to ERR; sets RC
#   expect_rc NAME WANT           the last run_cmd's (or RC's) status is WANT
#   expect_in NAME FILE TEXT      FILE holds TEXT (a fixed string)
#   expect_not_in NAME FILE TEXT  FILE does not
#   skip REASON                   what cannot be checked here, and why ("promtool
#                                 check of the metrics: promtool is not
#                                 installed"): counted apart, neither a pass nor
#                                 a failure, and listed by run.sh at the end
#   finish                        prints "N passed, M failed, K skipped" (the
#                                 line run.sh reads; a test that ends without it
#                                 failed) and ends the test: exit 0 when nothing
#                                 failed. To skip a whole test: skip ...; finish
PASSED=0
FAILED=0
SKIPPED=0

ok()   { PASSED=$((PASSED + 1)); echo "  ok   $*"; }
bad()  { FAILED=$((FAILED + 1)); echo "  FAIL $*"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "  skip $*"; }

check() {
	local name=$1 rc; shift
	"$@"
	rc=$?
	if [ "$rc" -eq 0 ]; then ok "$name"; else bad "$name"; fi
	return "$rc"
}

run_cmd() {
	local out=$1 err=$2; shift 2
	"$@" >"$out" 2>"$err"
	RC=$?
}

expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1 (exit $RC)"; else bad "$1: exit $RC, want $2"; fi
}

expect_in() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1: '$3' not in $2:"; sed 's/^/      | /' "$2" | head -20; fi
}

expect_not_in() {
	if grep -qF -- "$3" "$2"; then bad "$1: '$3' found in $2"; sed 's/^/      | /' "$2" | head -20; else ok "$1"; fi
}

finish() {
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" -eq 0 ]
	exit
}

# --- the cleanup ---

_GD_AT_EXIT=()
at_exit() { _GD_AT_EXIT+=("$(printf '%q ' "$@")"); }

_gd_cleanup() {
	local i
	trap '' INT TERM  # a second Ctrl-C must not leave a lab behind
	for ((i = ${#_GD_AT_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${_GD_AT_EXIT[i]}" >/dev/null 2>&1
	done
	rm -rf "$T"
}

GD=${GAMEDAY:-${GAMEDAY_BIN:-$PWD/gameday}}
case $GD in /*) ;; *) GD=$PWD/$GD ;; esac
_GD_NAME=$(basename "$0" .sh)
T=$(mktemp -d "/tmp/gd-${_GD_NAME#test_}-XXXXXX") || { echo "lib.sh: mktemp failed" >&2; exit 2; }
O=$T/out E=$T/err STATE=$T/state
trap _gd_cleanup EXIT
trap 'exit 130' INT TERM

# --- the lab ---

lab_up() {
	local n=$1 services=0 a i
	shift
	for a in "$@"; do [ "$a" = --services ] && services=1; done
	LAB=$T/lab
	INV=$LAB/inventory.yaml
	at_exit "$GD" lab down --dir "$LAB"   # also after an up that was killed halfway
	if ! "$GD" lab up --hosts "$n" "$@" --dir "$LAB" >"$T/up.out" 2>&1; then
		bad "lab up --hosts $n $*"; sed 's/^/      | /' "$T/up.out"
		finish
	fi
	[ "$services" -eq 1 ] || return 0
	for ((i = 1; i <= n; i++)); do
		a=$(lab_field "lab$i" addr)
		for _ in $(seq 100); do timeout 1 bash -c "</dev/tcp/$a/8080" 2>/dev/null && continue 2; sleep 0.1; done
		bad "lab up --services: lab$i's web service does not answer on $a:8080"
		finish
	done
}

lab_field() {
	python3 -c 'import json, sys
for h in json.load(open(sys.argv[1]))["hosts"]:
    if h["name"] == sys.argv[2]: print(h[sys.argv[3]])' "$LAB/lab.json" "$1" "$2"
}

on() {
	local f rc
	f=$(mktemp "$T/on.XXXXXX")
	"$GD" exec -q -i "$INV" "$1" -- "$2" >"$f" 2>&1
	rc=$?
	grep -v '^===' "$f"
	# "=== lab1: exit 7 (12 ms)"; "=== lab1: unreachable: ..." and the like
	rc=$(awk -v rc="$rc" '
		/^=== [^ ]+: exit [0-9]+ \(/ { if (!st && $4 != 0) st = $4; seen = 1; next }
		/^=== [^ ]+: / { if (!st) st = 255; seen = 1 }
		END { print seen ? st + 0 : rc }' "$f")
	rm -f "$f"
	return "$rc"
}
