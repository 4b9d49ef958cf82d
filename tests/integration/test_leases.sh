#!/usr/bin/env bash
# test_leases.sh: one run per host, from the hosts' side: a second run on a
# host another run holds is refused naming it (or waits with --wait), recover
# leaves a host another run holds alone, a dead-man expiry frees the lease, a
# host changed under a run is said to be; two faults on one host go in rounds;
# a quiz killed with -9 in the middle of a practical is cleaned up by recover.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

lab_up 2
mode() { on 'lab[0]' 'stat -c %a /srv/f' | awk '{ printf "%03d", $1 }'; }
on 'lab[0]' 'echo data > /srv/f; chmod 644 /srv/f'

# file_mode on lab1's /srv/f for WINDOW, expect degrade
scenario() {  # scenario NAME MODE WINDOW
	cat >"$T/$1.lua" <<EOF
return gameday.scenario {
  id = "$1", title = "mode $2 on /srv/f",
  steady_state = { probe.exec { name = "up", on = "lab", cmd = "true" } },
  faults = { fault.file_mode { on = "lab[0]", path = "/srv/f", mode = "$2" } },
  observe = { duration = "$3", every = "1s" },
  expect = "degrade", recovery = "2s",
}
EOF
}
scenario holder 000 6s
scenario second 600 1s
# waits (up to 20 s) until lab1 holds a lease and the fault is on: the first run is in
leased() {
	for _ in $(seq 100); do
		on 'lab[0]' 'test -s /run/gameday/lease' && [ "$(mode)" = 000 ] && return 0
		sleep 0.2
	done
	return 1
}

echo "-- a second run on a host another run holds is refused"
"$GD" run "$T/holder.lua" -i "$INV" --state-dir "$STATE" -q >"$T/a.out" 2>"$T/a.err" &
apid=$!
check "the first run took lab1's lease" leased
AID=$(on 'lab[0]' 'cat /run/gameday/lease' | sed -n 's/^run=\([^ ]*\).*/\1/p')
run_cmd $O $E "$GD" run "$T/second.lua" -i "$INV" --state-dir "$STATE" -q
expect_rc "second run refused" 3
expect_in "it names the host and the run that holds it" $E "lab1 is leased by run $AID"
check "the refused run changed nothing: mode still 000" test "$(mode)" = 000
wait $apid
RC=$?
expect_rc "the first run passes" 0
check "the file is back at 644 (not the second run's 600)" test "$(mode)" = 644
check "the lease is gone with its run" on 'lab[0]' 'test ! -e /run/gameday/lease'

echo "-- --wait waits for the lease instead"
scenario holder 000 4s
"$GD" run "$T/holder.lua" -i "$INV" --state-dir "$STATE" -q >"$T/a.out" 2>"$T/a.err" &
apid=$!
leased >/dev/null
run_cmd $O $E "$GD" run "$T/second.lua" -i "$INV" --state-dir "$STATE" --wait
expect_rc "the waiting run passes after the first" 0
expect_in "it said it was waiting" $E "waiting"
wait $apid
RC=$?
expect_rc "the first run passes too" 0
check "and the mode ends at 644" test "$(mode)" = 644 || { mode; cat $E; }

echo "-- two faults on one host, in rounds"
cat >"$T/two.lua" <<'EOF'
return gameday.scenario {
  id = "two-on-one", title = "disk_fill and cpu_hog on lab1",
  steady_state = { probe.exec { name = "up", on = "lab[0]", cmd = "true" } },
  faults = {
    fault.disk_fill { on = "lab[0]", path = "/srv", size = "4M" },
    fault.cpu_hog { on = "lab[0]", workers = 1 },
  },
  observe = { duration = "2s", every = "1s" },
  expect = "hold",
}
EOF
before=$(on 'lab[0]' 'ls -a /srv; ls /run/gameday; ps -eo args | grep -c "[g]ameday-"')
run_cmd $O $E "$GD" run "$T/two.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "disk_fill + cpu_hog on one host" 0
check "both went on and both came off, verified" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
f = r["faults"]
assert [x["kind"] for x in f] == ["disk_fill", "cpu_hog"], f
assert all(x["active"] and x["reverted"] for x in f), f
rev = [e for e in r["timeline"] if e["kind"] == "revert"]
assert [e["name"] for e in rev] == [f[1]["label"], f[0]["label"]], rev  # reverse order
' $O
check "lab1 as it was" test "$(on 'lab[0]' 'ls -a /srv; ls /run/gameday; ps -eo args | grep -c "[g]ameday-"')" = "$before"

echo "-- a killed run's lease holds; recover leaves a host another run holds alone"
scenario killed 000 30s
# records: run, lease, intent, injected: killed right after the fourth
(GAMEDAY_KILL_AFTER=4 "$GD" run "$T/killed.lua" -i "$INV" --state-dir "$STATE" -q >/dev/null 2>$T/k.err; exit $?) 2>/dev/null
RC=$?
expect_rc "runner killed with -9 after injecting" 137
[ $RC = 137 ] || { on 'lab[0]' 'ls -la /run/gameday; cat /run/gameday/lease'; cat $T/k.err; }
run_cmd $O $E "$GD" run "$T/second.lua" -i "$INV" --state-dir "$STATE" -q
expect_rc "the dead run's lease still refuses a second run" 3
# another run's lease on lab1, as if the dead run's had expired and a second
# game master had taken the host since
on 'lab[0]' 'echo "run=20260101-000000-other runner=jump pid=1 expires=$(($(date +%s) + 600))" > /run/gameday/lease'
run_cmd $O $E "$GD" recover --state-dir "$STATE"
expect_rc "recover while another run holds the host" 3
expect_in "it says it left the host alone" $O "leased by another run"
check "and it did: the mode is still 000" test "$(mode)" = 000
on 'lab[0]' 'rm /run/gameday/lease'   # that run has ended
run_cmd $O $E "$GD" recover --state-dir "$STATE"
expect_rc "recover once that run is gone" 0
check "the fault reverted: 644" test "$(mode)" = 644
check "nothing of gameday left on lab1" on 'lab[0]' 'test -z "$(ls /run/gameday)"'

echo "-- a dead-man expiry frees the lease"
cat >"$T/short.lua" <<'EOF'
return gameday.scenario {
  id = "short", title = "a 3 s fault whose runner dies",
  steady_state = { probe.exec { name = "up", on = "lab[0]", cmd = "true" } },
  faults = { fault.file_mode { on = "lab[0]", path = "/srv/f", mode = "000", duration = "3s" } },
  observe = { duration = "60s", every = "1s" },
  expect = "degrade",
}
EOF
(GAMEDAY_KILL_AFTER=4 "$GD" run "$T/short.lua" -i "$INV" --state-dir "$T/state2" -q >/dev/null 2>&1; exit $?) 2>/dev/null
check "killed with the fault on" test "$(mode)" = 000
sleep 6
check "its dead-man reverted it" test "$(mode)" = 644
check "and freed the lease" on 'lab[0]' 'test ! -e /run/gameday/lease'
run_cmd $O $E "$GD" run "$T/second.lua" -i "$INV" --state-dir "$STATE" -q
expect_rc "a new run takes the host" 0

echo "-- a host changed under a run is said to be, not verified"
scenario changed 000 5s
"$GD" run "$T/changed.lua" -i "$INV" --state-dir "$STATE" --json >"$T/c.out" 2>"$T/c.err" &
cpid=$!
leased >/dev/null
for _ in $(seq 50); do [ "$(mode)" = 000 ] && break; sleep 0.2; done
on 'lab[0]' 'chmod 640 /srv/f'
wait $cpid
RC=$?
expect_rc "the run fails" 1
expect_in "it says the host was not as it left it" "$T/c.out" "not as this run left it"
expect_in "a host-changed finding" "$T/c.out" '"host-changed"'
expect_not_in "not verified" "$T/c.out" "verified gone"
on 'lab[0]' 'chmod 644 /srv/f'

echo "-- a quiz killed -9 in a practical: recover cleans up"
cat >"$T/bank.yaml" <<'EOF'
bank: leases
title: A practical on the lab
pass: 50
questions:
  - id: broken
    topic: troubleshooting
    type: practical
    points: 1
    text: "Something is broken on lab1"
    probe: { on: "lab[0]", cmd: "test -e /srv/fixed" }
    target_time: 30s
    setup: "touch /srv/broken"
    cleanup: "rm -f /srv/broken"
    remedy: runbooks/lab.md
EOF
printf 'broken: ""\n' >"$T/answers.yaml"
"$GD" quiz "$T/bank.yaml" -p kim --answers "$T/answers.yaml" -i "$INV" --state-dir "$T/qstate" \
	--practical-limit 60s >/dev/null 2>&1 &
qpid=$!
for _ in $(seq 100); do on 'lab[0]' 'test -e /srv/broken' && break; sleep 0.2; done
kill -9 $qpid
wait $qpid 2>/dev/null
check "the quiz died with lab1 broken" on 'lab[0]' 'test -e /srv/broken'
check "its journal holds the setup's intent" grep -q '"fault":"practical"' "$T"/qstate/runs/*.jsonl
run_cmd $O $E "$GD" recover --state-dir "$T/qstate"
expect_rc "recover after the killed quiz" 0
check "it ran the cleanup: lab1 fixed" on 'lab[0]' 'test ! -e /srv/broken'
check "and freed the quiz's lease" on 'lab[0]' 'test ! -e /run/gameday/lease'
check "no dead-man left on lab1" on 'lab[0]' 'test -z "$(ls /run/gameday)"'
run_cmd $O $E "$GD" recover --state-dir "$T/qstate"
expect_rc "recover again is harmless" 0

finish
