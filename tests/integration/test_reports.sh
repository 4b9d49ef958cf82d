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

echo "-- one TTD and one TTR in all seven outputs of this run"
cp "$O" "$T/terminal"
git -C "$DOCS" log -1 --format=%s >"$T/subject"
"$GD" history --docs "$DOCS" --json >"$T/history.json"
"$GD" history --docs "$DOCS" >"$T/history.txt"
check "TTD and TTR the same in terminal, Markdown, index, commit, JSON, SVG, metrics, history" \
	python3 - "$T/terminal" "$MD" "$DOCS/ha-tests/README.md" "$T/subject" "${MD%.md}.json" \
	"${MD%.md}.svg" "$T/metrics.prom" "$T/history.json" "$T/history.txt" <<'PY'
import json, re, sys
term, md, index, subj, twin, svg, prom, hj, ht = (open(f).read() for f in sys.argv[1:])
j = json.loads(twin)
ttd, ttr = j["ttd_ms"], j["ttr_ms"]
# from the first injection, not the run's start
first = min(f["injected_ms"] for f in j["faults"])
assert ttd == j["detected_ms"] - first and ttr == j["recovered_ms"] - first, (ttd, ttr, first)
d = re.search(r"TTD (\S+ \S+), TTM \S+, TTR (\S+ \S+) \(", term).groups()
seen = {
    "markdown": (re.search(r"\| TTD \(time to detect\) \| (.+?) \|", md).group(1),
                 re.search(r"\| TTR \(time to resolve\) \| (.+?) \|", md).group(1)),
    "index": re.search(r"\| web-killed \| PASS \| (.+?) \| (.+?) \|", index).groups(),
    "commit": re.search(r"\(TTD (.+?), TTR (.+?)\)", subj).groups(),
    "svg": (re.search(r">detected: TTD (.+?)</text>", svg).group(1),
            re.search(r">recovered: TTR (.+?)</text>", svg).group(1)),
    "history": re.search(r"TTD +count 1 +p50 (.+?)  p90.*\n(?:.*\n)*?  TTR +count 1 +p50 (.+?)  p90", ht).groups(),
}
for k, v in seen.items():
    assert tuple(v) == d, (k, v, d)
def fig(s):  # "18 ms", "2.345 s", "12.3 s" back to ms
    n, u = s.split()
    return float(n) * (1 if u == "ms" else 1000)
assert abs(fig(d[0]) - ttd) < (1 if ttd < 10000 else 50) and abs(fig(d[1]) - ttr) < (1 if ttr < 10000 else 50)
m = dict(re.findall(r"^(gameday_run_time_to_(?:detect|recover)_seconds)\{[^}]*\} (\S+)$", prom, re.M))
assert float(m["gameday_run_time_to_detect_seconds"]) == ttd / 1000
assert float(m["gameday_run_time_to_recover_seconds"]) == ttr / 1000
h = json.loads(hj)["game_days"]["scenarios"]["web-killed"]
assert h["ttd"]["p50"] == ttd and h["ttr"]["p50"] == ttr
print("TTD %s (%d ms), TTR %s (%d ms) in all outputs" % (d[0], ttd, d[1], ttr), file=sys.stderr)
PY

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
