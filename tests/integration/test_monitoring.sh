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
