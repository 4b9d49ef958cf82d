#!/usr/bin/env bash
# test_drill.sh: gameday drill on a lab of two: a backup on lab1 restored to
# lab2 and verified, a manifest that does not match, a hostile archive refused
# with nothing written outside the target, and a killed drill recovered.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

lab_up 2

# plan NAME GLOB [PICK_EXTRA]: writes $T/NAME.lua restoring GLOB to lab2:/srv/restore
plan() {
	cat >"$T/$1.lua" <<PLAN
return gameday.drill {
  id = "rad-$1", title = "Restore $1",
  backup = { on = "lab[0]", glob = "$2", pick = "newest"${3:+, $3} },
  target = { on = "lab[1]", dir = "/srv/restore", clean = true },
  verify = {
    probe.exec { name = "files restored", on = "target", cmd = "find /srv/restore -type f | wc -l", min = 4 },
    probe.exec { name = "content", on = "target", cmd = "cat /srv/restore/f2.txt", match = "^file 2" },
  },
  objectives = { rto = "30m", rpo = "26h" },
}
PLAN
}

echo "-- a backup on lab1, with its manifest"
on 'lab[0]' 'set -e; mkdir -p /srv/src/sub /srv/backups /srv/bad /srv/evil
for i in 1 2 3; do echo "file $i" > /srv/src/f$i.txt; done
head -c 300000 /dev/urandom > /srv/src/sub/bin.dat
cd /srv/src && find . -type f | sed "s|^./||" | sort | xargs sha256sum > /srv/backups/SHA256SUMS
tar czf /srv/backups/app-1.tar.gz -C /srv/src .
touch -d "3 hours ago" /srv/backups/app-1.tar.gz
cp /srv/backups/app-1.tar.gz /srv/bad/app-2.tar.gz
sed "s/^[0-9a-f]/0/" /srv/backups/SHA256SUMS > /srv/bad/SHA256SUMS' >"$T/setup.out"
check "backup made" on 'lab[0]' 'test -s /srv/backups/app-1.tar.gz'

echo "-- a good drill: pass, RPO from the mtime, every entry verified, target cleaned"
plan good /srv/backups/app-*.tar.gz 'manifest = "SHA256SUMS"'
# files restored are seen by a probe that records them before cleanup
sed -i 's|cmd = "cat /srv/restore/f2.txt"|cmd = "cat /srv/restore/f2.txt; cp -r /srv/restore /srv/seen"|' "$T/good.lua"
run_cmd $O $E "$GD" drill "$T/good.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "good drill passes" 0
expect_in "verdict pass" $O '"verdict": "pass"'
check "age ~ 3 h (RPO)" python3 -c "import json,sys; a=json.load(open('$O'))['backup']['age_ms']; sys.exit(0 if 3*3600e3-5e3 <= a <= 3*3600e3+120e3 else 1)"
check "6 entries, 4 files, nothing missing" python3 -c "import json,sys; v=json.load(open('$O'))['verify']; sys.exit(0 if v['entries']==6 and v['files']==4 and not v['missing'] and not v['mismatched'] and not v['extra'] else 1)"
check "phases and RTO timed" python3 -c "import json,sys; r=json.load(open('$O')); p=r['phases']; o=r['objectives']; sys.exit(0 if p['stream_ms']>=0 and p['probes_ms']>=0 and p['cleanup_ms']>=0 and r['rto_ms']>0 and o['rto_met'] and o['rpo_met'] and o['rpo_ms']==26*3600000 else 1)"
check "files really restored on lab2" on 'lab[1]' 'cmp /srv/seen/f2.txt - <<< "file 2" && test "$(stat -c %s /srv/seen/sub/bin.dat)" = 300000'
check "target cleaned" on 'lab[1]' '! test -e /srv/restore'
run_cmd $O $E "$GD" drill "$T/good.lua" -i "$INV" --state-dir "$STATE"
expect_in "text report shows RTO" $O 'RTO:'
expect_in "text report shows RPO" $O '(RPO)'
run_cmd $O $E "$GD" drill "$T/good.lua" -i "$INV" --state-dir "$STATE" --dry-run
expect_rc "dry run" 0
expect_in "dry run names the stream" $O "cat -- '/srv/backups/app-1.tar.gz'"
check "dry run made no target" on 'lab[1]' '! test -e /srv/restore'
on 'lab[1]' 'rm -rf /srv/seen' >/dev/null

echo "-- objectives: an RPO of 1 h is missed"
sed 's/rpo = "26h"/rpo = "1h"/' "$T/good.lua" >"$T/rpo.lua"
run_cmd $O $E "$GD" drill "$T/rpo.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "RPO missed fails" 1
expect_in "rpo_met false" $O '"rpo_met": false'

echo "-- a manifest that does not match: exit 1, target cleaned"
plan mismatch /srv/bad/app-*.tar.gz 'manifest = "SHA256SUMS"'
run_cmd $O $E "$GD" drill "$T/mismatch.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "mismatch fails" 1
expect_in "mismatch reported" $O 'does not match its manifest'
check "target cleaned after mismatch" on 'lab[1]' '! test -e /srv/restore'

echo "-- a hostile archive: refused, nothing outside the target"
on 'lab[0]' "python3 - <<'PY'
import io, tarfile
with tarfile.open('/srv/evil/evil-1.tar.gz', 'w:gz') as t:
    for name, data in (('ok.txt', b'fine\n'), ('../evil', b'pwned\n')):
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
PY" >/dev/null
plan evil /srv/evil/*.tar.gz
run_cmd $O $E "$GD" drill "$T/evil.lua" -i "$INV" --state-dir "$STATE" --json
if [ "$RC" -eq 1 ] || [ "$RC" -eq 2 ]; then ok "hostile archive refused (exit $RC)"; else bad "hostile archive: exit $RC"; cat $O $E | head; fi
expect_in "refusal names the entry" $O '../evil'
check "nothing written outside the target" on 'lab[1]' '! test -e /srv/evil && ! test -e /evil && ! test -e /srv/restore'

echo "-- a drill killed mid-way, then recovered"
# records: 1 run, 2 intent, 3 restored (the stream is done, the target full)
(GAMEDAY_KILL_AFTER=3 "$GD" drill "$T/good.lua" -i "$INV" --state-dir "$STATE" >$O 2>$E; exit $?) 2>/dev/null
RC=$?
if [ "$RC" -eq 137 ]; then ok "drill killed"; else bad "drill killed: exit $RC"; fi
check "killed drill left its target" on 'lab[1]' 'test -e /srv/restore/f1.txt'
run_cmd $O $E "$GD" recover --state-dir "$STATE"
expect_rc "recover" 0
check "target gone after recover" on 'lab[1]' '! test -e /srv/restore'

echo "-- bad plans and unreachable hosts"
printf 'return gameday.drill { id = "x", title = "x", backup = { on = "lab[0]", glob = "/srv/*/x.tgz" }, target = { on = "lab[1]", dir = "/" } }\n' >"$T/badplan.lua"
run_cmd $O $E "$GD" drill "$T/badplan.lua" -i "$INV" --state-dir "$STATE"
expect_rc "bad plan" 2
echo "-- metrics for node_exporter's textfile collector"
run_cmd $O $E "$GD" drill "$T/good.lua" -i "$INV" --state-dir "$STATE" --metrics "$T/drill.prom" -q
expect_rc "drill with --metrics" 0
expect_in "last success written" "$T/drill.prom" 'gameday_drill_last_success_timestamp_seconds{drill="'
expect_in "RTO written" "$T/drill.prom" "gameday_drill_rto_seconds"
run_cmd $O $E "$GD" drill "$T/mismatch.lua" -i "$INV" --state-dir "$STATE" --metrics "$T/never.prom" -q
expect_in "a drill that never passed exports a last success of 0" "$T/never.prom" 'gameday_drill_last_success_timestamp_seconds{drill="rad-mismatch"} 0'
expect_in "the RPO objective is exported" "$T/drill.prom" 'gameday_drill_rpo_objective_seconds{drill="rad-good"} 93600'
run_cmd $O $E "$GD" drill "$T/good.lua" -i "$INV" --state-dir "$STATE" --metrics "$T/no/such/dir/x.prom" -q
expect_rc "a metrics file that cannot be written leaves a passing drill at 0" 0
expect_in "and says so" $E 'metrics: not written'
echo "-- the shipped alerting rules"
if command -v promtool >/dev/null; then
	check "promtool accepts the textfile" bash -c "promtool check metrics < '$T/drill.prom'"
	check "promtool check rules" promtool check rules scenarios/alerts/gameday-drills.rules.yml
	check "promtool test rules" promtool test rules scenarios/alerts/gameday-drills.test.yml
else
	skip "promtool checks of the textfile and the alert rules: promtool is not installed"
fi

finish
