#!/usr/bin/env bash
# test_drill_sources.sh: drills of backups as teams keep them, on a lab of two,
# with the real tools: a restic snapshot and a borg archive streamed through
# the verifier (scenarios/drills/lab-restic.lua, lab-borg.lua); a target too
# small, refused before a byte is streamed; clean = false, kept even by
# recover; a 200,000-file backup checked against its 200,000-line manifest
# as `gameday verify` checks it; a drill killed -9 mid-stream for each source
# kind (command, file), then recovered.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

json() { python3 -c "import json,sys; r=json.load(open('$O')); sys.exit(0 if ($1) else 1)"; }

for t in restic borg; do
	command -v $t >/dev/null || { skip "$t is not installed (make deps)"; finish; }
done
lab_up 2 --srv-size 1400

echo "-- lab1: /srv/data in a restic repository and a borg repository"
on 'lab[0]' "$(cat scenarios/drills/lab-sources-setup.sh)" >"$T/setup.out"
RC=$?
expect_rc "setup" 0

for tool in restic borg; do
	echo "-- a $tool-sourced drill: the newest $tool backup, every file against the manifest"
	run_cmd $O $E "$GD" drill scenarios/drills/lab-$tool.lua -i "$INV" --state-dir "$STATE" --json
	expect_rc "$tool drill passes" 0
	check "$tool: 201 files verified, nothing missing or extra" json "r['verify']['files'] == 201 and not r['verify']['missing'] and not r['verify']['extra'] and r['backup']['source'] == 'command'"
	check "$tool: the probes saw the restored data" json "all(p['ok'] for p in r['probes']) and len(r['probes']) >= 1"
	check "$tool: compressed to the target (zstd)" json "r['stream']['compress'] == 'zstd' and r['stream']['bytes_out'] > 0"
	check "$tool: target cleaned" on 'lab[1]' '! test -e /srv/restore'
done

echo "-- a target too small: refused before streaming"
sed 's/size = "64M"/size = "100G"/' scenarios/drills/lab-restic.lua >"$T/big.lua"
run_cmd $O $E "$GD" drill "$T/big.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "too small fails" 1
expect_in "says why" $O 'refused before streaming'
check "nothing streamed, no target made" on 'lab[1]' '! test -e /srv/restore'

echo "-- clean = false: the target is kept, also by recover"
sed 's/clean = true/clean = false/' scenarios/drills/lab-borg.lua >"$T/keep.lua"
run_cmd $O $E "$GD" drill "$T/keep.lua" -i "$INV" --state-dir "$STATE"
expect_rc "kept drill passes" 0
expect_in "the report says it is kept" $O 'KEPT: clean = false'
run_cmd $O $E "$GD" recover --state-dir "$STATE"
check "recover left the kept target" on 'lab[1]' 'test -s /srv/restore/srv/data/etc/conf-1.txt'
on 'lab[1]' 'rm -rf /srv/restore' >/dev/null

echo "-- kill -9 mid-stream, for a command source and a file source, then recover"
# the source has sent its backup but not ended: the drill is mid-stream
sed 's|dump ${name} / --archive tar"|dump ${name} / --archive tar; sleep 60"|' scenarios/drills/lab-restic.lua >"$T/slow-cmd.lua"
on 'lab[0]' 'mkdir -p /srv/files && tar -czf /srv/files/data-1.tar.gz -C / srv/data' >/dev/null
cat >"$T/slow-file.lua" <<'PLAN'
return gameday.drill {
  id = "rad-slow-file", title = "a file source that does not end",
  backup = { on = "lab[0]", glob = "/srv/files/*.tar.gz", cmd = "cat -- ${path}; sleep 60" },
  target = { on = "lab[1]", dir = "/srv/restore" },
}
PLAN
for kind in cmd file; do
	"$GD" drill "$T/slow-$kind.lua" -i "$INV" --state-dir "$STATE" -q >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do on 'lab[1]' 'test -d /srv/restore' >/dev/null && break; sleep 0.2; done
	sleep 2  # the backup is sent; its source has not ended
	check "$kind: killed while the stream is open" kill -0 $pid
	check "$kind: the target is there" on 'lab[1]' 'test -d /srv/restore'
	kill -9 $pid; wait $pid 2>/dev/null
	run_cmd $O $E "$GD" recover --state-dir "$STATE"
	expect_rc "$kind: recover" 0
	check "$kind: target gone after recover" on 'lab[1]' '! test -e /srv/restore'
done

echo "-- a source that says nothing for 20 s (past SSH's keepalive interval) before its backup"
sed 's|cmd = "cat -- ${path}; sleep 60"|cmd = "sleep 20; cat -- ${path}"|; s|rad-slow-file|rad-quiet-file|' "$T/slow-file.lua" >"$T/quiet.lua"
run_cmd $O $E "$GD" drill "$T/quiet.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "a quiet source is waited for" 0
check "and restored" json "r['verify']['files'] == 201 and r['phases']['stream_ms'] >= 20000"

echo "-- a zip with symlinks: its central directory read first, the symlinks restored as symlinks"
on 'lab[0]' 'set -e; mkdir -p /srv/zsrc/sub /srv/zips /srv/zbad; echo hello >/srv/zsrc/sub/a.txt
ln -s sub/a.txt /srv/zsrc/link; cd /srv/zsrc && zip -qry /srv/zips/z-1.zip . && find . -type f | xargs sha256sum >/srv/zips/zips.sha256
cd /srv/zbad && ln -s ../../../etc/passwd evil && zip -qy /srv/zbad/b-1.zip evil' >/dev/null
zplan() {
	cat >"$T/$1.lua" <<PLAN
return gameday.drill {
  id = "rad-$1", title = "a zip",
  backup = { on = "lab[0]", glob = "$2"${3:+, $3} },
  target = { on = "lab[1]", dir = "/srv/restore" },
  verify = { probe.exec { name = "symlink", on = "target", cmd = "readlink \${dir}/link; cp -a \${dir} /srv/seen", match = "^sub/a.txt" } },
}
PLAN
}
zplan zip "/srv/zips/*.zip" 'manifest = "zips.sha256"'
run_cmd $O $E "$GD" drill "$T/zip.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "zip drill passes" 0
check "the symlink was a symlink on the target" on 'lab[1]' 'test -L /srv/seen/link && test "$(cat /srv/seen/link)" = hello'
check "its file verified against the manifest" json "r['verify']['files'] == 1 and not r['verify']['extra'] and not r['verify']['missing']"
on 'lab[1]' 'rm -rf /srv/seen' >/dev/null
zplan zbad "/srv/zbad/*.zip"
run_cmd $O $E "$GD" drill "$T/zbad.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "a zip symlink out of the target is refused" 2
expect_in "it says where it leads" $O 'evil: symlink to ../../../etc/passwd leads outside the archive root'
check "nothing restored" on 'lab[1]' '! test -e /srv/restore && ! test -e /srv/seen'
zplan zcmd "/srv/zips/*.zip" 'cmd = "cat -- ${path}"'
run_cmd $O $E "$GD" drill "$T/zcmd.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "a zip with symlinks from a command cannot be restored right: refused" 2
expect_in "and says why" $O 'restored as a file'
check "target cleaned" on 'lab[1]' '! test -e /srv/restore'

echo "-- 200,000 files against a 200,000-line manifest, in a drill as in verify"
on 'lab[0]' "python3 - <<'PY'
import hashlib, io, tarfile
with tarfile.open('/srv/files/many-1.tar.gz', 'w:gz', compresslevel=1) as t, open('/srv/files/many.sha256', 'w') as m:
    for i in range(200000):
        data = b'file %d\n' % i
        ti = tarfile.TarInfo('d%03d/f%06d' % (i // 1000, i)); ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
        m.write('%s  d%03d/f%06d\n' % (hashlib.sha256(data).hexdigest(), i // 1000, i))
PY" >/dev/null
cat >"$T/many.lua" <<'PLAN'
return gameday.drill {
  id = "rad-many", title = "200,000 small files",
  backup = { on = "lab[0]", glob = "/srv/files/many-*.tar.gz", manifest = "many.sha256" },
  target = { on = "lab[1]", dir = "/srv/restore" },
  verify = { probe.exec { name = "all there", on = "target", cmd = "find ${dir} -type f | wc -l", min = 200000, max = 200000 } },
}
PLAN
run_cmd $O $E "$GD" drill "$T/many.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "200k drill passes" 0
check "200,000 files verified, none missing, extra or mismatched" json "r['verify']['files'] == 200000 and not r['verify']['missing'] and not r['verify']['extra'] and not r['verify']['mismatched']"
on 'lab[0]' 'cd /srv/files && gameday_bin=x; true' >/dev/null
check "the manifest is over 1 MiB (the old capture's cut)" on 'lab[0]' 'test $(stat -c %s /srv/files/many.sha256) -gt 1048576'

finish
