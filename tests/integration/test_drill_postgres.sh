#!/usr/bin/env bash
# test_drill_postgres.sh: the real database drill of scenarios/drills/lab-postgres.lua
# on a lab of two: a pg_dump of a 5000-row orders table on lab1 is restored
# into a scratch PostgreSQL on lab2 and checked by row count, content checksum
# and freshness; the scratch server is stopped and the target cleaned. A
# corrupted dump (with a fresh manifest, so verify passes) fails in pg_restore:
# exit 1, target cleaned. A drill killed mid-restore is recovered: the scratch
# server stopped, the target gone. No postgres process is left on either host.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

PLAN=$PWD/scenarios/drills/lab-postgres.lua
SETUP=$PWD/scenarios/drills/lab-postgres-setup.sh
# stops lab1's "production" cluster by its pidfile (pg_ctl reads postmaster.pid)
STOP_PROD='cd /; BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ -f /srv/pg-prod/data/postmaster.pid ]; then runuser -u postgres -- "$BIN/pg_ctl" -D /srv/pg-prod/data stop -m immediate -w -t 60; fi'
# no postgres process in the host's own PID namespace
NO_PG='! ps -e -o comm= | grep -qx postgres'
# stop_postgres: whatever a failed test left running, before the lab goes down
stop_postgres() {
	on 'lab[0]' "$STOP_PROD"
	on 'lab[1]' 'cd /; BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ -f /srv/restore/pgdata/postmaster.pid ]; then runuser -u postgres -- "$BIN/pg_ctl" -D /srv/restore/pgdata stop -m immediate -w -t 60; fi'
}

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! id postgres >/dev/null 2>&1; then
	echo "needs PostgreSQL (apt-get install postgresql)"; bad "postgresql installed"; finish
fi
lab_up 2 --srv-size 256
at_exit stop_postgres

echo "-- lab1: a small production cluster, its pg_dump in a tar.gz with SHA256SUMS"
on 'lab[0]' "$(cat "$SETUP")" >"$T/setup.out"
RC=$?
expect_rc "setup" 0
sed 's/^/      /' "$T/setup.out"
check "backup made" on 'lab[0]' 'ls /srv/backups/shop-*.tar.gz >/dev/null && test -s /srv/backups/SHA256SUMS'
check "production cluster on a unix socket only" on 'lab[0]' 'test -S /srv/pg-prod/.s.PGSQL.5432 && ! (ss -ltn 2>/dev/null | grep -q ":5432 ")'

echo "-- the drill: restored into a scratch server on lab2, checked, torn down"
run_cmd $O $E "$GD" drill "$PLAN" -i "$INV" --state-dir "$STATE" --json
expect_rc "postgres drill passes" 0
expect_in "verdict pass" $O '"verdict": "pass"'
J() { python3 -c "import json,sys; r=json.load(open('$O')); sys.exit(0 if ($1) else 1)"; }
P() { J "[p for p in r['probes'] if p['name'].startswith('$1') and p['ok']]"; }
check "row count probe ok" P "row count"
check "row count is 5000" J "[p for p in r['probes'] if p['name']=='row count' and p['detail'].startswith('5000 rows, 5000 at backup')]"
check "content checksum probe ok" P "content checksum"
check "freshness probe ok, newest row ~90 min old" J "[p for p in r['probes'] if p['name'].startswith('freshness') and p['ok'] and 5300 <= int(p['detail'].split()[0]) <= 5700]"
check "restore hook ok" J "r['restore']['ok'] and r['restore']['host']=='lab2'"
check "teardown ok" J "r['teardown']['ok']"
check "phases incl. restore_ms, RTO" J "all(k in r['phases'] for k in ('stream_ms','restore_ms','probes_ms','teardown_ms','cleanup_ms')) and r['rto_ms'] >= r['phases']['restore_ms'] > 0 and r['objectives']['rto_met'] and r['objectives']['rpo_met']"
check "RPO from the name's time" J "r['backup']['age_from']=='name' and r['backup']['age_ms'] < 600000 and r['target']['cleaned']"
check "scratch server stopped on lab2" on 'lab[1]' "$NO_PG"
check "/srv/restore gone on lab2" on 'lab[1]' '! test -e /srv/restore'
run_cmd $O $E "$GD" drill "$PLAN" -i "$INV" --state-dir "$STATE"
expect_rc "text report" 0
expect_in "text shows the restore" $O 'restore: lab2: ok'
expect_in "text shows the RTO" $O 'RTO:'
expect_in "text shows the restore phase" $O 'restore '
run_cmd $O $E "$GD" drill "$PLAN" -i "$INV" --state-dir "$STATE" --dry-run
expect_rc "dry run" 0
expect_in "dry run shows the hook" $O 'pg_restore'
check "dry run made no target" on 'lab[1]' '! test -e /srv/restore'

echo "-- a corrupted dump, re-packed with a fresh manifest: verify passes, pg_restore fails"
on 'lab[0]' 'set -e; rm -rf /srv/corrupt /srv/cstage; mkdir -p /srv/corrupt /srv/cstage
A=$(ls -1t /srv/backups/shop-*.tar.gz | head -n 1)
tar xzf "$A" -C /srv/cstage
python3 - <<PY
p = "/srv/cstage/shop.dump"
b = bytearray(open(p, "rb").read())
for i in range(len(b) // 2, len(b) // 2 + 64): b[i] ^= 0xFF
open(p, "wb").write(bytes(b))
PY
(cd /srv/cstage && sha256sum shop.dump expected.txt > /srv/corrupt/SHA256SUMS)
tar czf /srv/corrupt/$(basename "$A") -C /srv/cstage shop.dump expected.txt; rm -rf /srv/cstage' >"$T/corrupt.out" 2>&1
sed "s|/srv/backups/shop-|/srv/corrupt/shop-|" "$PLAN" >"$T/corrupt.lua"
run_cmd $O $E "$GD" drill "$T/corrupt.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "corrupted dump fails" 1
check "verify passed (fresh manifest)" J "r['verify']['verified'] and not r['verify']['mismatched']"
check "restore hook failed" J "r['restore']['ok'] is False and 'restore hook failed' in r['error']"
expect_in "pg_restore's error reported" $O 'pg_restore: error'
check "teardown still ran" J "r['teardown']['ok']"
check "target cleaned after the failure" on 'lab[1]' '! test -e /srv/restore'
check "no scratch server after the failure" on 'lab[1]' "$NO_PG"

echo "-- a drill killed mid-restore, then recovered: server stopped, target gone"
sed 's|echo "restored shop|sleep 60; echo "restored shop|' "$PLAN" >"$T/slow.lua"
"$GD" drill "$T/slow.lua" -i "$INV" --state-dir "$STATE" -q >"$T/slow.out" 2>&1 &
DPID=$!
for _ in $(seq 1 120); do
	on 'lab[1]' 'test -f /srv/restore/pgdata/postmaster.pid && ps -e -o comm= | grep -qx sleep' >/dev/null && break
	sleep 0.25
done
check "scratch server up mid-restore" on 'lab[1]' 'test -f /srv/restore/pgdata/postmaster.pid'
kill -KILL "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null
RC=$?
if [ "$RC" -eq 137 ]; then ok "drill killed"; else bad "drill killed: exit $RC"; fi
run_cmd $O $E "$GD" recover --state-dir "$STATE"
expect_rc "recover" 0
check "target gone after recover" on 'lab[1]' '! test -e /srv/restore'
check "scratch server stopped by recover" on 'lab[1]' "$NO_PG"

echo "-- a pg_dump -Fc file and a pg_basebackup -Ft -z of the same cluster"
on 'lab[0]' "$(cat "$PWD/scenarios/drills/lab-pg-more-setup.sh")" >"$T/more.out"
RC=$?
expect_rc "pg_dump and pg_basebackup made" 0
run_cmd $O $E "$GD" drill "$PWD/scenarios/drills/lab-pgdump.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "pg_dump -Fc drill passes" 0
check "one file, its whole hash against \${name}.sha256, pg_restore'd, 5000 rows" python3 -c "import json,sys; r=json.load(open('$O')); v=r['verify']; sys.exit(0 if v['files']==1 and v['whole']==1 and r['restore']['ok'] and r['probes'][0]['ok'] else 1)"
run_cmd $O $E "$GD" drill "$PWD/scenarios/drills/lab-pg-basebackup.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "pg_basebackup drill passes" 0
check "three parts; base.tar checked against backup_manifest; pg_verifybackup, server started, 5000 rows" python3 -c "import json,sys; r=json.load(open('$O')); p=r['stream']['parts']; sys.exit(0 if len(p)==3 and p[0]['manifest'].endswith('backup_manifest') and r['verify']['files']>1000 and not r['verify']['missing'] and not r['verify']['extra'] and r['restore']['ok'] and r['probes'][0]['ok'] else 1)"
on 'lab[0]' 'cd /srv/pgbase && d=$(ls | head -1) && sed -i "s/\"Checksum\": \"\(.\)/\"Checksum\": \"0/" $d/backup_manifest' >/dev/null
run_cmd $O $E "$GD" drill "$PWD/scenarios/drills/lab-pg-basebackup.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "a damaged backup_manifest fails" 1
expect_in "its own checksum says so" $O 'Manifest-Checksum does not match'
check "target cleaned" on 'lab[1]' '! test -e /srv/restore'
check "no scratch server left on lab2" on 'lab[1]' "$NO_PG"

echo "-- the production cluster stopped by its pidfile; no postgres left anywhere"
on 'lab[0]' "$STOP_PROD" >/dev/null
RC=$?
expect_rc "lab1 cluster stopped by its pidfile" 0
check "no postgres on lab1" on 'lab[0]' "$NO_PG"
check "no postgres on lab2" on 'lab[1]' "$NO_PG"

finish
