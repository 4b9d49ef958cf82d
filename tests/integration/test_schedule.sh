#!/usr/bin/env bash
# test_schedule.sh: gameday schedule writes or prints a systemd .service and
# .timer pair; systemd-analyze checks them when it can run here.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

EXE=$(readlink -f "$GD")
cd "$T"
mkdir -p plans "with space" units
printf 'return {}\n' >plans/orders-db.lua
printf 'return {}\n' >"with space/my plan.lua"
printf 'all:\n  hosts: {}\n' >inv.yaml

# stdout mode, defaults: the 2nd at 03:00
run_cmd "$O" "$E" "$GD" schedule plans/orders-db.lua -i inv.yaml
expect_rc "stdout mode" 0
expect_in "default OnCalendar" "$O" "OnCalendar=*-*-02 03:00:00"
expect_in "Persistent" "$O" "Persistent=true"
expect_in "RandomizedDelaySec" "$O" "RandomizedDelaySec=0"
expect_in "oneshot" "$O" "Type=oneshot"
expect_in "Nice" "$O" "Nice=10"
expect_in "TimeoutStartSec" "$O" "TimeoutStartSec="
expect_in "absolute ExecStart" "$O" \
	"ExecStart=$EXE drill $T/plans/orders-db.lua -i $T/inv.yaml --metrics /var/lib/prometheus/node-exporter/gameday-drill-orders-db.prom"
expect_in "default unit name" "$O" "# gameday-drill-orders-db.timer"
check "stdout mode writes no file" test -z "$(ls units)"

# --day/--at, quoting of paths with spaces, --name, --metrics, --user
run_cmd "$O" "$E" "$GD" schedule "with space/my plan.lua" -i inv.yaml --day 15 --at 4:05 \
	--name nightly-ish --metrics "prom dir/x.prom" --user backup
expect_rc "--day 15 --at 4:05" 0
expect_in "OnCalendar from --day/--at" "$O" "OnCalendar=*-*-15 04:05:00"
expect_in "quoted paths" "$O" "drill \"$T/with space/my plan.lua\" -i $T/inv.yaml --metrics \"$T/prom dir/x.prom\""
expect_in "--name" "$O" "Unit=nightly-ish.service"
expect_in "--user" "$O" "User=backup"

# --dir: both files, atomically (no .tmp left), and the commands to run
run_cmd "$O" "$E" "$GD" schedule plans/orders-db.lua -i inv.yaml --dir units --day 28 --at 23:59
expect_rc "--dir" 0
check "service written" test -f units/gameday-drill-orders-db.service
check "timer written" test -f units/gameday-drill-orders-db.timer
check "no temporary files left" test -z "$(ls units | grep -v -e '\.service$' -e '\.timer$')"
expect_in "timer in --dir" units/gameday-drill-orders-db.timer "OnCalendar=*-*-28 23:59:00"
expect_in "service in --dir" units/gameday-drill-orders-db.service "ExecStart=$EXE drill $T/plans/orders-db.lua"
expect_in "enable command" "$O" "systemctl daemon-reload && systemctl enable --now gameday-drill-orders-db.timer"
check "file mode 644" test "$(stat -c %a units/gameday-drill-orders-db.timer)" = 644

# bad input: exit 2 and nothing written
for bad_day in 29 0 31 -1 2x ""; do
	run_cmd "$O" "$E" "$GD" schedule plans/orders-db.lua -i inv.yaml --day "$bad_day" --dir units --name bad
	expect_rc "--day '$bad_day' refused" 2
done
expect_in "day message" "$E" "1 to 28"
for bad_at in 24:00 03:60 3 03:0 03:00:00 ab:cd; do
	run_cmd "$O" "$E" "$GD" schedule plans/orders-db.lua -i inv.yaml --at "$bad_at" --dir units --name bad
	expect_rc "--at '$bad_at' refused" 2
done
expect_in "time message" "$E" "HH:MM"
check "nothing written for bad input" test ! -e units/bad.timer
run_cmd "$O" "$E" "$GD" schedule plans/missing.lua -i inv.yaml
expect_rc "missing plan" 2
expect_in "missing plan named" "$E" "plans/missing.lua"
run_cmd "$O" "$E" env -u GAMEDAY_INVENTORY "$GD" schedule plans/orders-db.lua
expect_rc "no inventory" 2
run_cmd "$O" "$E" "$GD" schedule plans/orders-db.lua -i inv.yaml --name 'a/b'
expect_rc "bad unit name" 2
run_cmd "$O" "$E" "$GD" schedule plans/orders-db.lua -i inv.yaml --dir nowhere
expect_rc "missing --dir" 2
run_cmd "$O" "$E" "$GD" schedule --help
expect_rc "--help" 0
expect_in "--help teaches" "$O" "--day N"

# systemd-analyze: verify and the next elapse, or "not verified" without it.
# Where it cannot verify even a minimal unit it cannot judge ours: a skip.
printf '[Unit]\nDescription=a minimal unit\n[Service]\nType=oneshot\nExecStart=/bin/true\n' >minimal.service
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify of the written units: systemd-analyze is not installed"
elif ! systemd-analyze verify minimal.service >"$T/verify.log" 2>&1; then
	skip "systemd-analyze verify cannot run here (a minimal unit fails too): $(head -1 "$T/verify.log")"
else
	check "systemd-analyze verify of the written units" systemd-analyze verify \
	    units/gameday-drill-orders-db.service units/gameday-drill-orders-db.timer
	run_cmd "$O" "$E" "$GD" schedule plans/orders-db.lua -i inv.yaml
	expect_in "verified, next elapse" "$E" "verified with systemd-analyze; next run: "
fi
mkdir -p nosd
ln -s "$(command -v env)" nosd/env
run_cmd "$O" "$E" nosd/env PATH="$T/nosd" "$GD" schedule plans/orders-db.lua -i inv.yaml
expect_rc "without systemd-analyze" 0
expect_in "says not verified" "$E" "not verified"

finish
