#!/usr/bin/env bash
# test_lab.sh: gameday lab up|down|status, with a real OpenSSH client against
# the lab's hosts. Run from anywhere as root; GAMEDAY may name the binary.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

if [ "$(id -u)" -ne 0 ]; then
	echo "test_lab.sh needs root (it builds labs of namespaces)" >&2
	bad "running as root"; finish
fi
# the labs of this test are its subject (gameday lab itself), so no lab_up
A=$T/a B=$T/b C=$T/crash
for d in "$A" "$B" "$C"; do at_exit "$GD" lab down --dir "$d"; done

# lab_index DIR: K of the lab in DIR, from its state
lab_index() { sed -n 's/^  "index": \([0-9-]*\),$/\1/p' "$1/lab.json"; }
# lab_pids DIR: every pid the lab recorded
lab_pids() { sed -n 's/^ *"\(unshare\|sshd\)_pid": \([0-9]*\).*/\2/p' "$1/lab.json"; }
# gone PID DIR: the process no longer runs (a zombie left to an init that
# does not reap counts as gone), or the pid is now someone else's
gone() {
	[ -e "/proc/$1" ] || return 0
	[ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" = Z ] && return 0
	! tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF "$2/"
}
# links: every network interface of this namespace (sysfs, which unlike
# `ip link` does not complain about veths whose peer netns is going away)
links() { ls /sys/class/net; }
# leftovers K DIR: prints whatever of lab K (or of DIR) is still there
leftovers() {
	local k=$1 dir=$2
	if [ -n "$k" ] && [ "$k" -ge 0 ]; then
		ip netns list | grep -E "^gd$k-" | sed 's/^/netns /'
		links | grep -E "^(gdlab$k|gd${k}h[0-9]+)$" | sed 's/^/link /'
	fi
	grep -lxF "gameday-lab:$dir" /sys/class/net/*/ifalias 2>/dev/null | sed 's/^/alias /'
	ps -eo stat=,pid=,args= | awk '$1 !~ /^Z/' | grep -F "$dir/" | grep -v grep | sed 's/^/proc /'
	[ -e "$dir" ] && echo "dir $dir"
	return 0
}
# sshq KEYDIR ADDR CMD: a real OpenSSH client, strict host key checking
sshq() {
	ssh -i "$1/id_ed25519" -o UserKnownHostsFile="$1/known_hosts" \
	    -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=5 \
	    -o LogLevel=ERROR "root@$2" "$3"
}
links_before=$(links | grep -vE '^gd' | sort)

echo "-- usage"
run_cmd $O $E "$GD" lab
expect_rc "lab without an action" 2
run_cmd $O $E "$GD" lab --help
expect_rc "lab --help" 0
expect_in "help names what up writes" $O "inventory.yaml"
expect_in "help says it needs root" $O "root"
run_cmd $O $E "$GD" lab up --help
expect_rc "lab up --help" 0
run_cmd $O $E "$GD" lab sideways
expect_rc "unknown action" 2
run_cmd $O $E "$GD" lab up --hosts 0 --dir "$A"
expect_rc "--hosts 0" 2
run_cmd $O $E "$GD" lab up --hosts 1001 --dir "$A"
expect_rc "--hosts 1001" 2
run_cmd $O $E "$GD" lab up --dir "$T/with space"
expect_rc "a dir with a space is refused" 2
expect_in "and says why" $E "may only hold"
run_cmd $O $E "$GD" lab status --dir "$A"
expect_rc "status with no lab" 2
expect_in "status says there is no lab" $E "no lab in"

echo "-- up: 3 hosts"
run_cmd $O $E "$GD" lab up --hosts 3 --dir "$A"
expect_rc "lab up --hosts 3" 0
expect_in "summary line" $O "lab: 3 hosts up in"
for f in inventory.yaml known_hosts id_ed25519 id_ed25519.pub lab.json; do
	check "wrote $f" test -s "$A/$f"
done
KA=$(lab_index "$A")
check "lab index recorded ($KA)" test -n "$KA"
check "bridge gdlab$KA exists" test -e "/sys/class/net/gdlab$KA"
expect_in "inventory lists lab3" "$A/inventory.yaml" "ansible_host: 10.231.$KA.4"
expect_in "inventory has the key file" "$A/inventory.yaml" "ansible_ssh_private_key_file: $A/id_ed25519"
check "known_hosts has 3 ed25519 keys" test "$(grep -c "^10\.231\.$KA\.[2-4] ssh-ed25519 AAAA" "$A/known_hosts")" -eq 3
for i in 1 2 3; do
	addr=10.231.$KA.$((i + 1))
	got=$(sshq "$A" "$addr" hostname 2>$E)
	if [ "$got" = "lab$i" ]; then ok "ssh $addr hostname is lab$i (strict known_hosts)"; else bad "ssh $addr hostname: '$got'"; sed 's/^/      | /' $E; fi
done
addr=10.231.$KA.2
check "/srv on lab1 is a tmpfs" test "$(sshq "$A" "$addr" 'stat -f -c %T /srv')" = tmpfs
check "/run on lab1 is a tmpfs" test "$(sshq "$A" "$addr" 'stat -f -c %T /run')" = tmpfs
check "lab1's PID 1 is its sshd" test "$(sshq "$A" "$addr" 'cat /proc/1/comm')" = sshd
n=$(sshq "$A" "$addr" 'ps -e --no-headers | wc -l')
if [ "${n:-99}" -lt 10 ]; then ok "lab1 sees only its own processes ($n)"; else bad "lab1 sees $n processes"; fi
sshq "$A" "$addr" 'echo hello > /srv/f'
check "/srv is private to each host" test "$(sshq "$A" 10.231.$KA.3 'cat /srv/f 2>/dev/null || echo none')" = none
check "/srv of the host is not this machine's /srv" test ! -e /srv/f
run_cmd $O $E "$GD" lab status --dir "$A"
expect_rc "status with all hosts up" 0
check "status has 3 up lines" test "$(grep -c ' up$' $O)" -eq 3

echo "-- a second lab at once"
run_cmd $O $E "$GD" lab up --hosts 2 --dir "$B"
expect_rc "lab up --hosts 2 in another dir" 0
KB=$(lab_index "$B")
check "the second lab has another index ($KA, $KB)" test -n "$KB" -a "$KA" != "$KB"
check "the second lab answers ssh" test "$(sshq "$B" "10.231.$KB.3" hostname)" = lab2
check "the first lab still answers" test "$(sshq "$A" "10.231.$KA.2" hostname)" = lab1

echo "-- refusals and status"
run_cmd $O $E "$GD" lab up --dir "$A"
expect_rc "up on a dir with a running lab" 2
expect_in "says running and what to do" $E "running lab; run gameday lab down"
spid=$(lab_pids "$B" | sed -n 2p)
kill "$spid"
sleep 0.3
run_cmd $O $E "$GD" lab status --dir "$B"
expect_rc "status with one host killed" 1
check "status shows lab1 down" grep -q '^lab1 .* down$' $O
run_cmd $O $E "$GD" lab up --dir "$B"
expect_rc "up on a dir with a stale lab" 2
expect_in "says stale" $E "stale lab"

echo "-- down"
pids=$(lab_pids "$A")
run_cmd $O $E "$GD" lab down --dir "$A"
expect_rc "lab down" 0
left=$(leftovers "$KA" "$A")
if [ -z "$left" ]; then ok "nothing of lab $KA is left (netns, links, processes, dir)"; else bad "left behind:"; echo "$left" | sed 's/^/      | /'; fi
for p in $pids; do check "recorded pid $p is gone" gone "$p" "$A"; done
run_cmd $O $E "$GD" lab down --dir "$A"
expect_rc "down again" 0
expect_in "says there is no lab" $O "no lab in"
check "the other lab is untouched" test "$(sshq "$B" "10.231.$KB.3" hostname)" = lab2
run_cmd $O $E "$GD" lab down --dir "$B"
expect_rc "down of the stale lab" 0
left=$(leftovers "$KB" "$B")
if [ -z "$left" ]; then ok "nothing of lab $KB is left"; else bad "left behind:"; echo "$left" | sed 's/^/      | /'; fi

echo "-- crashes halfway"
# SIGKILL at several points of an up, from before the bridge to the end
for d in 0.005 0.015 0.03 0.06 0.1 0.3; do
	"$GD" lab up --hosts 5 --dir "$C" >/dev/null 2>&1 &
	upid=$!
	sleep $d
	kill -KILL $upid 2>/dev/null
	wait $upid 2>/dev/null
	k=$( [ -f "$C/lab.index" ] && cat "$C/lab.index")
	run_cmd $O $E "$GD" lab down --dir "$C"
	expect_rc "down after up was killed at ${d} s" 0
	left=$(leftovers "${k:--1}" "$C")
	if [ -z "$left" ]; then ok "nothing left after the kill at ${d} s"; else bad "left behind after the kill at ${d} s:"; echo "$left" | sed 's/^/      | /'; fi
done
# a state that lost its host list: down still finds the hosts by namespace
run_cmd $O $E "$GD" lab up --hosts 3 --dir "$C"
expect_rc "up for the lost-state case" 0
k=$(cat "$C/lab.index")
echo '{ "broken' >"$C/lab.json"
run_cmd $O $E "$GD" lab down --dir "$C"
expect_rc "down with a corrupt lab.json" 0
left=$(leftovers "$k" "$C")
if [ -z "$left" ]; then ok "nothing left after down with a corrupt lab.json"; else bad "left behind:"; echo "$left" | sed 's/^/      | /'; fi
# SIGTERM during up: up removes what it made and exits 4
"$GD" lab up --hosts 8 --dir "$C" >$O 2>$E &
upid=$!
# once its state file is there, up has its handlers (a busy machine may take
# longer than any fixed sleep to get that far; before it, TERM kills outright)
for _ in $(seq 500); do [ -e "$C/lab.json" ] && break; sleep 0.01; done
kill -TERM $upid
wait $upid
RC=$?
if [ "$RC" -eq 4 ] || [ "$RC" -eq 0 ]; then ok "up stopped by SIGTERM (exit $RC)"; else bad "up stopped by SIGTERM: exit $RC"; sed 's/^/      | /' $E; fi
[ "$RC" -eq 0 ] && "$GD" lab down --dir "$C" >/dev/null 2>&1  # it finished first
left=$(leftovers -1 "$C")
if [ -z "$left" ]; then ok "nothing left after SIGTERM"; else bad "left behind after SIGTERM:"; echo "$left" | sed 's/^/      | /'; fi

echo "-- nothing else touched"
links_after=$(links | grep -vE '^gd' | sort)
missing=$(comm -23 <(echo "$links_before") <(echo "$links_after"))
if [ -z "$missing" ]; then ok "every interface that was there is still there"; else bad "interfaces gone: $missing"; fi

finish
