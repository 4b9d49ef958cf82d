#!/usr/bin/env bash
# test_reports_drill_quiz.sh: quiz and drill reports committed into a real
# doc repo (--docs), their JUnit (xmllint) and metrics (promtool), the
# postmortem of a mismatch drill, and the refusal on a dirty path.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

DOCS=$T/docs

git init -q "$DOCS"
git -C "$DOCS" config user.name "Doc Owner"
git -C "$DOCS" config user.email "owner@example.org"
echo "mine" >"$DOCS/notes.md"

echo "-- quiz"
"$GD" quiz scenarios/banks/oncall.yaml -p "Ann Example" -a scenarios/answers/oncall-sample.yaml \
	--docs "$DOCS" --author "Quiz Master <qm@example.org>" --junit "$T/q.xml" --metrics "$T/q.prom" >"$T/q.out" 2>&1
check "quiz passes" test $? -eq 0
Q=$(ls "$DOCS"/internal-tests/*-oncall-ann-example.md 2>/dev/null | head -1)
check "quiz report" test -s "$Q"
check "quiz json twin" test -s "${Q%.md}.json"
check "quiz report: topics" grep -q '^## Scores per topic' "$Q"
check "quiz report: remedy as action, a relative link" grep -qF -- '- [ ] study [runbooks/dns.md#servfail](../runbooks/dns.md#servfail)' "$Q"
check "quiz report: a remedy missing from the doc repo is a finding" grep -qF -- '- **remedy-missing**: the remedy runbooks/dns.md#servfail (question servfail) does not resolve: runbooks/dns.md is missing from the doc repo' "$Q"
check "quiz index row" grep -q '| oncall | Ann Example | PASSED | 79.5% | 11 |' "$DOCS/internal-tests/README.md"
check "quiz commit" sh -c "git -C '$DOCS' log --format='%an|%s' | grep -qx 'Quiz Master|gameday: quiz oncall, Ann Example: 79.5% PASSED (11 gaps)'"
git -C "$DOCS" show --stat --format= >"$T/stat"
check "quiz commit: 4 files" grep -q '4 files changed' "$T/stat"
check "quiz commit: no user file" sh -c "! grep -q notes.md '$T/stat'"
check "quiz junit well-formed" xmllint --noout "$T/q.xml"
check "quiz junit: 11 failures" grep -q '<testsuite name="gameday.quiz.oncall" tests="36" failures="11"' "$T/q.xml"
check "quiz junit: failure count" test "$(grep -c '<failure' "$T/q.xml")" -eq 11
if command -v promtool >/dev/null; then
	check "quiz metrics: promtool" sh -c "promtool check metrics < '$T/q.prom'"
else
	skip "quiz metrics: promtool is not installed"
fi
check "quiz metrics: score" grep -q '^gameday_quiz_score_percent{bank="oncall",participant="Ann Example"} 79.48' "$T/q.prom"
check "quiz metrics: topic" grep -q '^gameday_quiz_topic_score_percent{bank="oncall",participant="Ann Example",topic="dns\|monitoring"}' "$T/q.prom"

echo "-- dirty path refused"
echo "| my edit |" >>"$DOCS/internal-tests/README.md"
n=$(git -C "$DOCS" rev-list --count HEAD)
"$GD" quiz scenarios/banks/oncall.yaml -p "Ann Example" -a scenarios/answers/oncall-sample.yaml \
	--docs "$DOCS" >/dev/null 2>"$T/dirty.err"
check "dirty: exit 3" test $? -eq 3
check "dirty: says so" grep -q 'internal-tests/README.md has uncommitted changes' "$T/dirty.err"
check "dirty: no commit" test "$(git -C "$DOCS" rev-list --count HEAD)" -eq "$n"
check "dirty: no second report" test "$(ls "$DOCS"/internal-tests/*.md | wc -l)" -eq 2
git -C "$DOCS" checkout -q -- internal-tests/README.md

echo "-- drills on a lab of two"
lab_up 2
on 'lab[0]' 'set -e; mkdir -p /srv/src /srv/backups /srv/bad
for i in 1 2 3; do echo "file $i" > /srv/src/f$i.txt; done
cd /srv/src && find . -type f | sed "s|^./||" | sort | xargs sha256sum > /srv/backups/SHA256SUMS
tar czf /srv/backups/app-1.tar.gz -C /srv/src .
touch -d "3 hours ago" /srv/backups/app-1.tar.gz
cp /srv/backups/app-1.tar.gz /srv/bad/app-2.tar.gz
sed "s/^[0-9a-f]/0/" /srv/backups/SHA256SUMS > /srv/bad/SHA256SUMS' >"$T/setup.out"
check "backup made" test $? -eq 0
plan() {
	cat >"$T/$1.lua" <<PLAN
return gameday.drill {
  id = "rad-$1", title = "Restore $1",
  backup = { on = "lab[0]", glob = "$2", pick = "newest", manifest = "SHA256SUMS" },
  target = { on = "lab[1]", dir = "/srv/restore", clean = true },
  verify = {
    probe.exec { name = "files restored", on = "target", cmd = "find /srv/restore -type f | wc -l", min = 3 },
  },
  objectives = { rto = "30m", rpo = "26h" },
}
PLAN
}
plan good "/srv/backups/app-*.tar.gz"
plan bad "/srv/bad/app-*.tar.gz"

"$GD" drill "$T/good.lua" -i "$INV" -q --state-dir "$T/state" --docs "$DOCS" --junit "$T/d.xml" >"$T/d.out" 2>&1
check "good drill passes" test $? -eq 0
D=$(ls "$DOCS"/restore-drills/*-rad-good.md 2>/dev/null | head -1)
check "drill report" test -s "$D"
check "drill json twin" test -s "${D%.md}.json"
check "drill report: RPO" grep -q '^| Age: the RPO | 3h0' "$D"
check "drill report: RTO row" grep -q '^| \*\*RTO\*\*' "$D"
check "drill report: verification" grep -q '^| Mismatched | 0 |' "$D"
check "drill report: objectives met" grep -q '^| RPO | 26h00m | 3h0.m | yes |' "$D"
check "drill index row" grep -q '| rad-good | PASS | .* | 3h0.m | \[report\]' "$DOCS/restore-drills/README.md"
check "drill commit" sh -c "git -C '$DOCS' log -1 --format='%an|%s' | grep -q '^Doc Owner|gameday: restore drill rad-good: PASS (RTO '"
check "drill commit: no postmortem" sh -c "! git -C '$DOCS' show --stat --format= | grep -q postmortems/"
check "drill junit well-formed" xmllint --noout "$T/d.xml"
check "drill junit: no failure" grep -q 'tests="[0-9]*" failures="0" errors="0"' "$T/d.xml"
check "drill junit: phases" sh -c "grep -c '<testcase' '$T/d.xml' | grep -qx 6"

"$GD" drill "$T/bad.lua" -i "$INV" -q --state-dir "$T/state" --docs "$DOCS" --junit "$T/b.xml" >"$T/b.out" 2>&1
check "mismatch drill fails" test $? -eq 1
git -C "$DOCS" show --stat --format= >"$T/bstat"
check "mismatch: postmortem committed" grep -q 'postmortems/.*-rad-bad.md' "$T/bstat"
check "mismatch: report committed" grep -q 'restore-drills/.*-rad-bad.md' "$T/bstat"
P=$(ls "$DOCS"/postmortems/*-rad-bad.md 2>/dev/null | head -1)
check "postmortem: data loss" grep -q 'Data loss' "$P"
check "postmortem: timeline" grep -q '^## Timeline' "$P"
check "mismatch index: FAIL first" sh -c "grep '^| 20' '$DOCS/restore-drills/README.md' | head -1 | grep -q '| rad-bad | FAIL |'"
check "mismatch junit well-formed" xmllint --noout "$T/b.xml"
check "mismatch junit: stream failure" grep -q 'does not match its manifest' "$T/b.xml"
check "user file untouched" sh -c "git -C '$DOCS' status --porcelain | grep -qx '?? notes.md'"

finish
