#!/usr/bin/env bash
# test_wheel.sh: gameday wheel from the command line: the pick as JSON, the
# same seed giving the same pick, no repeats, the tabletop, --live without -i refused
# (live sessions on a lab: test_wheel_live.sh).
# Needs no lab.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh


mkdir -p "$T/cat" "$T/hist"
cp scenarios/db-latency.lua scenarios/disk-full.lua "$T/cat/"
cat >"$T/cat/tt.lua" <<'LUA'
return gameday.scenario {
  id = "tt", title = "Tabletop only", tags = { "network" },
  narrative = [[02:00: the pager says the login page is blank.]],
  targets = { web = "lab[0]" },
  faults = { fault.process_stop { on = "web", pidfile = "/run/web.pid", duration = "2m" } },
  injects = { { at = "1m", from = "Customer support", say = "Users cannot log in" },
    { at = "5m", from = "Your manager", say = "Do we need a status page update?" } },
  hints = { { after = "3m", cost = 2, text = "Compare the DNS answers" } },
  questions = { "What did you check first?", { text = "Whom did you page, and why?" } },
}
LUA
cat >"$T/roster.yaml" <<'YAML'
weights: { network: 1 }
participants:
  - { name: alice, oncall_start: 2024-01-08 }
  - { name: bruno }
  - { name: chen }
plays:
  - { scenario: disk-full, participant: alice, date: 2024-05-01 }
  - { scenario: db-latency, participant: bruno, date: 2024-04-01 }
YAML

W() { "$GD" wheel --roster "$T/roster.yaml" --catalog "$T/cat" "$@"; }

run_cmd "$O" "$E" W --seed 42 --json --no-repeat 0
expect_rc "wheel --json" 0
check "json has scenario, participant, seed, title" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["seed"]==42 and d["scenario"] in ("tt","db-latency","disk-full") and d["participant"]=="chen" and d["title"]' "$O"
cp "$O" "$T/first.json"
run_cmd "$O" "$E" W --seed 42 --json --no-repeat 0
# the same pick; only the envelope's times differ
check "same seed, same pick" python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for d in (a, b):
    d.pop("started"); d.pop("ended")
assert a == b and a["kind"] == "wheel" and a["participants"] == ["chen"]' "$O" "$T/first.json"

# over many seeds, nothing of the last two played is picked
seen=""
for s in $(seq 1 40); do
	W --seed "$s" --json --no-repeat 2 >"$O" 2>"$E" || break
	seen="$seen $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["scenario"])' "$O")"
done
check "no repeat of the last 2 over 40 seeds" bash -c "! echo '$seen' | grep -qE 'disk-full|db-latency'"
check "40 picks made" test "$(echo $seen | wc -w)" -eq 40

# a different seed changes the pick at least once in 20 (3 scenarios)
picks=$(for s in $(seq 1 20); do W --seed "$s" --json --no-repeat 0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["scenario"])'; done | sort -u | wc -l)
check "the seed matters" test "$picks" -gt 1

# a run result in the history counts as a play of its scenario
echo '{"scenario": {"id": "tt"}, "verdict": "pass", "started": 1735689600000, "participant": "chen"}' >"$T/hist/run1.json"
run_cmd "$O" "$E" W --seed 5 --json --no-repeat 1 --history "$T/hist"
expect_rc "wheel with history" 0
check "history's last play excluded, and counted for chen" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["scenario"]!="tt" and d["excluded"]==["tt"] and d["played"]==1' "$O"
run_cmd "$O" "$E" W --seed 1 --no-repeat 3 --history "$T/hist"
expect_rc "all scenarios excluded" 1
expect_in "says none is left" "$E" "no scenario left to pick"
echo 'not json' >"$T/hist/bad.json"
run_cmd "$O" "$E" W --seed 5 --history "$T/hist"
expect_rc "bad history" 2
expect_in "names the bad file" "$E" "bad.json"
rm "$T/hist/bad.json"

# the tabletop: only tt is left on the wheel
run_cmd "$O" "$E" W --seed 9 --no-repeat 2 --tabletop
expect_rc "tabletop" 0
expect_in "plain: seed printed" "$O" "seed: 9"
expect_in "plain: scenario" "$O" "scenario: tt: Tabletop only"
expect_in "narrative" "$O" "the pager says the login page is blank"
expect_in "first inject" "$O" "[+1m] Customer support: Users cannot log in"
expect_in "second inject" "$O" "[+5m] Your manager: Do we need a status page update?"
expect_in "hint with its cost" "$O" "[after 3m, costs 2 points] Compare the DNS answers"
expect_in "question as text" "$O" "1. What did you check first?"
expect_in "question as table" "$O" "2. Whom did you page, and why?"
expect_not_in "no animation when not a tty" "$E" $'\r'
run_cmd "$O" "$E" W --seed 9 --no-repeat 2 --tabletop --json
check "json tabletop" python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["tabletop"]; assert len(t["injects"])==2 and t["hints"][0]["cost"]==2 and len(t["questions"])==2' "$O"

run_cmd "$O" "$E" env -u GAMEDAY_INVENTORY "$GD" wheel --roster "$T/roster.yaml" --catalog "$T/cat" --live
expect_rc "--live without an inventory" 2
expect_in "--live names -i" "$E" "give -i FILE"
run_cmd "$O" "$E" W --seed -3
expect_rc "bad seed" 2
run_cmd "$O" "$E" "$GD" wheel --help
expect_rc "--help" 0
expect_in "--help explains weights" "$O" "product of its tags' weights"

# the shipped roster and catalog
run_cmd "$O" "$E" "$GD" wheel --roster scenarios/roster.yaml --seed 3 --json
expect_rc "shipped roster" 0
echo 'participants: [ { name: a, oncall_start: someday } ]' >"$T/bad-roster.yaml"
run_cmd "$O" "$E" "$GD" wheel --roster "$T/bad-roster.yaml"
expect_rc "bad roster" 2
expect_in "bad roster: file and line" "$E" "bad-roster.yaml: line 1"

finish
