#!/usr/bin/env bash
# test_scenarios.sh: every scenario shipped in scenarios/ runs on a lab with
# its services and ends with the verdict it should have here.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

lab_up 2 --services

run_cmd "$T/out" "$T/err" "$GD" check scenarios/*.lua
expect_rc "every shipped scenario passes gameday check" 0
run_cmd "$T/out" "$T/err" "$GD" list scenarios --state-dir "$T/state"
expect_rc "gameday list" 0
for id in web-killed web-frozen disk-full db-latency partition cpu-saturation; do
	expect_in "list shows $id" "$T/out" "$id"
done

declare -A WANT=([web-killed]=0 [web-frozen]=0 [disk-full]=0 [partition]=0 [cpu-saturation]=0 [db-latency]=3)
for id in web-killed web-frozen disk-full partition cpu-saturation db-latency; do
	run_cmd "$T/$id.json" "$T/$id.err" "$GD" run "scenarios/$id.lua" -i "$INV" --state-dir "$T/state" --json
	expect_rc "scenario $id" "${WANT[$id]}"
done
for id in web-killed web-frozen disk-full partition cpu-saturation; do
	check "$id: pass, every fault active then reverted and verified" python3 -c '
import json,sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "pass", (r["verdict"], r.get("error"))
assert r["faults"] and all(f["active"] and f["reverted"] for f in r["faults"]), r["faults"]
' "$T/$id.json"
done
check "web-killed: the kill was detected, then the service came back" python3 -c '
import json,sys
r = json.load(open(sys.argv[1]))
obs = [e for e in r["timeline"] if e["phase"] == "observe" and e["kind"] == "probe"]
assert not obs[0]["ok"] and obs[-1]["ok"], obs
' "$T/web-killed.json"
expect_in "db-latency: refused in preflight, netem named" "$T/db-latency.err" "sch_netem is not available on this kernel"
check "db-latency: nothing injected" python3 -c '
import json,sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "error" and not any(e["kind"] == "inject" for e in r["timeline"]), r
' "$T/db-latency.json"
run_cmd "$T/out" "$T/err" "$GD" list scenarios --state-dir "$T/state"
check "list shows when web-killed was last played" bash -c "grep '^web-killed' '$T/out' | grep -qv never"
finish
