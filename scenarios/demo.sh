#!/usr/bin/env bash
# demo.sh: gameday end to end on a throwaway lab (run by `sudo make demo`).
# KEEP_LAB=1 leaves the lab up afterwards so you can play with it.
set -u
cd "$(dirname "$0")/.."
GD=./gameday
LAB=${LAB_DIR:-.lab}
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (sudo make demo): the lab makes namespaces" >&2; exit 2; }

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
step() { printf '\n%s== %s%s\n$ %s\n' "$B" "$1" "$N" "$2"; }
cleanup() {
	[ -n "${STATE:-}" ] && rm -rf "$STATE"
	[ -n "${SSH_AGENT_PID:-}" ] && kill "$SSH_AGENT_PID" 2>/dev/null
	[ -n "${FLEET:-}" ] && $GD lab down --dir "$FLEET/lab" >/dev/null 2>&1 && rm -rf "$FLEET"
	if [ "${KEEP_LAB:-0}" = 1 ]; then
		echo; echo "demo: the lab is still up: $GD exec -i $LAB/inventory.yaml lab -- uptime"
		echo "demo: remove it with: sudo $GD lab down --dir $LAB"
	else
		step "tear the lab down" "$GD lab down --dir $LAB"
		$GD lab down --dir "$LAB"
	fi
}

$GD lab down --dir "$LAB" >/dev/null 2>&1  # a lab left from an earlier demo
step "a lab of 3 hosts: namespaces, each with its own sshd, host key and a web service; a real Prometheus and Alertmanager" "$GD lab up --hosts 3 --services --srv-size 256 --monitoring --dir $LAB"
$GD lab up --hosts 3 --services --srv-size 256 --monitoring --dir "$LAB" || exit 3
trap cleanup EXIT
step "the lab's status" "$GD lab status --dir $LAB"
$GD lab status --dir "$LAB"
step "the inventory it wrote (Ansible's format)" "cat $LAB/inventory.yaml"
cat "$LAB/inventory.yaml"
step "which hosts a pattern picks" "$GD hosts -i $LAB/inventory.yaml 'lab:!lab[0]'"
$GD hosts -i "$LAB/inventory.yaml" 'lab:!lab[0]'
step "one command on every host at once" "$GD exec -i $LAB/inventory.yaml lab -- 'hostname; uptime; df -h /srv | tail -1'"
$GD exec -i "$LAB/inventory.yaml" lab -- 'hostname; uptime; df -h /srv | tail -1'
step "a failing host is named, with its exit code" "$GD exec -i $LAB/inventory.yaml lab -- 'test \$(hostname) != lab2'"
$GD exec -i "$LAB/inventory.yaml" lab -- 'test $(hostname) != lab2'
echo "(exit $?: 1 means some command failed)"
step "host keys are checked: an empty known_hosts refuses every host" "$GD exec -i $LAB/inventory.yaml lab --known-hosts /dev/null -- true"
$GD exec -i "$LAB/inventory.yaml" 'lab[0]' --known-hosts /dev/null -- true
echo "(exit $?: 3 means a host could not be reached)"
step "machine-readable output" "$GD exec -i $LAB/inventory.yaml 'lab[0]' --json -- uname -sr"
$GD exec -i "$LAB/inventory.yaml" 'lab[0]' --json -- uname -sr

# --- a fleet as teams keep it: behind a bastion only an ssh_config names, an INI inventory with group_vars/
FLEET=$(mktemp -d /tmp/gameday-demo-fleet-XXXXXX)
step "a second lab whose hosts answer only their bastion: it writes the ssh_config that says so" "$GD lab up --hosts 2 --services --bastion --dir $FLEET/lab; cat $FLEET/lab/ssh_config"
$GD lab up --hosts 2 --services --bastion --dir "$FLEET/lab" || exit 3
cat "$FLEET/lab/ssh_config"
mkdir -p "$FLEET/inv/group_vars" "$FLEET/inv/host_vars"
{ echo "[lab]"
  for h in lab1 lab2; do
	echo "$h ansible_host=$(sed -n "/^        $h:/{n;s/.*ansible_host: //p}" "$FLEET/lab/inventory.yaml")"
  done
  echo; echo "[lab:vars]"; echo "service_port=8080"; } >"$FLEET/inv/hosts"
printf 'ansible_ssh_common_args: -F %s/lab/ssh_config\n' "$FLEET" >"$FLEET/inv/group_vars/all.yml"
printf 'production: true\n' >"$FLEET/inv/host_vars/lab2.yml"
step "the team's inventory: INI, the ssh_config named in group_vars/, lab2 production in host_vars/" "head $FLEET/inv/hosts $FLEET/inv/group_vars/all.yml $FLEET/inv/host_vars/lab2.yml"
head "$FLEET/inv/hosts" "$FLEET/inv/group_vars/all.yml" "$FLEET/inv/host_vars/lab2.yml"
step "read as Ansible reads it: the variables merged with Ansible's precedence" "$GD hosts -i $FLEET/inv --json 'lab[1]'"
$GD hosts -i "$FLEET/inv" --json 'lab[1]' | python3 -c 'import json,sys
h = json.load(sys.stdin)[0]
print(json.dumps({k: h[k] for k in ("name", "addr", "production", "vars")}, indent=2))'
step "every host through the one bastion session (each sees the bastion's address)" "$GD exec -i $FLEET/inv lab -- 'hostname; echo \$SSH_CONNECTION'"
$GD exec -i "$FLEET/inv" lab -- 'hostname; echo $SSH_CONNECTION'
step "a game day through the bastion: the service is killed and comes back" "$GD run scenarios/web-killed.lua -i $FLEET/inv"
$GD run scenarios/web-killed.lua -i "$FLEET/inv" --state-dir "$FLEET" -q
echo "(exit $?)"
step "lab2 is production (from host_vars/): a game day there needs --yes" "$GD run scenarios/disk-full.lua -i $FLEET/inv  (targets lab[1])"
sed 's/lab\[0\]/lab[1]/' scenarios/disk-full.lua >"$FLEET/disk-lab2.lua"
$GD run "$FLEET/disk-lab2.lua" -i "$FLEET/inv" --state-dir "$FLEET" -q
echo "(exit $?: 2, refused before anything was changed)"
$GD lab down --dir "$FLEET/lab" >/dev/null && rm -rf "$FLEET" && FLEET=
# --- end of the fleet section

STATE=$(mktemp -d /tmp/gameday-demo-state-XXXXXX)  # the demo's journals; removed at the end
DOCS=${DOCS_DIR:-demo/docs}                          # the demo doc repo; kept, so you can read it
if [ ! -d "$DOCS/.git" ]; then
	mkdir -p "$DOCS/runbooks" && git -C "$DOCS" init -q -b main && git -C "$DOCS" config user.name "gameday demo" &&
		git -C "$DOCS" config user.email "demo@gameday.invalid"
	# the team's runbooks: web.md follows the template, disk.md does not yet
	printf '# Web service\n## Summary\n## Service SLA\n## Escalation path\n## Incident workflow\n### Restart\n## Monitoring\n## Alerts\n### WebDown\n### CPU\n## Postmortems\n## Doc\n' >"$DOCS/runbooks/web.md"
	printf '# Disks\n## Summary\n## Full\nfree space, then find what filled it\n' >"$DOCS/runbooks/disk.md"
	git -C "$DOCS" add runbooks && git -C "$DOCS" commit -qm "runbooks"
fi
if [ ! -f "$DOCS/.gameday.yaml" ]; then
	# how the lab's alert rules link the runbooks: the repo's web URL
	printf 'runbook_url_prefix: https://git.example.com/sre/docs/-/blob/main/\n' >"$DOCS/.gameday.yaml"
	git -C "$DOCS" add .gameday.yaml && git -C "$DOCS" commit -qm "gameday settings: the runbooks' web URL"
fi
# the team reads the doc repo on its git server: here a bare "origin" on lab3,
# reached over SSH with the lab's key (in an ssh-agent, as gameday's SSH asks
# it first) and the lab's known_hosts
ORIGIN_HOST=$($GD hosts -i "$LAB/inventory.yaml" 'lab[2]')
ORIGIN_ADDR=$(sed -n "/^        $ORIGIN_HOST:/{n;s/.*ansible_host: //p}" "$LAB/inventory.yaml")
ORIGIN=ssh://root@$ORIGIN_ADDR/srv/origin.git
KH=$LAB/known_hosts
eval "$(ssh-agent -s)" >/dev/null && ssh-add -q "$LAB/id_ed25519" 2>/dev/null
BR=$(git -C "$DOCS" symbolic-ref --short HEAD)
$GD exec -q -i "$LAB/inventory.yaml" 'lab[2]' -- "git init -q --bare -b $BR /srv/origin.git" >/dev/null
git -C "$DOCS" remote remove origin 2>/dev/null
git -C "$DOCS" remote add origin "$ORIGIN" && git -C "$DOCS" config "branch.$BR.remote" origin &&
	git -C "$DOCS" config "branch.$BR.merge" "refs/heads/$BR"
step "the doc repo's upstream: a bare origin on $ORIGIN_HOST; what is not there yet is pushed" "$GD docs push --docs $DOCS --known-hosts $KH"
$GD docs push --docs "$DOCS" --known-hosts "$KH"
step "the scenario catalog" "$GD list scenarios"
$GD list scenarios --state-dir "$STATE"
step "a dry run: every command a game day would run, nothing changed" "$GD run scenarios/disk-full.lua -i $LAB/inventory.yaml --dry-run"
$GD run scenarios/disk-full.lua -i "$LAB/inventory.yaml" --state-dir "$STATE" --dry-run -q
step "a game day: kill the web service; its supervisor must bring it back, and the real WebDown alert must fire" "$GD run scenarios/web-killed.lua -i $LAB/inventory.yaml --participant alice --docs $DOCS"
$GD run scenarios/web-killed.lua -i "$LAB/inventory.yaml" --state-dir "$STATE" --participant alice \
	--docs "$DOCS" --known-hosts "$KH" | tee "$STATE/web-killed.txt"
echo "(exit ${PIPESTATUS[0]}: 0 means the hypothesis held and WebDown fired in time; the report is committed and pushed to $ORIGIN_HOST)"
WEB_REPORT=$(git -C "$DOCS" log -1 --name-only --format= -- 'ha-tests/*-web-killed*.md')
step "its report in the doc repo: time to detect by the team's alert beside gameday's probes" "sed -n '/^## Monitoring/,/^## P/p' $DOCS/$WEB_REPORT"
sed -n '/^## Monitoring/,/^## P/p' "$DOCS/$WEB_REPORT" | sed '$d'
step "every alert has a runbook? the lab's rules against the doc repo" "$GD check --alerts scenarios/monitoring/lab-rules.yml --docs $DOCS --write-stubs"
$GD check --alerts scenarios/monitoring/lab-rules.yml --docs "$DOCS" --write-stubs --known-hosts "$KH"
echo "(exit $?: 1 means some alert had no complete runbook; the missing one now has a stub, committed and pushed)"
step "a game day: fill /srv to 95%; probes see it, the revert is verified" "$GD run scenarios/disk-full.lua -i $LAB/inventory.yaml"
$GD run scenarios/disk-full.lua -i "$LAB/inventory.yaml" --state-dir "$STATE" -q --docs "$DOCS" --known-hosts "$KH"
step "a fault this kernel cannot do is refused before anything changes" "$GD run scenarios/db-latency.lua -i $LAB/inventory.yaml"
$GD run scenarios/db-latency.lua -i "$LAB/inventory.yaml" --state-dir "$STATE" -q >/dev/null
echo "(exit $?: 3 means a tool on a host is missing)"
# one run per host: a second game master's run on lab1 while the first holds it
$GD run scenarios/disk-full.lua -i "$LAB/inventory.yaml" --state-dir "$STATE" -q >/dev/null 2>&1 &
first=$!
for _ in $(seq 100); do
	$GD exec -q -i "$LAB/inventory.yaml" 'lab[0]' -- 'test -s /run/gameday/lease' >/dev/null 2>&1 && break
	sleep 0.2
done
step "one run per host: while a game day holds lab1, a second one there is refused, naming it" "$GD run scenarios/cpu-saturation.lua -i $LAB/inventory.yaml"
$GD run scenarios/cpu-saturation.lua -i "$LAB/inventory.yaml" --state-dir "$STATE" -q
echo "(exit $?: 3; --wait would wait for the lease instead)"
wait $first
# a scenario that tries to keep its fault on past its deadline, behind a pcall
$GD exec -q -i "$LAB/inventory.yaml" 'lab[0]' -- 'echo demo > /srv/demo.txt && chmod 644 /srv/demo.txt' >/dev/null
cat >"$STATE/hostile.lua" <<'EOF'
local f = fault.file_mode { on = "lab[0]", path = "/srv/demo.txt", mode = "000" }
return gameday.scenario {
  id = "hostile", title = "a loop that catches every error", timeout = "3s", faults = { f },
  run = function(ctx)
    ctx:inject(f)
    while true do pcall(function() while true do end end) end
  end,
}
EOF
step "a scenario cannot outrun its deadline: behind pcall, its loop is stopped at 3 s and the fault reverted" "$GD run $STATE/hostile.lua -i $LAB/inventory.yaml"
$GD run "$STATE/hostile.lua" -i "$LAB/inventory.yaml" --state-dir "$STATE" 2>&1 | grep -E 'stopping|revert:'
echo "(exit ${PIPESTATUS[0]}: 2 means the scenario's error; and lab1's file is back: $($GD exec -q -i "$LAB/inventory.yaml" 'lab[0]' -- 'stat -c "%a %n" /srv/demo.txt' | grep -v '^==='))"
step "a scored internal test: answers from a file, scores per topic, gaps with what to study" "$GD quiz scenarios/banks/oncall.yaml --participant alice --answers scenarios/answers/oncall-sample.yaml --docs $DOCS --no-push"
$GD quiz scenarios/banks/oncall.yaml --participant alice --answers scenarios/answers/oncall-sample.yaml --docs "$DOCS" --no-push
echo "(exit $?: 0 means the pass mark was reached)"
ARC=$(mktemp -d /tmp/gameday-demo-backup-XXXXXX)
mkdir -p "$ARC/orders" && seq 1 20000 >"$ARC/orders/rows.csv" && echo "orders schema v3" >"$ARC/orders/schema.sql"
tar -C "$ARC" -czf "$ARC/orders.tar.gz" orders && (cd "$ARC" && sha256sum orders/rows.csv orders/schema.sql >SHA256SUMS)
step "prove a backup whole, entry by entry, against its manifest" "$GD verify orders.tar.gz --manifest SHA256SUMS"
$GD verify "$ARC/orders.tar.gz" --manifest "$ARC/SHA256SUMS"
echo "(exit $?)"
printf 'x' | dd of="$ARC/orders.tar.gz" bs=1 seek=200 conv=notrunc 2>/dev/null
step "one flipped byte in the archive" "$GD verify orders.tar.gz --manifest SHA256SUMS"
$GD verify "$ARC/orders.tar.gz" --manifest "$ARC/SHA256SUMS"
echo "(exit $?: 2 means unreadable, corrupt or refused)"
rm -rf "$ARC"
$GD exec -q -i "$LAB/inventory.yaml" 'lab[0]' -- 'mkdir -p /srv/src /srv/backups && seq 1 5000 > /srv/src/orders.csv && echo v3 > /srv/src/schema.sql && cd /srv/src && sha256sum * > /srv/backups/SHA256SUMS && tar czf /srv/backups/app-1.tar.gz -C /srv/src . && touch -d "-5 hours" /srv/backups/app-1.tar.gz' >/dev/null
step "a restore drill: lab1's newest backup streamed, verified and restored to lab2, timed" "$GD drill scenarios/drills/lab-app.lua -i $LAB/inventory.yaml --participant alice"
$GD drill scenarios/drills/lab-app.lua -i "$LAB/inventory.yaml" --state-dir "$STATE" -q --participant alice \
	--docs "$DOCS" --known-hosts "$KH"
echo "(exit $?: 0 means restored, verified and within the RTO and RPO objectives)"
$GD exec -q -i "$LAB/inventory.yaml" 'lab[0]' -- "$(cat scenarios/drills/lab-postgres-setup.sh)" >/dev/null
step "a PostgreSQL drill: pg_dump backup restored into a scratch server, rows, checksum and freshness checked" "$GD drill scenarios/drills/lab-postgres.lua -i $LAB/inventory.yaml"
$GD drill scenarios/drills/lab-postgres.lua -i "$LAB/inventory.yaml" --state-dir "$STATE" -q --docs "$DOCS" --known-hosts "$KH"
echo "(exit $?)"
# drills: backups as teams keep them (a backup tool's repository, a directory per backup)
$GD exec -q -i "$LAB/inventory.yaml" 'lab[0]' -- "$(cat scenarios/drills/lab-sources-setup.sh)" >/dev/null
step "a restic-sourced drill: the newest snapshot, listed and dumped by restic itself, every file checked" "$GD drill scenarios/drills/lab-restic.lua -i $LAB/inventory.yaml"
$GD drill scenarios/drills/lab-restic.lua -i "$LAB/inventory.yaml" --state-dir "$STATE" -q --docs "$DOCS"
echo "(exit $?)"
$GD exec -q -i "$LAB/inventory.yaml" 'lab[0]' -- "$(cat scenarios/drills/lab-pg-more-setup.sh)" >/dev/null
step "a pg_basebackup drill: base.tar.gz against PostgreSQL's backup_manifest, pg_wal, pg_verifybackup, the server started" "$GD drill scenarios/drills/lab-pg-basebackup.lua -i $LAB/inventory.yaml"
$GD drill scenarios/drills/lab-pg-basebackup.lua -i "$LAB/inventory.yaml" --state-dir "$STATE" -q --docs "$DOCS"
echo "(exit $?)"
step "spin the wheel of misfortune: a scenario and who plays it, reproducible from the seed" "$GD wheel --seed 7 --tabletop"
$GD wheel --catalog scenarios --seed 7 --tabletop
step "is alice ready for the on-call rota? her quiz, game day and drill, read back from the doc repo" "$GD readiness alice --profile scenarios/readiness.yaml --history $DOCS"
$GD readiness alice --profile scenarios/readiness.yaml --history "$DOCS"
echo "(exit $?: 0 ready; 1 not ready yet, with what is missing)"
step "is dana? she has done none of it" "$GD readiness dana --profile scenarios/readiness.yaml --history $DOCS"
$GD readiness dana --profile scenarios/readiness.yaml --history "$DOCS" | tail -1
step "after a crash, recover reverts what the journal says is still open" "$GD recover"
$GD recover --state-dir "$STATE"
step "the quiz was committed with --no-push; the drill's push took it along, so nothing is pending" "$GD docs push --docs $DOCS --known-hosts $KH"
$GD docs push --docs "$DOCS" --known-hosts "$KH"
step "the reports as the team sees them: the log on the origin ($ORIGIN_HOST)" "git -C /srv/origin.git log (on $ORIGIN_HOST)"
$GD exec -q -i "$LAB/inventory.yaml" 'lab[2]' -- "git -C /srv/origin.git log --format='%h %s' $BR"
echo
head -8 "$DOCS/ha-tests/README.md"
echo "(open $DOCS/*/*.md in a Markdown viewer: game days link their SVG timelines)"
step "one figure per fact: the web-killed game day's TTD in the terminal and in its report" "grep TTD"
echo "terminal:  $(grep -o 'TTD [^,]*, TTM [^,]*, TTR [^ ]* [^ ]*' "$STATE/web-killed.txt")"
echo "report:    $(grep -E '^\| TT[DMR] ' "$DOCS/$WEB_REPORT" | tr -s ' ' | tr '\n' ' ')"
echo "index:     $(grep -m1 '| web-killed |' "$DOCS/ha-tests/README.md")"
step "history: TTD, TTM, TTR and RTO as distributions" "$GD history --docs $DOCS"
$GD history --docs "$DOCS"
step "alert coverage: which alerts game days have proven to fire" "cat $DOCS/ha-tests/alert-coverage.md; $GD history --alerts scenarios/monitoring/lab-rules.yml --docs $DOCS"
cat "$DOCS/ha-tests/alert-coverage.md"
$GD history --alerts scenarios/monitoring/lab-rules.yml --docs "$DOCS"
echo "(exit $?: 1 means some alert is not proven yet)"
step "runbooks checked against the team's template" "$GD check --docs $DOCS"
$GD check --docs "$DOCS"
echo "(exit $?: 2 means a runbook lacks template sections)"
exit 0
