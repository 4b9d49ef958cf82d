#!/usr/bin/env bash
# test_history.sh: `gameday history` on a fixture doc repo (per-scenario
# distributions, --json, --since, --scenario, empty and corrupt repos) and
# `gameday check --docs` on a temp repo with a complete and an incomplete runbook.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

FIX=$PWD/tests/unit/fixtures/history

echo "history on the fixture doc repo"
run_cmd "$T/out" "$T/err" "$GD" history --docs "$FIX"
expect_rc "history" 0
expect_in "nearest rank documented" "$T/out" "percentiles by nearest rank"
expect_in "web-killed header" "$T/out" "scenario web-killed: The web service is killed and must come back by itself (3 runs)"
# web-killed: TTD 1 s, 2 s, 5 s; TTR 3 s, 4 s, 10 s (from the first inject)
expect_in "web-killed detect p50/p90/max" "$T/out" "TTD      count 3  p50 2.000 s  p90 5.000 s  max 5.000 s"
expect_in "web-killed resolve p50/p90/max" "$T/out" "TTR      count 3  p50 4.000 s  p90 10.0 s  max 10.0 s"
expect_in "web-killed not live" "$T/out" "TTM      no live session mitigated"
expect_in "db-failover live mitigate" "$T/out" "TTM      count 1  p50 60.0 s  p90 60.0 s  max 60.0 s"
expect_in "overall detect" "$T/out" "TTD      count 4  p50 2.000 s  p90 30.0 s  max 30.0 s"
expect_in "drill RTO" "$T/out" "RTO      count 2  p50 10m00s  p90 15m00s  max 15m00s"
expect_in "histogram bar" "$T/out" "|######################## 1"
expect_in "a failed drill apart from the RTO" "$T/out" "failed   count 1  p50 45.0 s"
expect_in "quiz topic per month" "$T/out" "backups                      2026-11      2   50.0   50.0"
expect_not_in "no bare average" "$T/out" "mean"
if [ "$(grep -c '|' "$T/out")" -ge 8 ]; then ok "histogram lines"; else bad "histogram lines"; fi

echo "history --json"
run_cmd "$T/json" "$T/err" "$GD" history --docs "$FIX" --json
expect_rc "history --json" 0
check "json shape" python3 - "$T/json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["percentiles"] == "nearest-rank" and d["unit"] == "ms" and d["since"] is None
g = d["game_days"]
assert g["overall"]["runs"] == 4
w = g["scenarios"]["web-killed"]
assert w["runs"] == 3
assert (w["ttd"]["count"], w["ttd"]["p50"], w["ttd"]["p90"], w["ttd"]["max"]) == (3, 2000, 5000, 5000)
assert (w["ttr"]["p50"], w["ttr"]["max"]) == (4000, 10000)
assert w["ttm"] == {"count": 0}
assert sum(b["count"] for b in w["ttd"]["histogram"]) == 3 and len(w["ttd"]["histogram"]) == 8
db = g["scenarios"]["db-failover"]
assert (db["ttd"]["p50"], db["ttm"]["p50"], db["ttr"]["p50"]) == (30000, 60000, 120000)
r = d["drills"]["drills"]["pg-nightly"]["rto"]
assert (r["count"], r["p50"], r["p90"], r["max"]) == (2, 600000, 900000, 900000)
# the failed drill's 45 s is kept apart, not in the RTO
assert d["drills"]["drills"]["pg-nightly"]["runs"] == 3
assert d["drills"]["drills"]["pg-nightly"]["failed"]["max"] == 45000
# every histogram runs from the minimum to the maximum, its labels distinct
def hists(o):
    if isinstance(o, dict):
        if "histogram" in o:
            yield o
        for v in o.values():
            yield from hists(v)
for h in hists(d):
    b = h["histogram"]
    assert b[0]["from"] == h["min"] and b[-1]["to"] == h["max"], h
    assert all(x["to"] == y["from"] for x, y in zip(b, b[1:]))
    assert len({x["from"] for x in b}) == len(b) and sum(x["count"] for x in b) == h["count"]
b = d["quizzes"]["topics"]["backups"]
assert [(m["month"], m["count"], m["p50"], m["min"]) for m in b] == [("2026-10", 1, 75, 75), ("2026-11", 2, 50, 50)]
assert d["quizzes"]["count"] == 3
PY

echo "history --since and --scenario"
run_cmd "$T/since" "$T/err" "$GD" history --docs "$FIX" --since 2026-11-05 --json
expect_rc "--since" 0
check "--since drops older results" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["since"] == "2026-11-05"
assert d["game_days"]["scenarios"]["web-killed"]["runs"] == 1
assert d["game_days"]["scenarios"]["web-killed"]["ttd"]["p50"] == 5000
assert d["drills"]["overall"]["runs"] == 0
assert d["quizzes"]["count"] == 1
' "$T/since"
run_cmd "$T/out" "$T/err" "$GD" history --docs "$FIX" --scenario db-failover
expect_rc "--scenario" 0
expect_not_in "--scenario keeps only db-failover" "$T/out" "web-killed"
run_cmd "$T/out" "$T/err" "$GD" history --docs "$FIX" --since 2027-01-01
expect_rc "--since after everything" 1
expect_in "--since after everything: message" "$T/err" "no results in $FIX since 2027-01-01"
run_cmd "$T/out" "$T/err" "$GD" history --docs "$FIX" --since 5.11.2026
expect_rc "bad --since" 2
expect_in "bad --since: message" "$T/err" "want a date YYYY-MM-DD"

echo "history: empty and corrupt doc repos"
mkdir -p "$T/empty/ha-tests"
run_cmd "$T/out" "$T/err" "$GD" history --docs "$T/empty"
expect_rc "empty doc repo" 1
expect_in "empty: message" "$T/err" "gameday: no results in $T/empty"
mkdir -p "$T/corrupt"
cp -R "$FIX/." "$T/corrupt/"
printf '{"scenario": {"id": "x"},\n "verdict": pass}\n' >"$T/corrupt/ha-tests/2026-11-30-x.json"
run_cmd "$T/out" "$T/err" "$GD" history --docs "$T/corrupt"
expect_rc "corrupt twin" 2
expect_in "corrupt: names the file" "$T/err" "$T/corrupt/ha-tests/2026-11-30-x.json: line 2"
run_cmd "$T/out" "$T/err" "$GD" history --help
expect_rc "--help" 0
expect_in "--help teaches nearest rank" "$T/out" "nearest-rank"

echo "check --docs"
mkdir -p "$T/docs/runbooks"
cat >"$T/docs/runbooks/db.md" <<'MD'
# Database runbook

## Summary
## Service SLA
## Escalation path
Incident workflow
-----------------
## Monitoring
## Alerts
## Postmortems
Doc
===
MD
cat >"$T/docs/runbooks/web.md" <<'MD'
# Summary
# Service SLA
# Incident workflow
# Monitoring
```
# Alerts
# Escalation path
```
# Postmortems
# Doc
MD
run_cmd "$T/out" "$T/err" "$GD" check --docs "$T/docs"
expect_rc "check --docs with an incomplete runbook" 2
expect_in "names the missing sections" "$T/out" "runbooks/web.md: missing sections: Escalation path, Alerts"
expect_not_in "complete runbook not listed" "$T/out" "runbooks/db.md"
printf '\n## Escalation path\n## Alerts\n' >>"$T/docs/runbooks/web.md"
run_cmd "$T/out" "$T/err" "$GD" check --docs "$T/docs"
expect_rc "check --docs, all complete" 0
printf 'Summary\nOwner\n' >"$T/docs/.gameday-runbook-template"
run_cmd "$T/out" "$T/err" "$GD" check --docs "$T/docs"
expect_rc "template override" 2
expect_in "override: its sections" "$T/out" "runbooks/web.md: missing sections: Owner"
rm "$T/docs/.gameday-runbook-template"
# a scenario's runbook and a bank's remedies must resolve in the doc repo, anchor and all
printf '# Web\n\n## Restart it\n' >"$T/docs/runbooks/web.md.new"
cat "$T/docs/runbooks/web.md" >>"$T/docs/runbooks/web.md.new" && mv "$T/docs/runbooks/web.md.new" "$T/docs/runbooks/web.md"
run_cmd "$T/out" "$T/err" "$GD" check scenarios/web-killed.lua --docs "$T/docs"
expect_rc "check a scenario whose runbook anchor is missing" 2
expect_in "names the anchor" "$T/out" "scenarios/web-killed.lua: runbook runbooks/web.md#restart does not resolve in $T/docs: runbooks/web.md has no section #restart"
sed -i 's/^## Restart it$/## Restart/' "$T/docs/runbooks/web.md"
run_cmd "$T/out" "$T/err" "$GD" check scenarios/web-killed.lua --docs "$T/docs"
expect_rc "once the section is there" 0
run_cmd "$T/out" "$T/err" "$GD" check scenarios/banks/oncall.yaml --docs "$T/docs"
expect_rc "a bank's remedies missing" 2
expect_in "names the remedy" "$T/out" "scenarios/banks/oncall.yaml: remedy runbooks/dns.md#servfail does not resolve in $T/docs: runbooks/dns.md is missing from the doc repo"
run_cmd "$T/out" "$T/err" "$GD" check tests/unit/fixtures/inventory/basic.yaml --docs "$T/docs"
expect_rc "check --docs with a FILE" 0
expect_in "the FILE checked too" "$T/out" "basic.yaml: ok: inventory"

finish
