#!/usr/bin/env bash
# test_readiness.sh: gameday readiness verdicts from quiz results made by
# gameday quiz and run results written by hand. Needs no lab.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

BANK=scenarios/banks/oncall.yaml
PROFILE=scenarios/readiness.yaml
H=$T/hist
mkdir -p "$H"

now_ms=$(( $(date +%s) * 1000 ))
day_ms=86400000
# result KIND FILE NAME VERDICT DAYS_AGO [EXTRA]: a game day (run) or restore drill (drill) result
result() {
	local obj='"scenario": {"id": "db-latency", "title": "t"}'
	# a restore drill as `gameday drill --json` writes it: no drill object
	[ "$1" = drill ] && obj='"id": "orders-restore", "rto_ms": 498, "backup": {"host": "lab1", "age_ms": 3600000}'
	printf '{%s, "verdict": "%s", "started": %s, "participant": "%s"%s}\n' "$obj" "$4" \
		$((now_ms - $5 * day_ms)) "$3" "${6:-}" >"$H/$2.json"
}

# alice: the sample answers (about 79%), a game day 10 days ago, a restore 30 days ago
"$GD" quiz "$BANK" --participant alice --answers scenarios/answers/oncall-sample.yaml --out "$H/alice-quiz.json" >/dev/null
result run alice-run alice pass 10
result drill alice-drill alice pass 30
# bruno: a few answers only; a failed game day, a dry run, an old one, no restore
printf 'sev-levels: a\nic-job: b\ngolden-signals: latency, traffic, errors, saturation\n' >"$T/few.yaml"
"$GD" quiz "$BANK" --participant bruno --answers "$T/few.yaml" --out "$H/bruno-quiz.json" >/dev/null
result run bruno-fail bruno fail 5
result run bruno-dry bruno pass 5 ', "dry_run": true'
result run bruno-old bruno pass 200
# dana: a good result last year, a poor one now: the latest counts
cp "$H/alice-quiz.json" "$H/dana-old.json"
python3 - "$H/dana-old.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["participant"] = "dana"; d["participants"] = ["dana"]; d["date"] = "2023-01-10T09:00:00Z"
d["started"] = d["ended"] = 1673341200000
json.dump(d, open(sys.argv[1], "w"))
PY
"$GD" quiz "$BANK" --participant dana --answers "$T/few.yaml" --out "$H/dana-new.json" >/dev/null
check "quiz results written" test -s "$H/alice-quiz.json" -a -s "$H/bruno-quiz.json" -a -s "$H/dana-new.json"

R() { "$GD" readiness "$@"; }

run_cmd "$O" "$E" R alice --profile "$PROFILE" --history "$H"
expect_rc "alice ready" 0
expect_in "alice: READY" "$O" "READY: alice meets all 7 requirements"
check "alice: bank ok" grep -qE "^  ok       bank oncall: [0-9.]+% >= 70%$" "$O"
expect_in "alice: live drill counted" "$O" "live drills in 90 days: 1 of 1"
expect_in "alice: restore drill counted" "$O" "restore drills in 180 days: 1 of 1"
expect_not_in "alice: nothing missing" "$O" "missing"

run_cmd "$O" "$E" R bruno --profile "$PROFILE" --history "$H"
expect_rc "bruno not ready" 1
expect_in "bruno: NOT READY" "$O" "NOT READY: bruno misses"
check "bruno: bank below the mark" grep -qE '^  missing  bank oncall: [0-9.]+% < 70%$' "$O"
check "bruno: topic below the mark" grep -qE '^  missing  topic troubleshooting: [0-9.]+% < 60%$' "$O"
expect_in "bruno: failed, dry and old game days do not count" "$O" "missing  live drills in 90 days: 0 of 1"
expect_in "bruno: no restore" "$O" "missing  restore drills in 180 days: 0 of 1"

run_cmd "$O" "$E" R carol --profile "$PROFILE" --history "$H"
expect_rc "carol, no results at all" 1
expect_in "carol: bank no result" "$O" "missing  bank oncall: no result"
expect_in "carol: topic no result" "$O" "missing  topic monitoring: no result"

run_cmd "$O" "$E" R dana --profile "$PROFILE" --history "$H"
expect_rc "dana: the latest result counts" 1
check "dana: the new result, not last year's" grep -qE '^  missing  bank oncall: [0-9.]+% < 70%$' "$O"

# a profile of its own: a topic the bank lacks, two live drills
cat >"$T/p2.yaml" <<'YAML'
profile: senior
banks: { oncall: 75% }
topics: { security: 50 }
drills: { live: { count: 2, within_days: 30 } }
YAML
run_cmd "$O" "$E" R alice --profile "$T/p2.yaml" --history "$H"
expect_rc "alice against senior" 1
check "percent with a % sign" grep -qE "^  ok       bank oncall: [0-9.]+% >= 75%$" "$O"
expect_in "topic no bank has" "$O" "missing  topic security: no result"
expect_in "two drills needed" "$O" "missing  live drills in 30 days: 1 of 2"

# bad profiles: the file and line
printf 'profile: x\nbanks:\n  oncall: lots\n' >"$T/bad1.yaml"
run_cmd "$O" "$E" R alice --profile "$T/bad1.yaml" --history "$H"
expect_rc "bad percent" 2
expect_in "bad percent: file and line" "$E" "bad1.yaml: line 3"
printf 'banks: { oncall: 70 }\ndrils: {}\n' >"$T/bad2.yaml"
run_cmd "$O" "$E" R alice --profile "$T/bad2.yaml" --history "$H"
expect_rc "unknown key" 2
expect_in "unknown key named" "$E" "bad2.yaml: line 2: unknown key 'drils'"
printf 'drills: { live: { count: 1 } }\n' >"$T/bad3.yaml"
run_cmd "$O" "$E" R alice --profile "$T/bad3.yaml" --history "$H"
expect_rc "drill without within_days" 2
expect_in "within_days named" "$E" "within_days"
run_cmd "$O" "$E" R alice --profile "$T/missing.yaml" --history "$H"
expect_rc "missing profile" 2
run_cmd "$O" "$E" R alice --history "$H"
expect_rc "no --profile" 2

# bad history: the file named
cp -r "$H" "$T/h2"
echo '{"participant": "alice", ' >"$T/h2/broken.json"
run_cmd "$O" "$E" R alice --profile "$PROFILE" --history "$T/h2"
expect_rc "broken history file" 2
expect_in "broken file named" "$E" "broken.json"
run_cmd "$O" "$E" R alice --profile "$PROFILE" --history "$T/nowhere"
expect_rc "missing history dir" 2

# the roster: a name must be on it
run_cmd "$O" "$E" R alice --profile "$PROFILE" --history "$H" --roster scenarios/roster.yaml
expect_rc "alice is on the shipped roster" 0
run_cmd "$O" "$E" R zoe --profile "$PROFILE" --history "$H" --roster scenarios/roster.yaml
expect_rc "zoe is not" 2
expect_in "zoe: named" "$E" "zoe is not a participant"

run_cmd "$O" "$E" R --help
expect_rc "--help" 0
expect_in "--help shows the profile" "$O" "within_days"

finish
