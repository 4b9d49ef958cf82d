#!/usr/bin/env bash
# test_reports_more.sh: reports of readiness checks and wheel sessions into a
# real doc repo (git log, git show), and the Prometheus textfiles of
# readiness, exec and verify (promtool check metrics).
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

DOCS=$T/docs
export GIT_CONFIG_NOSYSTEM=1 HOME=$T/home
mkdir -p "$HOME" "$T/H"
git init -q "$DOCS"
git -C "$DOCS" config user.name "Doc Owner"
git -C "$DOCS" config user.email "owner@example.com"
echo "# docs" >"$DOCS/README.md"
git -C "$DOCS" add README.md
git -C "$DOCS" commit -qm init

promcheck() {   # NAME FILE
	if ! command -v promtool >/dev/null; then bad "$1: promtool not installed"; return; fi
	if promtool check metrics <"$2" >"$T/prom.out" 2>&1; then ok "$1: promtool"; else
		bad "$1: promtool"; sed 's/^/      | /' "$T/prom.out" "$2" | head -30; fi
}

echo "-- readiness --docs --metrics"
"$GD" quiz scenarios/banks/oncall.yaml --participant dana \
    --answers scenarios/answers/oncall-sample.yaml --out "$T/H/dana.json" >/dev/null 2>&1
check "quiz result for the history" test -s "$T/H/dana.json"
run_cmd $O $E "$GD" readiness dana --profile scenarios/readiness.yaml --history "$T/H" \
    --docs "$DOCS" --metrics "$T/ready.prom"
expect_rc "readiness: not ready (no drills)" 1
expect_in "readiness prints its verdict" $O "NOT READY"
D=$(date -u +%F)
MD=$DOCS/internal-tests/readiness/$D-dana.md
check "readiness report written" test -f "$MD"
check "readiness JSON twin" python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
assert r["name"]=="dana" and r["ready"] is False and r["missing"]==2 and r["total"]==7, r
assert any(q["kind"]=="bank" and q["ok"] and q["value"]>70 for q in r["requirements"])' \
    "$DOCS/internal-tests/readiness/$D-dana.json"
expect_in "report: verdict" "$MD" "| Verdict | **NOT READY** |"
expect_in "report: a requirement ok with its figures" "$MD" "| bank oncall | ok | bank oncall: 79.5% >= 70% |"
expect_in "report: a requirement missing" "$MD" "| drills live | **missing** | live drills in 90 days: 0 of 1 |"
expect_in "index row" "$DOCS/internal-tests/readiness/README.md" \
    "| $D | dana | pre-oncall | NOT READY | 2 of 7 | [report]($D-dana.md) |"
git -C "$DOCS" log -1 --format='%an <%ae>%n%s' >$O
expect_in "commit author from git config" $O "Doc Owner <owner@example.com>"
expect_in "commit message" $O "gameday: readiness of dana against pre-oncall: NOT READY (2 of 7 missing)"
git -C "$DOCS" show --name-only --format= HEAD | sort >$O
printf '%s\n' "internal-tests/readiness/$D-dana.json" "internal-tests/readiness/$D-dana.md" \
    internal-tests/readiness/README.md >$T/want
check "the commit holds only its own files" cmp -s $O $T/want
expect_in "metrics: ready" "$T/ready.prom" 'gameday_readiness_ready{participant="dana"} 0'
expect_in "metrics: missing" "$T/ready.prom" 'gameday_readiness_missing{participant="dana"} 2'
promcheck "readiness metrics" "$T/ready.prom"

echo "-- a second check the same day, --author"
run_cmd $O $E "$GD" readiness dana --profile scenarios/readiness.yaml --history "$T/H" \
    --docs "$DOCS" --author "Gate Keeper <gate@example.com>"
expect_rc "readiness again" 1
check "a second report, -2" test -f "$DOCS/internal-tests/readiness/$D-dana-2.md"
git -C "$DOCS" log -1 --format='%an' >$O
expect_in "--author used" $O "Gate Keeper"
check "index: newest first" python3 -c 'import sys
rows=[l for l in open(sys.argv[1]) if l.startswith("| 2")]
assert len(rows)==2 and "-2.md" in rows[0], rows' "$DOCS/internal-tests/readiness/README.md"

echo "-- refusal on a dirty path"
echo "local edit" >>"$DOCS/internal-tests/readiness/README.md"
N=$(git -C "$DOCS" rev-list --count HEAD)
run_cmd $O $E "$GD" readiness dana --profile scenarios/readiness.yaml --history "$T/H" --docs "$DOCS"
expect_rc "refused: exit 3" 3
check "refused: no commit" test "$(git -C "$DOCS" rev-list --count HEAD)" = "$N"
check "refused: the edit kept" grep -q "local edit" "$DOCS/internal-tests/readiness/README.md"
git -C "$DOCS" checkout -q -- internal-tests/readiness/README.md

echo "-- wheel --tabletop --docs"
run_cmd $O $E "$GD" wheel --catalog scenarios --seed 7 --tabletop --docs "$DOCS"
expect_rc "wheel tabletop" 0
expect_in "wheel still prints the tabletop" $O "== tabletop:"
SCN=$(sed -n 's/^scenario: \([^:]*\):.*/\1/p' $O)
WHO=$(sed -n 's/^participant: \([^ ]*\) .*/\1/p' $O)
WMD=$DOCS/ha-tests/wheel/$D-$SCN.md
check "wheel report written ($SCN)" test -n "$SCN" -a -f "$WMD"
expect_in "wheel report: seed" "$WMD" "| Seed | 7 "
expect_in "wheel report: participant" "$WMD" "| Participant | $WHO |"
expect_in "wheel report: narrative" "$WMD" "## Narrative"
expect_in "wheel report: injects" "$WMD" "## Injects"
expect_in "wheel report: hints" "$WMD" "## Hints"
expect_in "wheel report: questions" "$WMD" "## Debrief questions"
check "wheel JSON twin" python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
assert r["seed"]==7 and r["scenario"]==sys.argv[2] and r["participant"]==sys.argv[3], r
t=r["tabletop"]; assert "narrative" in t and "injects" in t and "hints" in t and len(t["questions"])>0, t' \
    "$DOCS/ha-tests/wheel/$D-$SCN.json" "$SCN" "$WHO"
expect_in "wheel index row" "$DOCS/ha-tests/wheel/README.md" "| $D | $SCN | $WHO | tabletop | 7 | [report]($D-$SCN.md) |"
git -C "$DOCS" log -1 --format=%s >$O
expect_in "wheel commit message" $O "gameday: wheel tabletop, $WHO plays $SCN (seed 7)"
git -C "$DOCS" show --name-only --format= HEAD | sort >$O
printf '%s\n' "ha-tests/wheel/$D-$SCN.json" "ha-tests/wheel/$D-$SCN.md" ha-tests/wheel/README.md >$T/want
check "wheel commit holds only its own files" cmp -s $O $T/want
check "the same seed picks the same ($SCN)" sh -c "'$GD' wheel --catalog scenarios --seed 7 --json | grep -q '\"scenario\": \"$SCN\"'"
check "git fsck" git -C "$DOCS" fsck --no-progress

echo "-- verify --metrics"
mkdir -p "$T/data/d"
echo hello >"$T/data/a.txt"; echo world >"$T/data/d/b.txt"
tar -C "$T/data" -czf "$T/good.tar.gz" a.txt d
run_cmd $O $E "$GD" verify "$T/good.tar.gz" --metrics "$T/verify.prom" -q
expect_rc "verify a good archive" 0
expect_in "verify: success" "$T/verify.prom" "gameday_verify_success{archive=\"$T/good.tar.gz\"} 1"
expect_in "verify: entries" "$T/verify.prom" "gameday_verify_entries{archive=\"$T/good.tar.gz\"} 3"
expect_in "verify: bytes" "$T/verify.prom" "gameday_verify_bytes{archive=\"$T/good.tar.gz\"} 12"
expect_in "verify: timestamp" "$T/verify.prom" "gameday_verify_last_timestamp_seconds{archive="
promcheck "verify metrics" "$T/verify.prom"
head -c 100 "$T/good.tar.gz" >"$T/cut.tar.gz"
run_cmd $O $E "$GD" verify "$T/cut.tar.gz" --metrics "$T/cut.prom" -q
expect_rc "verify a truncated archive" 2
expect_in "verify: failure is 0" "$T/cut.prom" "gameday_verify_success{archive=\"$T/cut.tar.gz\"} 0"
promcheck "verify failure metrics" "$T/cut.prom"

echo "-- exec --metrics (lab)"
lab_up 2
run_cmd $O $E "$GD" exec -i "$INV" lab -q --metrics "$T/exec.prom" -- 'test "$(hostname)" != lab2'
expect_rc "exec: one host fails" 1
expect_in "exec: hosts total" "$T/exec.prom" 'gameday_exec_hosts{pattern="lab"} 2'
expect_in "exec: failed" "$T/exec.prom" 'gameday_exec_hosts_failed{pattern="lab"} 1'
expect_in "exec: unreachable" "$T/exec.prom" 'gameday_exec_hosts_unreachable{pattern="lab"} 0'
expect_in "exec: duration" "$T/exec.prom" 'gameday_exec_duration_seconds{pattern="lab"} '
promcheck "exec metrics" "$T/exec.prom"
check "no temp file left" sh -c "! ls '$T' | grep -q '^\\.exec.prom\\|exec.prom.'"

finish
