#!/usr/bin/env bash
# test_quiz_practical.sh: gameday quiz -i grades practical questions by their
# probes on a lab: setup, timing against target_time and the limit, cleanup.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

lab_up 2
BG=
stop_bg() { [ -z "$BG" ] || kill "$BG"; }
at_exit stop_bg

# solve_later HOST FILE DELAY: once FILE exists on HOST (setup ran), waits
# DELAY seconds and removes it, as a participant would; notes that it saw it
solve_later() {
	local i
	for i in $(seq 1 200); do
		if on "$1" "test -e $2"; then
			touch "$T/saw-$(basename "$2")"
			sleep "$3"
			on "$1" "rm -f $2" >/dev/null
			return
		fi
		sleep 0.2
	done
}

cat >"$T/bank.yaml" <<'EOF'
bank: lab
title: Lab
pass: 70
questions:
  - id: sev
    topic: process
    type: choice
    points: 2
    text: "Checkout is down for everyone. Severity?"
    options: { a: SEV1, b: SEV2 }
    answer: a
    remedy: runbooks/incidents.md#severity
  - id: disk-a
    topic: troubleshooting
    type: practical
    points: 4
    text: "Remove /srv/fill-a on lab1."
    setup: "fallocate -l 60M /srv/fill-a"
    probe: { on: lab1, cmd: "test ! -e /srv/fill-a" }
    target_time: 5s
    cleanup: "rm -f /srv/fill-a"
    remedy: runbooks/disk.md#full
  - id: disk-b
    topic: troubleshooting
    type: practical
    points: 2
    text: "Remove /srv/fill-b on every lab host."
    setup: "touch /srv/fill-b"
    probe: { on: lab, cmd: "test ! -e /srv/fill-b" }
    target_time: 1s
    remedy: runbooks/disk.md#full
  - id: never
    topic: troubleshooting
    type: practical
    points: 2
    text: "Nobody solves this one."
    setup: "touch /srv/never"
    probe: { on: "lab[1]", cmd: "echo probing; echo not yet >&2; test -e /srv/solved" }
    target_time: 2s
    cleanup: "rm -f /srv/never"
    remedy: runbooks/never.md
EOF
printf 'sev: a\n' >"$T/answers.yaml"

echo "-- two tasks solved by a background participant, one never"
( solve_later lab1 /srv/fill-a 2; solve_later lab /srv/fill-b 3 ) &
BG=$!
run_cmd $O $E "$GD" quiz "$T/bank.yaml" -p alice --answers "$T/answers.yaml" --json \
    -i "$INV" --practical-limit 8s
wait "$BG"; BG=
expect_rc "7 of 10 points passes the 70% mark" 0
expect_in "the task is shown" $E "Remove /srv/fill-a on lab1."
check "setup of disk-a ran (the fill file appeared)" test -e "$T/saw-fill-a"
check "setup of disk-b ran on the hosts" test -e "$T/saw-fill-b"
if python3 - "$O" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
q = {x["id"]: x for x in j["questions"]}
a, b, n = q["disk-a"], q["disk-b"], q["never"]
assert a["solved"] is True and a["outcome"] == "solved", a
assert 1 <= a["seconds"] <= 5 and a["target_seconds"] == 5 and a["limit_seconds"] == 8, a
assert a["score"] == 4 and a["max"] == 4 and a["status"] == "right", a
assert a["setup"] is True and a["cleanup"] == "ok", a
assert [h["host"] for h in a["probe"]] == ["lab1"] and a["probe"][0]["exit"] == 0, a
assert b["solved"] is True and 1 < b["seconds"] <= 8, b
assert b["score"] == 1 and b["max"] == 2 and b["status"] == "partial", b
assert b["cleanup"] is None, b
assert [h["host"] for h in b["probe"]] == ["lab1", "lab2"], b
assert n["solved"] is False and n["outcome"] == "timeout", n
assert 8 <= n["seconds"] < 11 and n["score"] == 0 and n["max"] == 2, n
assert n["status"] == "wrong" and n["cleanup"] == "ok", n
p = n["probe"][0]
assert p["host"] == "lab2" and p["exit"] == 1, p
assert p["stdout"] == "probing\n" and p["stderr"] == "not yet\n" and p["error"] is None, p
assert j["total"] == 7 and j["max"] == 10 and j["percent"] == 70 and j["passed"] is True, j
t = j["topics"]["troubleshooting"]
assert t["score"] == 5 and t["max"] == 8, t
assert [g["id"] for g in j["gaps"]] == ["disk-b", "never"], j["gaps"]
EOF
then ok "JSON: solved/seconds/points full, half, 0; totals and topics count them"
else bad "JSON of the practical run"; sed 's/^/      | /' $O | head -60; fi
check "cleanup ran: /srv empty on every host" on lab 'test -z "$(ls -A /srv)"'

echo "-- the text report"
run_cmd $O $E "$GD" quiz "$T/bank.yaml" -p bob --answers "$T/answers.yaml" \
    -i "$INV" --practical-limit 2s
expect_rc "nothing solved: 2 of 10 fails" 1
expect_in "unsolved practical named with its outcome" $O "wrong (timeout in"
expect_not_in "no 'not graded here' with -i" $O "not graded here"
expect_in "unsolved practical is a gap" $O "  - never (troubleshooting, wrong, 0/2)"
check "cleanup again: /srv empty" on lab 'test -z "$(ls -A /srv/fill-a /srv/never 2>/dev/null)"'
on lab 'rm -f /srv/fill-b' >/dev/null

echo "-- the shipped on-call bank's practical question on the lab"
( solve_later lab1 /srv/app/log/debug.log.1 1 ) &
BG=$!
run_cmd $O $E "$GD" quiz scenarios/banks/oncall.yaml -p carol \
    --answers scenarios/answers/oncall-sample.yaml --json -i "$INV" --practical-limit 10s
wait "$BG"; BG=
check "its setup filled /srv" test -e "$T/saw-debug.log.1"
if python3 -c 'import json,sys
q = {x["id"]: x for x in json.load(open(sys.argv[1]))["questions"]}["fix-disk"]
assert q["solved"] and q["score"] == 5 and q["cleanup"] == "ok", q' "$O"
then ok "fix-disk solved by freeing the log, full points"
else bad "fix-disk on the lab"; head -c 3000 $O; cat $E; fi
check "its cleanup left /srv empty" on lab1 'test -z "$(ls -A /srv)"'

echo "-- an interrupt still cleans up"
"$GD" quiz "$T/bank.yaml" -p dan --answers "$T/answers.yaml" -i "$INV" \
    --practical-limit 30s >$O 2>$E &
QP=$!
for i in $(seq 1 100); do on lab1 'test -e /srv/fill-a' && break; sleep 0.2; done
sleep 1
kill -TERM $QP
wait $QP; RC=$?
expect_rc "SIGTERM during a task" 4
expect_in "says it was interrupted" $E "interrupted"
check "disk-a cleaned up after the interrupt" on lab1 'test ! -e /srv/fill-a'

echo "-- on a terminal: Enter checks at once, 'skip' gives up"
# the bank without disk-b
python3 -c 'import sys
t = open(sys.argv[1]).read()
a, b = t.index("  - id: disk-b"), t.index("  - id: never")
print(t[:a] + t[b:], end="")' "$T/bank.yaml" >"$T/tty.yaml"
cat >"$T/drive_pty.py" <<'EOF'
import os, pty, re, select, subprocess, sys, time
gd, inv, out, bank = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(gd, [gd, "quiz", bank, "-p", "tty", "-i", inv, "--practical-limit", "60s",
                  "--out", out])
buf = b""
def expect(rx):
    global buf
    deadline = time.time() + 20
    while not re.search(rx.encode(), buf):
        if time.time() > deadline:
            sys.exit("pty: no %r in:\n%s" % (rx, buf.decode(errors="replace")[-800:]))
        if select.select([fd], [], [], 0.2)[0]:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                pass
    buf = buf[re.search(rx.encode(), buf).end():]
expect(r"answer \(a letter\)>"); os.write(fd, b"a\r")
expect(r"Enter: check now")
time.sleep(0.5)
subprocess.run([gd, "exec", "-i", inv, "lab1", "-q", "--", "rm -f /srv/fill-a"], check=True,
               stdout=subprocess.DEVNULL)
t0 = time.time(); os.write(fd, b"\r")
expect(r"solved in")
print("enter-check %.1f" % (time.time() - t0))
expect(r"Enter: check now"); os.write(fd, b"skip\r")
expect(r"not solved: skipped")
_, st = os.waitpid(pid, 0)
print("exit", os.WEXITSTATUS(st))
EOF
python3 "$T/drive_pty.py" "$GD" "$INV" "$T/tty.json" "$T/tty.yaml" >$O 2>&1
expect_in "terminal session ends: 6 of 8 is 75%, exit 0" $O "exit 0"
check "Enter checked at once (under 1.5 s, not at the next poll)" \
    awk '/^enter-check/ { exit !($2 < 1.5) }' $O
if python3 -c 'import json,sys
q = {x["id"]: x for x in json.load(open(sys.argv[1]))["questions"]}
assert q["disk-a"]["solved"] and q["disk-a"]["score"] == 4, q["disk-a"]
assert q["never"]["outcome"] == "skipped" and q["never"]["score"] == 0, q["never"]
assert q["never"]["cleanup"] == "ok", q["never"]' "$T/tty.json"
then ok "terminal: disk-a solved, never skipped with 0 points"
else bad "terminal JSON"; cat $O; head -c 2000 "$T/tty.json"; fi
check "terminal: /srv clean afterwards" on lab 'test -z "$(ls -A /srv)"'

echo "-- errors"
sed 's|^        lab2:$|        ghost:\n          ansible_host: 127.0.0.1\n          ansible_port: 1\n        lab2:|' \
    "$INV" >"$T/ghost.yaml"
run_cmd $O $E "$GD" quiz "$T/bank.yaml" -p eve --answers "$T/answers.yaml" -i "$T/ghost.yaml"
expect_rc "an unreachable host" 3
expect_in "names the host" $E "ghost: unreachable"
check "no setup ran before the error" on lab1 'test ! -e /srv/fill-a'
check "no result on stdout" test ! -s $O

sed 's/on: lab1,/on: "web",/' "$T/bank.yaml" >"$T/nohost.yaml"
run_cmd $O $E "$GD" quiz "$T/nohost.yaml" -p eve --answers "$T/answers.yaml" -i "$INV"
expect_rc "a probe pattern matching no host" 2
expect_in "names question and pattern" $E "question 'disk-a': probe 'on: web' matches no host"

sed 's/^    setup: "touch \/srv\/fill-b"/    setup: "echo no space >\&2; exit 7"/' "$T/bank.yaml" >"$T/badsetup.yaml"
run_cmd $O $E "$GD" quiz "$T/badsetup.yaml" -p eve --answers "$T/answers.yaml" -i "$INV" \
    --practical-limit 2s
expect_rc "a failing setup" 3
expect_in "names question, host and error" $E "question 'disk-b': setup failed on lab1: exit 7: no space"

run_cmd $O $E "$GD" quiz "$T/bank.yaml" -p eve --answers "$T/answers.yaml" --practical-limit 5s
expect_rc "--practical-limit without -i" 2
run_cmd $O $E "$GD" quiz "$T/bank.yaml" -p eve --answers "$T/answers.yaml" -i "$INV" \
    --practical-limit soon
expect_rc "a bad --practical-limit" 2

echo "-- bank validation of setup and cleanup"
for f in bad_practical_setup bad_practical_cleanup_empty bad_setup_not_practical; do
	run_cmd $O $E "$GD" check tests/unit/fixtures/banks/$f.yaml
	want=$(head -1 tests/unit/fixtures/banks/$f.yaml | sed 's/^# expect line [0-9]*: //')
	line=$(head -1 tests/unit/fixtures/banks/$f.yaml | sed 's/^# expect \(line [0-9]*\): .*/\1/')
	expect_rc "check rejects $f" 2
	expect_in "$f names the $line" $E "$f.yaml: $line: "
	expect_in "$f: $want" $E "$want"
done

echo "-- without -i nothing changes"
check "test_quiz.sh still passes" bash -c 'bash tests/integration/test_quiz.sh >'"$T"'/tq.out 2>&1'
tail -n 1 "$T/tq.out" | sed "s/^/      test_quiz.sh: /"

finish
