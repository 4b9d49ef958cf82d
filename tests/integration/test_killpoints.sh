#!/usr/bin/env bash
# test_killpoints.sh: gameday run is SIGKILLed at every journal point (after
# each record, before each record, and halfway through writing one); then
# gameday recover must leave every host exactly as it was.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

lab_up 2

# two faults on two hosts; durations long enough that no dead-man fires
cat >"$T/two.lua" <<'EOF'
return gameday.scenario {
  id = "two-faults", title = "two faults on two hosts",
  steady_state = { probe.exec { name = "up", on = "lab", cmd = "true" } },
  faults = {
    fault.disk_fill { on = "lab[0]", path = "/srv", size = "2M", duration = "5m" },
    fault.file_move { on = "lab[1]", path = "/srv/keep", duration = "5m" },
  },
  observe = { duration = "1s", every = "1s" },
  expect = "degrade",
}
EOF
# records of a whole run: run, the two hosts' leases (intents), intent, intent,
# injected, injected, reverted, reverted, the leases freed (reverted), end
NREC=12

host_state() {
	on lab 'ls -a /srv; cat /srv/keep 2>/dev/null; ls /run/gameday 2>/dev/null; ps -eo args | grep -c "[g]ameday-"'
}
on 'lab[1]' 'echo data > /srv/keep' >/dev/null
CLEAN=$(host_state)

# one clean run first: the record count above is right
run_cmd "$T/out" "$T/err" "$GD" run "$T/two.lua" -i "$INV" --state-dir "$T/state0" -q
expect_rc "an uninterrupted run" 0
check "it writes $NREC records" test "$(cat "$T"/state0/runs/*.jsonl | wc -l)" -eq $NREC

tried=0 dirty=0
for mode in AFTER BEFORE TORN; do
	for n in $(seq 1 $NREC); do
		[ $mode = TORN ] && [ $n -eq 1 ] && continue  # nothing before the first record to tear
		state=$T/state-$mode-$n
		# a subshell, so that the shell's "Killed" notice goes nowhere
		(env GAMEDAY_KILL_$mode=$n "$GD" run "$T/two.lua" -i "$INV" --state-dir "$state" -q >"$T/out" 2>&1; exit $?) 2>/dev/null
		rc=$?
		tried=$((tried + 1))
		if [ $rc -ne 137 ]; then
			bad "kill $mode record $n: exit $rc, want 137 (SIGKILL)"
			continue
		fi
		"$GD" recover --state-dir "$state" >"$T/rec" 2>&1
		rrc=$?
		now=$(host_state)
		if [ $rrc -eq 0 ] && [ "$now" = "$CLEAN" ]; then
			ok "killed $mode record $n; recover left every host clean"
		else
			dirty=$((dirty + 1))
			bad "killed $mode record $n: recover exit $rrc, hosts:"
			diff <(echo "$CLEAN") <(echo "$now") | sed 's/^/      | /'
			sed 's/^/      recover: /' "$T/rec"
			# put the hosts back for the next kill point
			on lab 'rm -f /srv/.gameday-fill-*; for f in /srv/keep.gameday-aside-*; do [ -e "$f" ] && mv "$f" /srv/keep; done; true' >/dev/null
		fi
		journal=$(cat "$state"/runs/*.jsonl 2>/dev/null | md5sum)
		"$GD" recover --state-dir "$state" >"$T/rec2" 2>&1
		rrc=$?
		check "recover $mode $n again: harmless (exit 0, nothing written)" \
			test $rrc -eq 0 -a "$(cat "$state"/runs/*.jsonl 2>/dev/null | md5sum)" = "$journal"
	done
done
echo "kill points tried: $tried, hosts left dirty: $dirty"
check "every intent of every kill point's journal is closed: reverted and verified" python3 -c '
import glob, json, sys
left = []
for p in glob.glob(sys.argv[1] + "/state-*/runs/*.jsonl"):
    recs = [json.loads(l) for l in open(p) if l.strip() and l.endswith("\n")]
    intents = {r["seq"] for r in recs if r.get("type") == "intent"}
    done = {r["seq"] for r in recs if r.get("type") == "reverted" and r.get("ok") and r.get("verified")}
    left += ["%s: intent %s" % (p, q) for q in sorted(intents - done)]
assert not left, left
' "$T"
finish
