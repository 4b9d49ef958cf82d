#!/usr/bin/env bash
# test_reports.sh: a real game day with --docs, --junit and --metrics: the
# commit in a temp doc repo, its files, the validators, and a refusal when
# ha-tests/README.md has uncommitted changes.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

DOCS=$T/docs
lab_up 2 --services
mkdir "$DOCS" && git -C "$DOCS" init -q && git -C "$DOCS" config user.name "Doc Keeper" &&
	git -C "$DOCS" config user.email keeper@example.org
echo "mine" >"$DOCS/notes.md"

echo "-- a game day committed into the doc repo"
run_cmd "$O" "$E" "$GD" run scenarios/web-killed.lua -i "$INV" --state-dir "$T/state" -q \
	--docs "$DOCS" --junit "$T/junit.xml" --metrics "$T/metrics.prom"
expect_rc "run --docs" 0
git -C "$DOCS" log --format='%an|%s' >"$T/log"
expect_in "commit message" "$T/log" "Doc Keeper|gameday: ha-test web-killed: PASS (TTD"
git -C "$DOCS" show --stat --format= >"$T/show"
expect_in "show: report" "$T/show" "-web-killed.md"
expect_in "show: json twin" "$T/show" "-web-killed.json"
expect_in "show: svg" "$T/show" "-web-killed.svg"
expect_in "show: index" "$T/show" "ha-tests/README.md"
expect_not_in "show: notes.md not committed" "$T/show" "notes.md"
git -C "$DOCS" status --porcelain >"$T/status"
expect_in "notes.md left untracked" "$T/status" "?? notes.md"
check "notes.md untouched" grep -qx mine "$DOCS/notes.md"
MD=$(ls "$DOCS"/ha-tests/*-web-killed.md)
expect_in "report links the timeline" "$MD" "![timeline]("
expect_in "index row" "$DOCS/ha-tests/README.md" "| web-killed | PASS |"
check "svg well-formed" xmllint --noout "$DOCS"/ha-tests/*.svg
check "svg renders" sh -c "rsvg-convert '$(ls "$DOCS"/ha-tests/*.svg)' >/dev/null"
check "json twin parses" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "${MD%.md}.json"
check "junit well-formed" xmllint --noout "$T/junit.xml"
expect_in "junit counts" "$T/junit.xml" 'tests="5" failures="0"'
check "promtool check metrics" sh -c "promtool check metrics <'$T/metrics.prom'"

echo "-- refusal on a dirty path it would write"
echo "| my edit |" >>"$DOCS/ha-tests/README.md"
before=$(ls -R "$DOCS" | md5sum)
run_cmd "$O" "$E" "$GD" run scenarios/web-killed.lua -i "$INV" --state-dir "$T/state" -q --docs "$DOCS"
expect_rc "dirty README refused" 3
expect_in "refusal names the path" "$E" "ha-tests/README.md has uncommitted changes"
check "nothing written" test "$before" = "$(ls -R "$DOCS" | md5sum)"
check "no new commit" test "$(git -C "$DOCS" rev-list --count HEAD)" = 1
check "the edit is kept" grep -qx "| my edit |" "$DOCS/ha-tests/README.md"

echo "-- not a repository"
run_cmd "$O" "$E" "$GD" run scenarios/web-killed.lua -i "$INV" --state-dir "$T/state" -q --docs "$T"
expect_rc "not a git repo" 3
expect_in "says so" "$E" "is not a git repository"
finish
