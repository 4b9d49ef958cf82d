#!/usr/bin/env bash
# test_wheel_live.sh: `gameday wheel --live` on a lab with its services, the
# game master's keys scripted on stdin: a resolved session with its times and
# a hint, an early resolve refused then taken, a give-up (q) and the limit.
# Every session must leave the host reverted and clean. Needs root.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

lab_up 2 --services

# only web-frozen on the wheel, one participant: the pick is known
mkdir -p "$T/cat"
cp scenarios/web-frozen.lua "$T/cat/"
printf 'participants:\n  - { name: alice }\n' >"$T/roster.yaml"
live() { "$GD" wheel --live -i "$INV" --catalog "$T/cat" --roster "$T/roster.yaml" --seed 11 \
	--state-dir "$T/state" "$@"; }
thaw() { on 'lab[0]' 'kill -CONT $(cat /run/web.pid)' >/dev/null; }
clean() {
	on 'lab[0]' '! ls /run/gameday/*.deadman 2>/dev/null && [ "$(ps -o stat= -p $(cat /run/web.pid) | cut -c1)" != T ]' \
		>/dev/null
}
# result FILE PYTHON: asserts on the session's JSON result as r
result() { python3 -c "import json,sys; r = json.load(open(sys.argv[1])); $2" "$1"; }

# 1. detected, a hint, mitigated by the player's SIGCONT, resolved
{ sleep 3; echo d; sleep 1; echo h; echo m; thaw; sleep 3; echo r; } | live --json >"$O" 2>"$E"
RC=$?
expect_rc "live session resolved" 0
cp "$O" "$T/one.json"
check "json: pick, participant and seed" result "$O" \
	'assert r["scenario"]["id"] == "web-frozen" and r["participant"] == "alice" and r["seed"] == 11'
check "times: detected < mitigated <= resolved, from the first inject" result "$O" '
l = r["live"]
assert 0 < l["detected_ms"] < l["mitigated_ms"] <= l["resolved_ms"], l
assert r["detected_ms"] < r["mitigated_ms"] <= r["resolved_ms"] and r["recovered_ms"] == r["resolved_ms"]
assert l["outcome"] == "resolved" and r["verdict"] == "pass"'
check "the hint and its cost recorded" result "$O" '
l = r["live"]; assert len(l["hints"]) == 1 and l["hint_cost"] == 1 and "ps" in l["hints"][0]["text"], l'
check "the fault was active, then reverted and verified" result "$O" \
	'assert r["faults"] and all(f["active"] and f["reverted"] for f in r["faults"]), r["faults"]'
check "the marks are on the timeline" result "$O" \
	'assert [e["name"] for e in r["timeline"] if e["kind"] == "mark"] == ["detected", "mitigated", "resolved"]'
expect_in "prompt on stderr" "$E" "d detected, m mitigated, r resolved"
expect_in "hint shown on stderr" "$E" "hint 1 (costs 1)"
check "host clean afterwards" clean

# 2. r too early is refused, naming the failing probe; taken once it holds
{ sleep 3; echo r; sleep 1; thaw; sleep 3; echo r; } | live >"$O" 2>"$E"
RC=$?
expect_rc "early resolve, then resolved" 0
expect_in "early r refused" "$E" "not resolved yet: web answers /health"
expect_in "then resolved" "$E" "live: resolved at"
expect_in "text summary" "$O" "live session: resolved, played by alice"
expect_in "text: pick printed" "$O" "scenario: web-frozen"
check "host clean afterwards (2)" clean

# 3. q gives up: exit 4, reverted by the engine
{ sleep 3; echo d; sleep 1; echo q; } | live --json >"$O" 2>"$E"
RC=$?
expect_rc "q gives up" 4
check "q: aborted, outcome gave-up, fault reverted and verified" result "$O" '
assert r["verdict"] == "aborted" and r["live"]["outcome"] == "gave-up", r["live"]
assert all(f["active"] and f["reverted"] for f in r["faults"]), r["faults"]'
check "host clean after q" clean

# 4. nobody resolves: the limit ends it unresolved (exit 1), reverted
{ sleep 8; } | live --json --limit 4s >"$O" 2>"$E"
RC=$?
expect_rc "limit reached, unresolved" 1
check "limit: outcome unresolved, fault reverted" result "$O" '
assert r["live"]["outcome"] == "unresolved" and "not resolved within" in r["error"], r.get("error")
assert all(f["reverted"] for f in r["faults"])'
check "host clean after the limit" clean

# 5. on a terminal: raw single keys (no Enter), and the terminal restored
cat >"$T/tty_session.py" <<'PY'
import os, pty, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
before = termios.tcgetattr(fd)
out = b""
def read_for(secs):
    global out
    end = time.time() + secs
    while time.time() < end:
        try:
            out += os.read(fd, 4096)
        except OSError:
            return
read_for(5)
os.write(fd, b"d"); read_for(1)
os.write(fd, b"q"); read_for(15)
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
print("\nEXIT", os.waitstatus_to_exitcode(st))
PY
python3 "$T/tty_session.py" bash -c 'stty -g >"$0.before"; "$@"; rc=$?; stty -g >"$0.after"; exit $rc' "$T/stty" \
	"$GD" wheel --live -i "$INV" --catalog "$T/cat" --roster "$T/roster.yaml" --seed 11 \
	--state-dir "$T/state" >"$O" 2>&1
expect_in "tty: d taken without Enter" "$O" "live: detected at"
expect_in "tty: q gives up" "$O" "EXIT 4"
check "tty: the terminal's settings restored" cmp -s "$T/stty.before" "$T/stty.after"
check "host clean after the tty session" clean

# 6. SIGTERM during a live session: reverted, exit 4
"$GD" wheel --live -i "$INV" --catalog "$T/cat" --roster "$T/roster.yaml" --seed 11 \
	--state-dir "$T/state" --json < <(sleep 20) >"$O" 2>"$E" &
pid=$!
sleep 4
kill -TERM "$pid"
wait "$pid"
RC=$?
expect_rc "SIGTERM mid-session" 4
check "host clean after SIGTERM" clean

# usage
run_cmd "$O" "$E" env -u GAMEDAY_INVENTORY "$GD" wheel --live --catalog "$T/cat" --roster "$T/roster.yaml"
expect_rc "--live without an inventory" 2
expect_in "names -i" "$E" "give -i FILE"
run_cmd "$O" "$E" live --limit 5x
expect_rc "bad --limit" 2

finish
