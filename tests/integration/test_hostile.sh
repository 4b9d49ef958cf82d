#!/usr/bin/env bash
# test_hostile.sh: scenarios that try to outlive their deadline with a fault
# on (issue 12): a pcall loop, signals during it, the pattern bomb, a
# finalizer, an error object whose __tostring loops, the memory bomb, and C
# code that does not return (a command that blocks past the deadline, and
# past two signals). Each asserts, from the host side, that the host is back
# as it was, and that the runner exited within its deadline plus grace. The
# margins are wide (the machine is shared); each run prints how long it took.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

lab_up 1
on 'lab[0]' 'echo data > /srv/f && chmod 644 /srv/f' || { bad "lab1: /srv/f"; finish; }

# What a run must leave as it found it: the file's mode, no dead-man marker,
# no dead-man timer still waiting.
host_state() {
	on 'lab[0]' 'stat -c "%a %s %n" /srv/f; ls -A /run/gameday 2>/dev/null; pgrep -af "[.]deadman" || true'
}
BEFORE=$(host_state)
same_state() {
	local now; now=$(host_state)
	if [ "$BEFORE" = "$now" ]; then ok "$1"; else bad "$1:"; diff <(echo "$BEFORE") <(echo "$now") | sed 's/^/      | /'; fi
}

scenario() {  # scenario NAME TIMEOUT BODY-OF-RUN: $T/NAME.lua, with the fault on before BODY
	cat >"$T/$1.lua" <<EOF
local f = fault.file_mode { on = "lab[0]", path = "/srv/f", mode = "000", duration = "2m" }
return gameday.scenario {
  id = "$1", title = "hostile: $1", timeout = "$2", faults = { f },
  run = function(ctx)
    ctx:inject(f)
$3
  end,
}
EOF
}

MARGIN_MS=15000  # for a loaded machine: far above what a run needs here
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# run_timed NAME ARGS...: gameday run in the foreground; sets RC and MS
run_timed() {
	local t0; t0=$(ms_now)
	run_cmd $O $E "$GD" run "$T/$1.lua" -i "$INV" --state-dir "$STATE" "${@:2}"
	MS=$(($(ms_now) - t0))
}

# within NAME MS LIMIT_MS: the run ended in time; says how long it took
within() {
	echo "      measured: $1: $(awk -v m="$2" 'BEGIN { printf "%.1f s", m / 1000 }')"
	if [ "$2" -le "$3" ]; then ok "$1: within $(($3 / 1000)) s"; else bad "$1: took $2 ms, more than $3"; fi
}

# started: waits until the run at $RUNPID said its fault is on
started() {
	for _ in $(seq 300); do grep -q "inject: lab1" $E && return 0; sleep 0.1; done
	return 1
}

echo "-- a pcall loop cannot catch its deadline"
scenario pcall 4s '    while true do pcall(function() while true do end end) end'
run_timed pcall
expect_rc "pcall loop" 2
expect_in "said: the deadline, with the loop's line" $E "pcall.lua:6: ran past its deadline of 4.000 s"
within "pcall loop, deadline 4 s" $MS $((4000 + 5000 + MARGIN_MS))
same_state "pcall loop: lab1 as it was"

echo "-- signals during a pcall loop that waits until healthy"
scenario waiting 5m '    while true do pcall(function() ctx:probe(probe.exec { name = "up", on = "lab[0]", cmd = "true" }); ctx:sleep("1s") end) end'
for sigs in "INT" "INT TERM" "TERM"; do
	"$GD" run "$T/waiting.lua" -i "$INV" --state-dir "$STATE" >$O 2>$E &
	RUNPID=$!
	at_exit kill -9 $RUNPID
	started || bad "SIG${sigs// /+SIG}: the fault never went on"
	sleep 1
	t0=$(ms_now)
	for s in $sigs; do kill -$s $RUNPID 2>/dev/null; sleep 0.05; done  # the second while it reverts
	wait $RUNPID
	RC=$?
	MS=$(($(ms_now) - t0))
	expect_rc "SIG${sigs// /+SIG} during the loop" 4
	first=${sigs%% *}
	expect_in "SIG${sigs// /+SIG}: named" $O "aborted by SIG$first"
	within "SIG${sigs// /+SIG}: from the first signal to exit" $MS $((5000 + MARGIN_MS))
	same_state "SIG${sigs// /+SIG}: lab1 as it was"
done

echo "-- the pattern bomb"
scenario bomb 30s '    string.find(("a"):rep(40), ("a*"):rep(40) .. "b")'
run_timed bomb
expect_rc "pattern bomb" 2
expect_in "said" $E "string.find: the pattern backtracks too much"
within "pattern bomb" $MS $((5000 + MARGIN_MS))
same_state "pattern bomb: lab1 as it was"
scenario bombloop 4s '    while true do pcall(string.find, ("a"):rep(40), ("a*"):rep(40) .. "b") end'
run_timed bombloop
expect_rc "pattern bomb in a pcall loop" 2
expect_in "said: the deadline" $E "ran past its deadline of 4.000 s"
within "pattern bomb in a pcall loop, deadline 4 s" $MS $((4000 + 5000 + MARGIN_MS))
same_state "pattern bomb in a pcall loop: lab1 as it was"

echo "-- a finalizer that loops"
scenario gc 30s '    setmetatable({}, { __gc = function() while true do end end })
    return true'
run_timed gc
expect_rc "__gc finalizer" 2
expect_in "said" $E "gc.lua:6: setmetatable: a __gc finalizer is not allowed in a scenario"
within "__gc finalizer" $MS $((5000 + MARGIN_MS))
same_state "__gc finalizer: lab1 as it was"

echo "-- an error object whose __tostring loops, read after the run (1 s of its own)"
scenario tostr 30s '    error(setmetatable({}, { __tostring = function() while true do end end }))'
run_timed tostr
expect_rc "error object" 2
expect_in "said, the object read within a window of its own" $E "whose __tostring failed: "
expect_in "the run's report says so" $O "verdict: ERROR"
expect_in "with the line of its loop" $O "tostr.lua:6: ran past its deadline of 1.000 s"
within "error object" $MS $((5000 + MARGIN_MS))
same_state "error object: lab1 as it was"

echo "-- the memory bomb"
scenario mem 60s '    local t, i = {}, 0
    while true do i = i + 1; t[i] = ("x"):rep(100) .. i end'
run_timed mem --lua-memory 64M
expect_rc "memory bomb, --lua-memory 64M" 2
expect_in "said" $E "used more than its memory limit of 64 MiB (--lua-memory)"
within "memory bomb" $MS $((10000 + MARGIN_MS))
same_state "memory bomb: lab1 as it was"
scenario memloop 60s '    local t = {}
    while true do pcall(function() local i = #t; while true do i = i + 1; t[i] = ("x"):rep(100) .. i end end) end'
run_timed memloop --lua-memory 64M
expect_rc "memory bomb in a pcall loop" 2
expect_in "said" $E "memory limit of 64 MiB"
same_state "memory bomb in a pcall loop: lab1 as it was"

echo "-- C code that does not return: the watchdog reverts from the journal"
scenario blocked 3s '    ctx:exec("lab[0]", "sleep 50")'
run_timed blocked
expect_rc "blocked past its deadline" 2
expect_in "the watchdog said" $E "still running"
expect_in "and reverted from the journal" $E "reverting from the journal without Lua"
within "blocked, deadline 3 s" $MS $((3000 + 5000 + MARGIN_MS))
same_state "blocked: lab1 as it was"
scenario deaf 5m '    ctx:exec("lab[0]", "sleep 50")'
"$GD" run "$T/deaf.lua" -i "$INV" --state-dir "$STATE" >$O 2>$E &
RUNPID=$!
at_exit kill -9 $RUNPID
started || bad "deaf: the fault never went on"
sleep 1
kill -INT $RUNPID
sleep 1
t0=$(ms_now)
kill -TERM $RUNPID
wait $RUNPID
RC=$?
MS=$(($(ms_now) - t0))
expect_rc "blocked through two signals" 4
expect_in "the watchdog said" $E "did not stop within 3.000 s of a second signal"
within "blocked: from the second signal to exit" $MS $((3000 + 5000 + MARGIN_MS))
same_state "blocked through two signals: lab1 as it was"
run_cmd $O $E "$GD" recover --state-dir "$STATE"
expect_rc "recover afterwards: nothing left open" 0
expect_not_in "recover reverted nothing" $E "reverting newest first"

echo "-- gameday check: the same limits"
printf 'while true do pcall(function() while true do end end) end\n' >"$T/checkloop.lua"
t0=$(ms_now)
run_cmd $O $E "$GD" check "$T/checkloop.lua"
MS=$(($(ms_now) - t0))
expect_rc "check of a pcall loop" 2
expect_in "said" $E "checkloop.lua:1: ran past its deadline of 5.000 s"
within "check of a pcall loop, deadline 5 s" $MS $((5000 + 5000 + MARGIN_MS))
printf 'local t = {}\nwhile true do t[#t + 1] = ("x"):rep(100) end\n' >"$T/checkmem.lua"
run_cmd $O $E "$GD" check --lua-memory 32M "$T/checkmem.lua"
expect_rc "check of a memory bomb" 2
expect_in "said" $E "checkmem.lua used more than its memory limit of 32 MiB"
finish
