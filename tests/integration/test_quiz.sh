#!/usr/bin/env bash
# test_quiz.sh: gameday quiz with answers files, and on a terminal driven
# through a pseudo-terminal (python3's pty module). Needs no lab.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

# GAMEDAY=BINARY tests another build (one with readline, say)
BANK=scenarios/banks/oncall.yaml
SAMPLE=scenarios/answers/oncall-sample.yaml

# A small bank for the terminal: 10 graded points and one practical question.
cat >"$T/small.yaml" <<'EOF'
bank: small
title: Small
pass: 70
questions:
  - id: sev
    topic: process
    type: choice
    points: 2
    text: "Checkout is down for everyone. Severity?"
    options: { a: SEV1, b: SEV2, c: SEV3 }
    answer: a
    remedy: runbooks/incidents.md#severity
  - id: lag
    topic: architecture
    type: multi
    points: 2
    text: "What causes replication lag?"
    options:
      a: { text: "long query on the replica", weight: 1 }
      b: { text: "network saturation", weight: 1 }
      c: { text: "more RAM on the replica", weight: -1 }
    remedy: runbooks/postgres.md#replication-lag
  - id: steps
    topic: process
    type: order
    points: 3
    text: "Order the steps."
    items: [acknowledge, mitigate, resolve]
    remedy: runbooks/incidents.md#lifecycle
  - id: budget
    topic: monitoring
    type: numeric
    points: 1
    text: "99.9% over 30 days: budget in minutes?"
    answer: 43.2
    tolerance: 0.5
    unit: minutes
    remedy: runbooks/slo.md#error-budget
  - id: fix-disk
    topic: troubleshooting
    type: practical
    text: "Free /srv on lab1."
    probe: { on: "lab[0]", cmd: "true" }
    target_time: 10m
    remedy: runbooks/disk.md#full
  - id: tls
    topic: troubleshooting
    type: keywords
    points: 2
    text: "How do you see when a certificate expires?"
    groups: [[openssl, s_client], [expiry, notafter, enddate]]
    remedy: runbooks/tls.md#check-expiry
EOF

# json_check FILE PYTHON: runs PYTHON with j = the JSON in FILE.
json_check() {
	python3 -c 'import json,sys
j = json.load(open(sys.argv[1]))
exec(sys.argv[2])' "$1" "$2"
}

echo "-- usage"
run_cmd $O $E "$GD" quiz --help
expect_rc "--help" 0
expect_in "--help explains practical questions" $O "practical not graded here"
run_cmd $O $E "$GD" help quiz
expect_rc "gameday help quiz" 0
run_cmd $O $E "$GD" quiz "$BANK" --answers "$SAMPLE"
expect_rc "no --participant" 2
expect_in "says --participant is required" $E "gameday: quiz: --participant NAME is required"
run_cmd $O $E "$GD" quiz "$BANK" -p sam </dev/null
expect_rc "no --answers and stdin not a terminal" 2
expect_in "says why" $E "stdin is not a terminal"
run_cmd $O $E "$GD" quiz -p sam --answers "$SAMPLE"
expect_rc "no bank" 2

echo "-- bad bank, bad answers: exit 2 with file and line"
printf 'bank: b\nquestions:\n  - id: q\n    topic: process\n    type: choice\n    text: t\n    options: { a: x, b: y }\n    answer: z\n    remedy: r\n' >"$T/bad.yaml"
run_cmd $O $E "$GD" quiz "$T/bad.yaml" -p sam --answers "$SAMPLE"
expect_rc "bank with an answer not among the options" 2
expect_in "names file and line" $E "gameday: $T/bad.yaml: line 8: question 'q': answer 'z' is not among the options (a, b)"
printf 'sev: a\nlag: { a: 1 }\n' >"$T/bad-answers.yaml"
run_cmd $O $E "$GD" quiz "$T/small.yaml" -p sam --answers "$T/bad-answers.yaml"
expect_rc "answers file with a mapping as an answer" 2
expect_in "names answers file and line" $E "gameday: $T/bad-answers.yaml: line 2: the answer to 'lag' is a mapping"
run_cmd $O $E "$GD" quiz "$T/small.yaml" -p sam --answers "$T/absent.yaml"
expect_rc "answers file missing" 2
expect_in "says which file" $E "$T/absent.yaml: No such file or directory"

echo "-- the shipped bank with the sample answers"
run_cmd $O $E "$GD" quiz "$BANK" --participant sam --answers "$SAMPLE"
expect_rc "sample answers pass" 0
expect_in "total against the pass mark" $O "pass mark 70%: PASSED"
expect_in "per topic" $O "troubleshooting"
expect_in "a gap with its remedy" $O "- escalate-when (process, wrong, 0/2): study runbooks/escalation.md#when-to-escalate"
expect_in "a partial gap" $O "- lag-causes (architecture, partial, 1.5/3): study runbooks/postgres.md#replication-lag"
expect_in "the missing answer listed" $O "missing answers (0 points): lag-measure"
expect_in "practical left to the lab" $O "not graded here (practical, graded on the lab): fix-disk"
expect_not_in "no warning for the sample" $E "gameday:"

echo "-- edge cases: unknown ids, empty, whitespace, unicode, over-long"
long=$(head -c 5000 /dev/zero | tr '\0' x)
cat >"$T/edge.yaml" <<EOF
sev: "   SEV1  "
lag: ""
steps: [acknowledge, resolve, mitigate]
budget: 99
tls: "Regardez la date « notAfter » avec openssl — échéance proche ✓ $long"
bogus: 1
also-bogus: [x, y]
EOF
run_cmd $O $E "$GD" quiz "$T/small.yaml" -p "Zoë" --answers "$T/edge.yaml" --json
expect_rc "edge answers: 2 + 0 + 2 + 0 + 2 = 6 of 10, not passed" 1
expect_in "unknown id named with its line" $E "gameday: $T/edge.yaml: line 6: no question 'bogus' in bank small; answer ignored"
expect_in "second unknown id named" $E "line 7: no question 'also-bogus'"
expect_in "over-long answer cut, said so" $E "gameday: $T/edge.yaml: line 5: the answer to 'tls' is longer than 4096 bytes; cut there"
check "--json: the result object" json_check $O '
assert set(j) >= {"participant", "bank", "date", "total", "max", "percent", "passed", "topics", "questions", "gaps"}, sorted(j)
assert j["participant"] == "Zoë" and j["bank"] == "small", j
assert j["total"] == 6 and j["max"] == 10 and j["percent"] == 60 and j["passed"] is False, j
import re
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", j["date"]), j["date"]
assert list(j["topics"]) == ["process", "architecture", "troubleshooting", "monitoring"], j["topics"]
assert j["topics"]["process"] == {"score": 4, "max": 5, "percent": 80}, j["topics"]["process"]
assert j["topics"]["troubleshooting"] == {"score": 2, "max": 2, "percent": 100}, j["topics"]
q = {x["id"]: x for x in j["questions"]}
assert [x["id"] for x in j["questions"]] == ["sev", "lag", "steps", "budget", "fix-disk", "tls"]
for x in j["questions"]:
    assert set(x) >= {"id", "topic", "type", "answer", "score", "max", "status"}, x
assert q["sev"]["answer"] == "   SEV1  " and q["sev"]["status"] == "right" and q["sev"]["score"] == 2
assert q["lag"]["answer"] == "" and q["lag"]["status"] == "empty" and q["lag"]["score"] == 0
assert q["steps"]["answer"] == ["acknowledge", "resolve", "mitigate"] and q["steps"]["score"] == 2 and q["steps"]["status"] == "partial", q["steps"]
assert q["budget"]["answer"] == "99" and q["budget"]["status"] == "wrong"
assert q["fix-disk"]["score"] is None and q["fix-disk"]["max"] is None and q["fix-disk"]["status"] == "practical"
t = q["tls"]
assert t["status"] == "right" and t["truncated"] is True, t
assert t["answer"].startswith("Regardez la date « notAfter » avec openssl — échéance proche ✓ xxx"), t["answer"][:80]
assert len(t["answer"].encode()) == 4096, len(t["answer"].encode())
assert [g["id"] for g in j["gaps"]] == ["lag", "steps", "budget"], j["gaps"]
assert j["gaps"][0] == {"id": "lag", "topic": "architecture", "status": "empty", "remedy": "runbooks/postgres.md#replication-lag"}, j["gaps"][0]
'

echo "-- --out: written atomically, the same JSON"
mkdir "$T/hist"
echo stale >"$T/hist/sam.json"
ino_before=$(stat -c %i "$T/hist/sam.json")
run_cmd $O $E bash -c "umask 022; exec \"\$@\"" _ "$GD" quiz "$BANK" -p sam --answers "$SAMPLE" --json --out "$T/hist/sam.json"
expect_rc "--out with --json" 0
check "--out holds the same JSON as stdout" cmp -s $O "$T/hist/sam.json"
check "--out replaced by rename (a new inode)" test "$(stat -c %i "$T/hist/sam.json")" != "$ino_before"
check "no temporary file left" test "$(ls -A "$T/hist")" = "sam.json"
check "--out is 0644 under umask 022" test "$(stat -c %a "$T/hist/sam.json")" = 644
check "--out is the result" json_check "$T/hist/sam.json" 'assert j["participant"] == "sam" and j["passed"] is True and len(j["questions"]) >= 30'
run_cmd $O $E "$GD" quiz "$BANK" -p sam --answers "$SAMPLE" --out "$T/hist/sam2.json"
expect_rc "--out without --json" 0
expect_in "text on stdout" $O "pass mark 70%: PASSED"
check "--out written" json_check "$T/hist/sam2.json" 'assert j["bank"] == "oncall"'
run_cmd $O $E "$GD" quiz "$BANK" -p sam --answers "$SAMPLE" --out "$T/nodir/sam.json"
expect_rc "--out into a missing directory" 3
expect_in "says it cannot write" $E "gameday: quiz: cannot write $T/nodir/sam.json"
check "nothing left behind" test ! -e "$T/nodir"

echo "-- on a terminal, through a pseudo-terminal"
cat >"$T/drive_tty.py" <<'EOF'
# drive_tty.py STEPS TRANSCRIPT CMD...: runs CMD on a new pseudo-terminal and follows
# STEPS, one per line: "expect REGEX", "send TEXT" (Python escapes), or
# "order ITEM|ITEM|...", which types the numbers the quiz shows for the items.
# Prints "exit N" at the end.
import codecs, os, pty, re, select, sys, time
steps, transcript, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
os.environ["TERM"] = "xterm"
pid, fd = pty.fork()
if pid == 0:
    os.execv(cmd[0], cmd)
buf, mark = b"", 0
def more(timeout):
    global buf
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        d = os.read(fd, 4096)
    except OSError:
        d = b""
    buf += d
    return bool(d)
def fail(msg):
    open(transcript, "wb").write(buf)
    sys.exit("pty: " + msg + "\n--- transcript tail:\n" + buf[-600:].decode(errors="replace"))
def expect(rx, timeout=10):
    global mark
    deadline = time.time() + timeout
    r = re.compile(rx.encode())
    while True:
        m = r.search(buf, mark)
        if m:
            mark = m.end()
            return
        if time.time() > deadline:
            fail("timed out waiting for " + rx)
        if not more(0.2):
            fail("end of output waiting for " + rx)
for line in open(steps).read().splitlines():
    if not line or line.startswith("#"):
        continue
    op, arg = line.split(" ", 1)
    if op == "expect":
        expect(arg)
    elif op == "send":
        os.write(fd, codecs.decode(arg, "unicode_escape").encode("latin-1"))
    elif op == "order":
        shown = dict((m.group(2).decode(), m.group(1).decode())
                     for m in re.finditer(rb"  (\d+)\) ([^\r\n]+)", buf))
        os.write(fd, (" ".join(shown[i] for i in arg.split("|")) + "\r").encode())
    else:
        fail("bad step " + line)
while more(10):
    pass
_, status = os.waitpid(pid, 0)
open(transcript, "wb").write(buf)
print("exit", os.waitstatus_to_exitcode(status))
EOF

if ldd "$GD" 2>/dev/null | grep -q libreadline; then
	RL=1
	echo "   (built with GNU readline: testing its editing keys too)"
else
	RL=0
	echo "   (built without readline: the terminal's own line editing)"
fi

cat >"$T/steps1" <<'EOF'
expect quiz small: Small
expect \[1/6\] process, 2 points
expect a\) SEV1
expect answer \(a letter\)>
# "b", a backspace, "a": the edit must give "a"
send b\x7fa\r
expect \[2/6\] architecture
expect answer \(letters
# a typo is asked again
send z\r
expect not understood; try again
expect answer \(letters
EOF
if [ $RL = 1 ]; then
	# "b", Ctrl-A to the start of the line, "a ": readline gives "a b"
	echo 'send b\x01a \r' >>"$T/steps1"
else
	echo 'send a b\r' >>"$T/steps1"
fi
cat >>"$T/steps1" <<'EOF'
expect \[3/6\] process, 3 points
expect put these in order
expect answer \(numbers
order acknowledge|mitigate|resolve
expect \[4/6\] monitoring
expect answer \(a number, in minutes\)>
send 43,2 minutes\r
expect \[5/6\] fix-disk \(practical: graded on the lab, not here\)
expect \[6/6\] troubleshooting
expect answer>
send  openssl s_client   only \r
expect pass mark 70%: (\x1b\[[0-9;]*m)?PASSED
EOF
"$GD" --version >/dev/null   # the binary is there
python3 "$T/drive_tty.py" "$T/steps1" "$T/tty1.log" "$GD" quiz "$T/small.yaml" --participant tty \
    --out "$T/tty1.json" >"$T/pty1.out" 2>&1
expect_in "terminal session runs to the end, exit 0" "$T/pty1.out" "exit 0"
check "terminal session: score 9 of 10 with the edited answers" json_check "$T/tty1.json" '
q = {x["id"]: x for x in j["questions"]}
assert j["total"] == 9 and j["max"] == 10 and j["passed"] is True, (j["total"], j["max"])
assert q["sev"]["answer"] == "a" and q["sev"]["status"] == "right", q["sev"]
assert q["lag"]["answer"] in ("a b", "a b ") and q["lag"]["score"] == 2, q["lag"]
assert q["steps"]["status"] == "right" and q["steps"]["score"] == 3, q["steps"]
assert q["budget"]["answer"] == "43,2 minutes" and q["budget"]["status"] == "right", q["budget"]
assert q["fix-disk"]["status"] == "practical" and q["fix-disk"]["answer"] is None
assert q["tls"]["answer"] == " openssl s_client   only " and q["tls"]["score"] == 1, q["tls"]
assert [g["id"] for g in j["gaps"]] == ["tls"], j["gaps"]
'

# Ctrl-D after the first answer: the rest is missing, the test is not passed.
cat >"$T/steps2" <<'EOF'
expect answer \(a letter\)>
send c\r
expect answer \(letters
send \x04
expect NOT PASSED
EOF
python3 "$T/drive_tty.py" "$T/steps2" "$T/tty2.log" "$GD" quiz "$T/small.yaml" -p tty2 \
    --out "$T/tty2.json" >"$T/pty2.out" 2>&1
expect_in "Ctrl-D ends the session, exit 1 (not passed)" "$T/pty2.out" "exit 1"
check "the terminal says how many were left" grep -q "input ended: 5 questions left unanswered" "$T/tty2.log"
check "Ctrl-D: answered wrong, the rest missing" json_check "$T/tty2.json" '
st = [x["status"] for x in j["questions"]]
assert st == ["wrong", "missing", "missing", "missing", "practical", "missing"], st
assert j["total"] == 0 and j["passed"] is False
'

finish
