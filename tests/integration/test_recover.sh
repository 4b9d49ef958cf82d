#!/usr/bin/env bash
# test_recover.sh: gameday recover against real sshd hosts of a lab, on
# journals written by hand as a killed run would have left them. Faults are
# files under /srv (each lab host's private tmpfs), injected with gameday exec.
# GAMEDAY may name the binary (an asan build, say).
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

lab_up 3
LOCK_PID=
# stop_lock: ends the background flock (and its sleep) by their pids
stop_lock() {
	local child
	[ -n "$LOCK_PID" ] || return 0
	for child in $(ps -o pid= --ppid "$LOCK_PID"); do kill "$child" 2>/dev/null; done
	kill "$LOCK_PID" 2>/dev/null
	wait "$LOCK_PID" 2>/dev/null
	LOCK_PID=
}
at_exit stop_lock

# jstr S: S as a JSON string (the commands here hold no control characters)
jstr() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
# jval S: null stays null, anything else becomes a JSON string
jval() { if [ "$1" = null ]; then printf null; else jstr "$1"; fi; }
host_json() {
	printf '{"name":"%s","addr":"%s","port":22,"user":"root","key_file":"%s","known_hosts":"%s","become":false}' \
	    "$1" "$(lab_field "$1" addr)" "$LAB/id_ed25519" "$LAB/known_hosts"
}
# new_journal STATE RUN: a journal as a run starts it; sets J to its path
new_journal() {
	mkdir -p "$1/runs"
	chmod 700 "$1" "$1/runs"
	J=$1/runs/$2.jsonl
	printf '{"type":"run","ts":%s,"run":"%s","scenario":"test-recover","file":"test.lua","pid":%s,"runner":"%s"}\n' \
	    "$(date +%s000)" "$2" "$$" "$(hostname)" >"$J"
	chmod 600 "$J"
}
# fault J SEQ HOST FILE [REVERT [CHECK [DISARM]]]: an intent to create
# /srv/FILE on HOST, the inject done for real, then its outcome
fault() {
	local j=$1 seq=$2 host=$3 file=/srv/$4
	local revert=${5:-rm -f $file} check=${6:-test -e $file} disarm=${7:-null}
	printf '{"type":"intent","ts":%s,"seq":%s,"host":%s,"fault":"file_fault","label":"create %s","inject":%s,"revert":%s,"check":%s,"disarm":%s}\n' \
	    "$(date +%s000)" "$seq" "$(host_json "$host")" "$file" "$(jstr "touch $file")" \
	    "$(jstr "$revert")" "$(jval "$check")" "$(jval "$disarm")" >>"$j"
	local okv=true
	on "$host" "touch $file" >/dev/null || okv=false
	printf '{"type":"injected","ts":%s,"seq":%s,"ok":%s,"exit":0,"error":null}\n' \
	    "$(date +%s000)" "$seq" "$okv" >>"$j"
}
# jtrue J PYEXPR: PYEXPR holds over R, the journal's records (every line must
# parse); rev(SEQ) is the list of SEQ's reverted records
jtrue() {
	python3 -c 'import json,sys
R = [json.loads(l) for l in open(sys.argv[1]).read().split("\n") if l.strip()]
def rev(seq): return [r for r in R if r["type"] == "reverted" and r["seq"] == seq]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}

echo "-- recover one run"
S=$T/one
new_journal $S run-one
fault "$J" 1 lab1 gd-fault-1
fault "$J" 2 lab1 gd-fault-2
check "faults injected on lab1" on lab1 'test -e /srv/gd-fault-1 && test -e /srv/gd-fault-2'
run_cmd $O $E "$GD" recover --state-dir $S run-one
expect_rc "recover reverts a dead run" 0
check "gd-fault-1 gone from lab1" on lab1 'test ! -e /srv/gd-fault-1'
check "gd-fault-2 gone from lab1" on lab1 'test ! -e /srv/gd-fault-2'
expect_in "each intent said, verified" $O "lab1: file_fault (create /srv/gd-fault-1): reverted, verified"
expect_in "the run is named" $O "run run-one: recovered, nothing left open"
check "newest first" bash -c "grep -n gd-fault- $O | head -1 | grep -q gd-fault-2"
check "reverted records appended, by recover" jtrue "$J" \
    "all(len(rev(n)) == 1 and rev(n)[0]['ok'] and rev(n)[0]['verified'] and rev(n)[0]['by'] == 'recover' for n in (1, 2))"
check "reverted records carry ts" jtrue "$J" "all(isinstance(r.get('ts'), int) and r['ts'] > 1600000000000 for r in R if r['type'] == 'reverted')"
check "a recovered record last" jtrue "$J" "R[-1]['type'] == 'recovered'"
check "the journal stays 0600" test "$(stat -c %a "$J")" = 600

lines=$(wc -l <"$J")
run_cmd $O $E "$GD" recover --state-dir $S run-one
expect_rc "recover twice is harmless" 0
expect_in "the second time says nothing to do" $O "run run-one: nothing to do, no open intents"
check "the second time writes nothing" test "$(wc -l <"$J")" -eq "$lines"
run_cmd $O $E "$GD" recover --state-dir $S
expect_rc "recover all, nothing open" 0
expect_in "says there is nothing to recover" $O "nothing to recover: no open intents in 1 journal under $S/runs"

echo "-- several hosts at once"
S=$T/several
new_journal $S run-several
fault "$J" 1 lab1 gd-sev-1 'sleep 2; rm -f /srv/gd-sev-1'
fault "$J" 2 lab2 gd-sev-2
fault "$J" 3 lab3 gd-sev-3 'sleep 2; rm -f /srv/gd-sev-3'
fault "$J" 4 lab2 gd-sev-4 'sleep 2; rm -f /srv/gd-sev-4'
start=$(date +%s%N)
run_cmd $O $E "$GD" recover --state-dir $S run-several
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc "4 intents on 3 hosts" 0
for f in 1:lab1 2:lab2 3:lab3 4:lab2; do
	check "gd-sev-${f%%:*} gone from ${f#*:}" on "${f#*:}" "test ! -e /srv/gd-sev-${f%%:*}"
done
expect_in "lab3's said" $O "lab3: file_fault (create /srv/gd-sev-3): reverted, verified"
if [ "$ms" -lt 4000 ]; then ok "hosts reverted at once, not one by one (${ms} ms for 3 x 2 s)"; else bad "3 reverts of 2 s took ${ms} ms: not parallel"; fi
check "lab2's newest intent first" bash -c "grep lab2: $O | head -1 | grep -q gd-sev-4"
check "4 verified reverted records" jtrue "$J" "len([r for r in R if r['type'] == 'reverted' and r['verified']]) == 4"

echo "-- dead-man timer disarmed"
S=$T/disarm
new_journal $S run-disarm
on lab1 'touch /srv/gd-timer-1'  # stands for the host-side timer
fault "$J" 1 lab1 gd-dm-1 'rm -f /srv/gd-dm-1' 'test -e /srv/gd-dm-1' 'rm -f /srv/gd-timer-1'
run_cmd $O $E "$GD" recover --state-dir $S run-disarm
expect_rc "revert with a disarm" 0
check "the fault is gone" on lab1 'test ! -e /srv/gd-dm-1'
check "the timer is disarmed" on lab1 'test ! -e /srv/gd-timer-1'
S=$T/nocheck
new_journal $S run-nocheck
fault "$J" 1 lab1 gd-nc-1 'rm -f /srv/gd-nc-1' null
run_cmd $O $E "$GD" recover --state-dir $S run-nocheck
expect_rc "revert without a check" 0
expect_in "says it could not verify" $O "reverted, no check to verify it"
run_cmd $O $E "$GD" recover --state-dir $S run-nocheck
expect_in "and it is closed" $O "nothing to do"

echo "-- reverts that fail"
S=$T/fail
new_journal $S run-fail
fault "$J" 1 lab1 gd-fail-1 'false'
fault "$J" 2 lab2 gd-fail-2
run_cmd $O $E "$GD" recover --state-dir $S run-fail
expect_rc "a revert that exits 1" 1
expect_in "REVERT FAILED said" $O "lab1: file_fault (create /srv/gd-fail-1): REVERT FAILED: revert exited 1"
expect_in "the other host still reverted" $O "lab2: file_fault (create /srv/gd-fail-2): reverted, verified"
check "lab2's fault gone" on lab2 'test ! -e /srv/gd-fail-2'
expect_in "says what is still open" $O "run run-fail: 1 of 2 intents still open"
check "a failed reverted record" jtrue "$J" "rev(1)[-1]['ok'] is False and 'exited 1' in rev(1)[-1]['error']"
check "no recovered record" jtrue "$J" "not [r for r in R if r['type'] == 'recovered']"
run_cmd $O $E "$GD" recover --state-dir $S run-fail
expect_rc "the intent stays open" 1
check "only the open one retried" bash -c "! grep -q gd-fail-2 $O"

S=$T/still
new_journal $S run-still
fault "$J" 1 lab3 gd-still-1 'true'
run_cmd $O $E "$GD" recover --state-dir $S run-still
expect_rc "a revert that does nothing" 1
expect_in "the check refutes it" $O "lab3: file_fault (create /srv/gd-still-1): REVERT FAILED: the revert ran, but the check says the fault is still active"
check "recorded ok but not verified" jtrue "$J" "rev(1)[-1]['ok'] is True and rev(1)[-1]['verified'] is False"
run_cmd $O $E "$GD" recover --state-dir $S run-still --json
expect_rc "still open, --json" 1
check "--json says revert_failed" python3 -c '
import json,sys
a = json.load(open(sys.argv[1]))
assert len(a) == 1, a
x = a[0]
assert x["run"] == "run-still" and x["host"] == "lab3" and x["seq"] == 1 and x["fault"] == "file_fault", x
assert x["label"] == "create /srv/gd-still-1" and x["result"] == "revert_failed" and "still active" in x["error"], x
' $O
on lab3 'rm -f /srv/gd-still-1'

echo "-- torn and corrupt journals"
S=$T/torn
new_journal $S run-torn
fault "$J" 1 lab2 gd-torn-1
printf '{"type":"intent","ts":1,"seq":2,"host":{"name":"lab2","ad' >>"$J"
run_cmd $O $E "$GD" recover --state-dir $S run-torn
expect_rc "a torn last line" 0
check "its fault reverted" on lab2 'test ! -e /srv/gd-torn-1'
expect_in "the torn line is said" $O "torn last line was cut off"
check "the journal reads whole after" jtrue "$J" "R[-1]['type'] == 'recovered' and rev(1)[0]['verified']"

S=$T/corrupt
new_journal $S run-corrupt
fault "$J" 1 lab2 gd-corrupt-1
printf '{"type":"injected","seq":\n{"type":"end","verdict":"fail"}\n' >>"$J"
run_cmd $O $E "$GD" recover --state-dir $S run-corrupt
expect_rc "a corrupt middle line" 2
expect_in "names the file and line" $E "$J: line 4: not valid JSON"
check "nothing reverted" on lab2 'test -e /srv/gd-corrupt-1'
on lab2 'rm -f /srv/gd-corrupt-1'

echo "-- live runs, and every journal at once"
S=$T/all
new_journal $S run-a
fault "$J" 1 lab1 gd-all-a
new_journal $S run-b
fault "$J" 1 lab2 gd-all-b
fault "$J" 2 lab3 gd-all-b2
new_journal $S run-done
printf '{"type":"end","verdict":"pass"}\n' >>"$J"
new_journal $S run-live
fault "$J" 1 lab1 gd-all-live
LIVE=$J
flock "$LIVE" sleep 30 &
LOCK_PID=$!
for _ in $(seq 50); do flock -n "$LIVE" true 2>/dev/null || break; sleep 0.1; done
before=$(md5sum <"$LIVE")
run_cmd $O $E "$GD" recover --state-dir $S run-live
expect_rc "a journal a live process holds" 0
expect_in "skipped, with the run's pid" $O "run run-live is still running (pid $$)"
check "its fault left alone" on lab1 'test -e /srv/gd-all-live'
check "its journal untouched" test "$(md5sum <"$LIVE")" = "$before"

run_cmd $O $E "$GD" recover --state-dir $S
expect_rc "no RUN-ID: every dead journal" 0
check "run-a reverted" on lab1 'test ! -e /srv/gd-all-a'
check "run-b reverted" on lab2 'test ! -e /srv/gd-all-b'
check "run-b's second host reverted" on lab3 'test ! -e /srv/gd-all-b2'
expect_in "the live one skipped" $O "run run-live is still running"
check "the live one's fault left alone" on lab1 'test -e /srv/gd-all-live'
expect_not_in "finished runs stay quiet" $O "run-done"
expect_in "a summary" $O "recover: 3 reverted, 0 failed, 0 unreachable, 1 skipped (live run)"
run_cmd $O $E "$GD" recover --state-dir $S --json
check "--json lists the live run's intent as skipped_live" python3 -c '
import json,sys
a = json.load(open(sys.argv[1]))
assert [(x["run"], x["result"]) for x in a] == [("run-live", "skipped_live")], a
' $O
stop_lock
run_cmd $O $E "$GD" recover --state-dir $S
expect_rc "once the run is gone, its journal is recovered" 0
check "its fault reverted" on lab1 'test ! -e /srv/gd-all-live'
expect_in "by recover" $O "lab1: file_fault (create /srv/gd-all-live): reverted, verified"

echo "-- an unreachable host"
S=$T/dark
new_journal $S run-dark
fault "$J" 1 lab1 gd-dark-1
fault "$J" 2 lab3 gd-dark-3
fault "$J" 3 lab2 gd-dark-2 'false'
pid3=$(lab_field lab3 sshd_pid)
kill "$pid3"
for _ in $(seq 50); do kill -0 "$pid3" 2>/dev/null || break; sleep 0.1; done
run_cmd $O $E "$GD" recover --state-dir $S run-dark
expect_rc "lab3's sshd stopped (3 wins over 1)" 3
expect_in "the dead host named with the reason" $O "lab3: file_fault (create /srv/gd-dark-3): host unreachable: cannot connect to $(lab_field lab3 addr):22: Connection refused; still open, run gameday recover again"
check "the others still reverted" on lab1 'test ! -e /srv/gd-dark-1'
expect_in "and said" $O "lab1: file_fault (create /srv/gd-dark-1): reverted, verified"
expect_in "the failed one too" $O "lab2: file_fault (create /srv/gd-dark-2): REVERT FAILED"
run_cmd $O $E "$GD" recover --state-dir $S run-dark --json
expect_rc "again, with --json" 3
check "--json: unreachable and revert_failed, in order" python3 -c '
import json,sys
a = json.load(open(sys.argv[1]))
assert [(x["host"], x["seq"], x["result"]) for x in a] == [("lab2", 3, "revert_failed"), ("lab3", 2, "unreachable")], a
assert "Connection refused" in a[1]["error"], a
' $O
check "--json keeps progress off stdout" grep -q "host unreachable" $E
on lab2 'rm -f /srv/gd-dark-2'

echo "-- usage"
run_cmd $O $E "$GD" recover --state-dir $T/one no-such-run
expect_rc "unknown RUN-ID" 2
expect_in "names the path looked at" $E "no journal for run no-such-run: $T/one/runs/no-such-run.jsonl does not exist"
run_cmd $O $E "$GD" recover a b
expect_rc "two RUN-IDs" 2
run_cmd $O $E "$GD" recover --bogus
expect_rc "an unknown option" 2
run_cmd $O $E "$GD" recover --help
expect_rc "--help" 0
expect_in "--help says where journals live" $O "STATE/runs/RUN-ID.jsonl"
expect_in "--help says it is safe twice" $O "safe to run recover twice"
expect_in "--help has exit codes" $O "3  some host could not be reached"

finish
