#!/usr/bin/env bash
# test_monitoring.sh: `lab up --monitoring` runs the real Prometheus,
# Alertmanager and node exporters; probe.prometheus tells an empty result,
# a bad query and a dead server apart; probe.alert sees a real WebDown fire
# in Prometheus and Alertmanager; `lab down` stops every process by pid.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

M=tests/integration/monitoring
# lab up --monitoring is under test itself (its output, its exit), so no lab_up
LAB=$T/lab
at_exit "$GD" lab down --dir "$T/lab2"   # should up --rules below leave one
at_exit "$GD" lab down --dir "$LAB"

run_cmd "$T/up.out" "$T/up.err" "$GD" lab up --hosts 2 --services --monitoring --dir "$LAB"
expect_rc "lab up --monitoring" 0
if [ "$RC" -ne 0 ]; then cat "$T/up.out" "$T/up.err"; finish; fi
expect_in "up names Prometheus's URL" "$T/up.out" "Prometheus http://10.231."
expect_in "up waited for every target (2 exporters, 2 web, prometheus, alertmanager)" "$T/up.out" "6 targets up"
INV=$LAB/inventory.yaml
expect_in "the inventory has gameday_prometheus_url" "$INV" "gameday_prometheus_url: http://10.231."
run_cmd "$T/hosts.out" "$T/hosts.err" "$GD" hosts -i "$INV" lab
expect_rc "the inventory still loads" 0
expect_not_in "without warnings" "$T/hosts.err" "line"
PIDS=$(python3 -c 'import json,sys; print(" ".join(str(p["pid"]) for p in json.load(open(sys.argv[1]))["procs"]))' "$LAB/monitoring/state.json")
run_cmd "$T/st.out" "$T/st.err" "$GD" lab status --dir "$LAB"
expect_rc "lab status: hosts and monitoring up" 0
for w in node-lab1 node-lab2 prometheus alertmanager; do expect_in "status shows $w" "$T/st.out" "$w"; done
check "each exporter runs in its host's own network namespace" python3 -c '
import json, os, sys
st = json.load(open(sys.argv[1])); lab = json.load(open(sys.argv[2]))
sshd = {h["name"]: h["sshd_pid"] for h in lab["hosts"]}
for p in st["procs"]:
    if p["what"].startswith("node-"):
        h = p["what"][5:]
        assert os.readlink("/proc/%d/ns/net" % p["pid"]) == os.readlink("/proc/%d/ns/net" % sshd[h]), h
        assert os.readlink("/proc/%d/ns/pid" % p["pid"]) == os.readlink("/proc/%d/ns/pid" % sshd[h]), h
        assert os.readlink("/proc/%d/ns/net" % p["pid"]) != os.readlink("/proc/self/ns/net")
' "$LAB/monitoring/state.json" "$LAB/lab.json"

# probe.prometheus: a value per series, and each failure its own outcome
run_cmd "$T/p.json" "$T/p.err" "$GD" probe "$M/probes.lua" -i "$INV" --every 500ms --for 1s --json -q
expect_rc "probes with failures exit 1" 1
check "probe outcomes: series judged per host, empty, bad query and dead server told apart" python3 -c '
import json, sys
r = {p["name"]: p for p in json.load(open(sys.argv[1]))["probes"]}
def good(n): return r[n]["sli"]["good"] == r[n]["sli"]["samples"] == 2
assert good("nodes up") and good("empty is fine") and good("srv below 50%"), r
assert good("alert WebDown") and good("no page"), r
assert r["empty"]["first_failure"].startswith("empty result: no series"), r["empty"]
assert r["bad query"]["first_failure"].startswith("query error: bad_data"), r["bad query"]
assert r["dead server"]["first_failure"].startswith("unreachable: connect to 127.0.0.1:9 refused"), r["dead server"]
assert r["empty"]["sli"]["good"] == 0 and r["bad query"]["sli"]["good"] == 0
' "$T/p.json"

# a real WebDown: kill lab1's web service; its supervisor restarts it
on 'lab[0]' 'kill -9 $(cat /run/web.pid)' >/dev/null
t0=$(date +%s%N)
fired=
for _ in $(seq 30); do
	"$GD" probe "$M/webdown.lua" -i "$INV" --every 1s --for 1s -q >"$T/w.out" 2>"$T/w.err" && { fired=1; break; }
	sleep 0.5
done
if [ -n "$fired" ]; then
	ok "WebDown fired in Prometheus and Alertmanager, only for lab1, $(( ($(date +%s%N) - t0) / 1000000 )) ms after the kill"
else
	bad "WebDown did not fire within 30 tries:"; sed 's/^/      | /' "$T/w.out"
fi

# game days with the team's alerts: the doc repo gets the reports and the coverage page
D=$T/docs
mkdir -p "$D" && git -C "$D" init -q && git -C "$D" config user.name t && git -C "$D" config user.email t@example.com
gdrun() { local name=$1; shift; run_cmd "$T/$name.json" "$T/$name.err" "$GD" run "$@" -i "$INV" --state-dir "$T/state" --docs "$D" --json -q; }
for _ in $(seq 60); do "$GD" probe "$M/probes.lua" -i "$INV" --every 1s --for 1s -q --json 2>/dev/null |
	python3 -c 'import json,sys; r={p["name"]:p for p in json.load(sys.stdin)["probes"]}; sys.exit(0 if r["alert WebDown"]["sli"]["good"] == 1 else 1)' && break; sleep 0.5; done

run_cmd "$T/dry.out" "$T/dry.err" "$GD" run scenarios/web-killed.lua -i "$INV" --state-dir "$T/state" --dry-run -q
expect_in "a dry run names the alert it will ask Prometheus for" "$T/dry.out" "alert: alert WebDown: alerts http://10.231."
gdrun webkilled scenarios/web-killed.lua
expect_rc "web-killed with the real WebDown" 0
check "WebDown fired within 20s of the kill and cleared after the revert; TTD by monitoring beside the probes'" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
a = r["alerts"][0]
assert a["alert"] == "WebDown" and a["fired"] and a["ok"], a
assert 1000 <= a["ttd_ms"] <= 20000, a
assert a["clear_ms"] is not None and a["clear_ms"] <= 30000, a
m = r["monitoring"]
assert m["ttd_ms"] == a["ttd_ms"] and m["probes_ttd_ms"] < m["ttd_ms"], m
assert m["difference_ms"] == m["ttd_ms"] - m["probes_ttd_ms"], m
assert "WebDown" in m["rules"] and "DiskAlmostFull" in m["rules"], m
print("      TTD by monitoring %d ms, by probes %d ms" % (m["ttd_ms"], m["probes_ttd_ms"]))
' "$T/webkilled.json"
WK=$(ls "$D"/ha-tests/*web-killed*.md | head -1)
expect_in "the report has a Monitoring section" "$WK" "| by the team's alerts |"
expect_in "with the alert's row" "$WK" "| WebDown (prometheus) | firing |"

gdrun kept "$M/slo-kept.lua"
expect_rc "an SLO kept" 0
gdrun broken "$M/slo-broken.lua"
expect_rc "an SLO broken fails the run" 1
check "SLIs from the samples, the budget used" python3 -c '
import json, sys
k = json.load(open(sys.argv[1]))["slos"][0]; b = json.load(open(sys.argv[2]))["slos"][0]
assert k["ok"] and k["sli"]["samples"] >= 10 and k["sli"]["availability"] >= 95, k
assert k["budget"]["used_percent"] == 0 and "p95" in k["sli"]["latency"], k
assert not b["ok"] and b["sli"]["availability"] < 99.5 and b["sli"]["bad"] >= 3, b
# bad samples times 200ms against 0.1% of 30 days
assert abs(b["budget"]["used_percent"] - 100 * b["sli"]["bad"] * 200 / (0.001 * 30 * 86400000)) < 1e-9, b
' "$T/kept.json" "$T/broken.json"

for id in disk-full cpu-saturation partition; do
	gdrun "$id" "scenarios/$id.lua"
	expect_rc "shipped scenario $id with its alert" 0
	check "$id: its alert fired and cleared" python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); a = r["alerts"][0]
assert a["fired"] and a["ok"] and a["clear_ms"] is not None, (a, r.get("error"))
' "$T/$id.json"
done
gdrun webkilled2 scenarios/web-killed.lua
expect_rc "web-killed again" 0

# after disk-full proved DiskAlmostFull, a game day in which it stays silent
gdrun silent "$M/silent.lua"
expect_rc "a fault no alert catches fails the run" 1
check "a monitoring-failure finding names the silent alert" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
f = [f for f in r["findings"] if f["kind"] == "monitoring-failure"]
assert f and "DiskAlmostFull did not fire within 6.000 s" in f[0]["text"], r["findings"]
assert r["alerts"][0]["fired"] is False and r["alerts"][0]["ok"] is False
' "$T/silent.json"
check "and a postmortem stub" bash -c 'ls "$1"/postmortems/*monitoring-silent*.md' _ "$D"


C=$D/ha-tests/alert-coverage.md
check "the coverage page is committed" git -C "$D" cat-file -e HEAD:ha-tests/alert-coverage.md
check "expected-but-silent first, then proven" python3 -c '
import sys
t = open(sys.argv[1]).read()
i, j = t.index("## Expected, but did not fire"), t.index("## Proven")
assert i < j and "| DiskAlmostFull | monitoring-silent |" in t[i:j], t
assert "## Never proven" not in t, t  # every lab rule was tried
assert "| WebDown | web-killed |" in t[j:] and " | 2 | " in t[t.index("| WebDown | web-killed |"):], t
' "$C"
run_cmd "$T/cov.out" "$T/cov.err" "$GD" history --alerts scenarios/monitoring/lab-rules.yml --docs "$D"
expect_rc "history --alerts: DiskAlmostFull was silent at its last try" 1
expect_in "history --alerts lists it first" "$T/cov.out" "DiskAlmostFull           EXPECTED, DID NOT FIRE"
expect_in "and WebDown proven with its time to detect" "$T/cov.out" "WebDown                  proven"

run_cmd "$T/bad.out" "$T/bad.err" "$GD" lab up --hosts 1 --monitoring --rules "$M/probes.lua" --dir "$T/lab2"
expect_rc "lab up --rules with a file that is not a rule file" 3
expect_in "promtool's complaint is shown" "$T/bad.err" "promtool check rules failed"
check "and that lab is gone" test ! -e "$T/lab2"

run_cmd "$T/down.out" "$T/down.err" "$GD" lab down --dir "$LAB"
expect_rc "lab down" 0
left=
for p in $PIDS; do [ -d /proc/$p ] && ! grep -q Z /proc/$p/stat 2>/dev/null && left="$left $p"; done
check "every monitoring process is gone after down" test -z "$left"
check "the lab dir is gone" test ! -e "$LAB"
finish
