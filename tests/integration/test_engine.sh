#!/usr/bin/env bash
# test_engine.sh: gameday run against a lab: hostile scenarios refused before
# touching a host, dry runs that change nothing, a broken steady state that
# stops injection, failing reverts reported, halt probes, signals and the
# host's own dead-man timer.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

lab_up 2
RUNPID=
# stop_run: a run this test started in the background and did not see end
stop_run() { [ -z "$RUNPID" ] || kill -9 "$RUNPID"; }
at_exit stop_run

# host_state: what a run must leave as it found it on lab1 and lab2
host_state() {
	on lab 'ls -la --time-style=+ /srv; ls /run/gameday 2>/dev/null; tc qdisc show dev eth0; nft list ruleset; ps -eo comm,args | grep -Ev "^(ps|sort|grep) |time-style"' |
		sort
}
journals() { ls "$STATE/runs" 2>/dev/null | wc -l; }
# same_state NAME BEFORE: the hosts are as BEFORE; prints the difference if not
same_state() {
	local now; now=$(host_state)
	if [ "$2" = "$now" ]; then ok "$1"; else bad "$1:"; diff <(echo "$2") <(echo "$now") | sed 's/^/      | /' | head -20; fi
}

scenario() {  # scenario NAME BODY: writes $T/NAME.lua
	printf '%s\n' "$2" >"$T/$1.lua"
}

echo "-- hostile scenarios: exit 2, a clear message, no host touched"
before=$(host_state)
scenario syntax 'return gameday.scenario {
  id = "x", title = "x",
  faults = { fault.disk_fill { on = "lab", path = "/srv", size = "1M" }'
scenario runtime 'local t = nil
local y = t.field
return gameday.scenario { id = "x", title = "x", faults = {} }'
scenario osexec 'os.execute("touch /srv/pwned")
return gameday.scenario { id = "x", title = "x" }'
scenario ioopen 'local f = io.open("/etc/passwd")
return gameday.scenario { id = "x", title = "x" }'
scenario requireos 'local os = require("os")
return gameday.scenario { id = "x", title = "x" }'
scenario loop 'while true do end'
scenario global 'return gameday.scenario { id = undefined_name, title = "x" }'
scenario nohost 'return gameday.scenario {
  id = "x", title = "x", targets = { db = "db[0]" },
  faults = { fault.disk_fill { on = "db", path = "/srv", size = "1M" } },
}'
scenario badfield 'return gameday.scenario {
  id = "x", title = "x", expect = "survive",
  faults = { fault.disk_fill { on = "lab", path = "/srv", size = "1M" } },
}'
scenario badparam 'return gameday.scenario {
  id = "x", title = "x",
  faults = { fault.disk_fill { on = "lab", path = "/srv", size = "1M", percent = 50 } },
}'
scenario runloop 'return gameday.scenario {
  id = "x", title = "x", timeout = "2s",
  run = function(ctx) while true do end end,
}'
declare -A WANT=(
	[syntax]="syntax.lua:4:"
	[runtime]="runtime.lua:2: attempt to index a nil value"
	[osexec]="osexec.lua:1: nonexistent global 'os'"
	[ioopen]="ioopen.lua:1: nonexistent global 'io'"
	[requireos]="requireos.lua:1: nonexistent global 'require'"
	[loop]="ran past its deadline"
	[global]="global.lua:1: nonexistent global 'undefined_name'"
	[nohost]="'db' matches no host in the inventory"
	[badfield]="badfield.lua: scenario: 'expect' must be recover, degrade or hold"
	[badparam]="badparam.lua:3: fault.disk_fill: give exactly one of 'percent' or 'size'"
	[runloop]="ran past its deadline"
)
for s in syntax runtime osexec ioopen requireos loop global nohost badfield badparam; do
	run_cmd $O $E timeout 60 "$GD" run "$T/$s.lua" -i "$INV" --state-dir "$STATE"
	expect_rc "hostile scenario '$s'" 2
	expect_in "'$s' says what is wrong and where" $E "${WANT[$s]}"
done
expect_in "a Lua error comes with a traceback" $E "stack traceback"
same_state "no host was touched by hostile scenarios" "$before"
check "no journal is left by scenarios refused before any record" test "$(journals)" -eq 0
run_cmd $O $E timeout 60 "$GD" run "$T/runloop.lua" -i "$INV" --state-dir "$STATE"
expect_rc "an endless loop in run()" 2
expect_in "the loop is stopped and said" $E "${WANT[runloop]}"
rm -rf "$STATE"
run_cmd $O $E "$GD" check "$T/osexec.lua" scenarios/disk-full.lua
expect_rc "check finds the hostile file" 2
expect_in "check names it" $E "osexec.lua:1: nonexistent global 'os'"
expect_in "check passes the good one" $O "scenarios/disk-full.lua: ok"

echo "-- dry run"
scenario fill 'return gameday.scenario {
  id = "fill", title = "fill /srv", targets = { data = "lab[0]" },
  steady_state = { probe.exec { name = "room on /srv", on = "data", cmd = "df -P /srv | awk '"'"'NR==2 { sub(\"%\", \"\", $5); print $5 }'"'"'", max = 80 } },
  faults = { fault.disk_fill { on = "data", path = "/srv", percent = 90, duration = "30s" } },
  observe = { duration = "2s", every = "1s" },
  expect = "degrade",
}'
before=$(host_state)
run_cmd $O $E "$GD" run "$T/fill.lua" -i "$INV" --state-dir "$STATE" --dry-run
expect_rc "dry run" 0
expect_in "dry run prints the inject command" $O "inject: fallocate -l"
expect_in "dry run prints the revert command" $O "revert: rm -f '/srv/.gameday-fill-"
expect_in "dry run prints the dead-man timer" $O "arm:"
same_state "dry run changed nothing on any host" "$before"
check "dry run keeps no journal" test "$(journals)" -eq 0

echo "-- a real run, then the same host state as before"
run_cmd $O $E "$GD" run "$T/fill.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "fill /srv: degrade, then back" 0
check "json verdict pass, fault active then reverted" python3 -c '
import json,sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "pass", r["verdict"]
f = r["faults"][0]
assert f["active"] is True and f["reverted"] is True, f
assert r["hypothesis"]["before"] and not r["hypothesis"]["after"] and r["hypothesis"]["again"]
kinds = [e["phase"] for e in r["timeline"]]
assert kinds.index("before") < kinds.index("inject") < kinds.index("observe") < kinds.index("revert") < kinds.index("again")
' $O
same_state "host as it was" "$before"
J=$(grep -l '"scenario":"fill"' "$STATE"/runs/*.jsonl | head -1)
check "journal: run, lease, intent, injected, reverted, lease freed, end" python3 -c '
import json,sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["type"] for r in recs] == ["run", "intent", "intent", "injected", "reverted", "reverted", "end"], [r["type"] for r in recs]
assert recs[1]["fault"] == "lease" and recs[1]["seq"] < 0 and recs[5]["seq"] == recs[1]["seq"] and recs[5]["verified"]
assert recs[2]["revert"].startswith("rm -f") and recs[2]["host"]["name"] == "lab1" and "lease" in recs[2]["guard"]
assert recs[4]["ok"] and recs[4]["verified"] and "error" not in recs[4]
' "$J"

echo "-- steady state broken before: nothing injected"
scenario broken 'return gameday.scenario {
  id = "broken", title = "x",
  steady_state = { probe.exec { name = "service up", on = "lab[0]", cmd = "exit 1" } },
  faults = { fault.disk_fill { on = "lab[0]", path = "/srv", size = "1M" } },
}'
run_cmd $O $E "$GD" run "$T/broken.lua" -i "$INV" --state-dir "$STATE"
expect_rc "steady state fails before injection" 1
expect_in "refusal said" $O "steady state does not hold before injection, so nothing was injected"
check "no fault intent in its journal" bash -c "! grep -l '\"broken\"' $STATE/runs/*.jsonl | xargs grep '\"intent\"' | grep -vq '\"fault\":\"lease\"'"
# the one policy for outputs: one that cannot be written exits 3, whatever the run's own code
run_cmd $O $E "$GD" run "$T/broken.lua" -i "$INV" --state-dir "$STATE" --junit "$T/no/such/dir/r.xml"
expect_rc "a failed run whose JUnit file cannot be written" 3
expect_in "it says which file" $E "$T/no/such/dir/r.xml"

echo "-- a failing revert is reported, not hidden"
on 'lab[0]' 'echo data > /srv/keep' >/dev/null
scenario failrevert 'local moved = fault.file_move { on = "lab[0]", path = "/srv/keep" }
return gameday.scenario {
  id = "failrevert", title = "x", faults = { moved },
  run = function(ctx)
    ctx:inject(moved)
    ctx:exec("lab[0]", "echo impostor > /srv/keep")  -- someone recreates the file meanwhile
    return true
  end,
}'
run_cmd $O $E "$GD" run "$T/failrevert.lua" -i "$INV" --state-dir "$STATE"
expect_rc "revert refused to clobber a new file" 1
expect_in "revert failure in the report" $O "revert failed"
expect_in "a finding for it" $O "finding: revert-failed"
expect_in "the reason, from the host" $E "exists again, the original is kept at"
check "the dead-man timer stays armed after a failed revert" on 'lab[0]' 'ls /run/gameday/*.deadman >/dev/null'
on 'lab[0]' 'rm -f /srv/keep' >/dev/null  # the operator removes the impostor
run_cmd $O $E "$GD" recover --state-dir "$STATE"
expect_rc "recover then reverts it" 0
check "the original is back" on 'lab[0]' 'grep -qx data /srv/keep'
on 'lab[0]' 'rm -f /srv/keep' >/dev/null

echo "-- a fault that does not take effect, an unlisted fault, an inject that fails"
on 'lab[0]' 'nohup setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $! > /srv/victim.pid' >/dev/null
scenario noeffect 'return gameday.scenario {
  id = "noeffect", title = "x",
  faults = { fault.process_kill { on = "lab[0]", pidfile = "/srv/victim.pid", signal = "CONT" } },
  observe = { duration = "1s", every = "1s" }, expect = "degrade",
}'
run_cmd $O $E "$GD" run "$T/noeffect.lua" -i "$INV" --state-dir "$STATE"
expect_rc "a fault whose check never saw it active fails the run" 1
expect_in "said" $O "a fault did not take effect"
expect_in "a finding for it" $O "finding: not-active"
scenario unlisted 'return gameday.scenario {
  id = "unlisted", title = "x", faults = { fault.file_move { on = "lab[0]", path = "/srv/victim.pid" } },
  run = function(ctx) ctx:inject(fault.disk_fill { on = "lab[0]", path = "/srv", size = "1M" }) return true end,
}'
run_cmd $O $E "$GD" run "$T/unlisted.lua" -i "$INV" --state-dir "$STATE"
expect_rc "ctx:inject of a fault not in the faults list" 2
expect_in "said, with the line" $E "unlisted.lua:3: ctx:inject: this fault is not in the scenario's faults list"
scenario injectfail 'local stop = fault.process_stop { on = "lab[0]", pidfile = "/srv/victim.pid" }
return gameday.scenario {
  id = "injectfail", title = "x", faults = { stop },
  run = function(ctx)
    ctx:exec("lab[0]", "kill $(cat /srv/victim.pid)")  -- the process dies between preflight and inject
    ctx:inject(stop)
    return true
  end,
}'
run_cmd $O $E "$GD" run "$T/injectfail.lua" -i "$INV" --state-dir "$STATE"
expect_rc "an inject that fails on the host" 3
expect_in "the failed inject named" $E "lab1: stop (SIGSTOP) pidfile /srv/victim.pid failed"
on 'lab[0]' 'rm -f /srv/victim.pid' >/dev/null
before=$(host_state)

echo "-- halt probes and signals revert, then exit 4"
scenario halt 'return gameday.scenario {
  id = "halt", title = "x",
  steady_state = { probe.exec { name = "room on /srv", on = "lab[0]", cmd = "test ! -e /srv/.gameday-fill-*", halt = true } },
  faults = { fault.disk_fill { on = "lab[0]", path = "/srv", size = "1M", duration = "60s" } },
  observe = { duration = "30s", every = "1s" },
}'
run_cmd $O $E timeout 60 "$GD" run "$T/halt.lua" -i "$INV" --state-dir "$STATE"
expect_rc "halt probe" 4
expect_in "halt said" $O "halted: probe 'room on /srv' failed"
same_state "halted run reverted" "$before"

scenario long 'return gameday.scenario {
  id = "long", title = "x",
  steady_state = { probe.exec { name = "up", on = "lab[0]", cmd = "true" } },
  faults = { fault.disk_fill { on = "lab", path = "/srv", size = "2M", duration = "120s" } },
  observe = { duration = "60s", every = "1s" },
}'
for sig in INT TERM; do
	"$GD" run "$T/long.lua" -i "$INV" --state-dir "$STATE" >$O 2>$E &
	RUNPID=$!
	for _ in $(seq 100); do grep -q "observe:" $E && break; sleep 0.1; done
	sleep 1
	kill -$sig $RUNPID
	wait $RUNPID
	RC=$?; RUNPID=
	expect_rc "SIG$sig during observe" 4
	expect_in "SIG$sig named" $O "aborted by SIG$sig"
	same_state "SIG$sig: every host reverted" "$before"
done

echo "-- the host undoes the fault by itself when the runner dies"
scenario deadman 'return gameday.scenario {
  id = "deadman", title = "x",
  steady_state = { probe.exec { name = "up", on = "lab[0]", cmd = "true" } },
  faults = { fault.disk_fill { on = "lab", path = "/srv", size = "2M", duration = "3s" } },
  observe = { duration = "60s", every = "1s" },
}'
# records: run, lease, lease, intent, intent, injected, injected: kill -9 after the seventh
(GAMEDAY_KILL_AFTER=7 "$GD" run "$T/deadman.lua" -i "$INV" --state-dir "$STATE" >$O 2>$E; exit $?) 2>/dev/null
RC=$?
expect_rc "runner killed with SIGKILL after injecting" 137
check "both hosts filled while the runner is dead" on lab 'ls /srv/.gameday-fill-* >/dev/null'
sleep 5
same_state "no recover run: both hosts reverted by their dead-man timers" "$before"
run_cmd $O $E "$GD" recover --state-dir "$STATE"
expect_rc "recover afterwards is harmless" 0

finish
