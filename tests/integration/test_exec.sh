#!/usr/bin/env bash
# test_exec.sh: gameday exec against real sshd hosts of a lab.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

lab_up 4
AGENT_PID=
stop_agent() { [ -z "$AGENT_PID" ] || kill "$AGENT_PID"; }
at_exit stop_agent
# a copy of the lab inventory with one var changed or added for every host
inventory_with() {
	sed "s|^\(      vars:\)$|\1\n        $1: $2|" "$INV" >"$3"
}

echo "-- every host at once"
run_cmd $O $E "$GD" exec -i "$INV" lab -- hostname
expect_rc "exec hostname on 4 hosts" 0
for h in lab1 lab2 lab3 lab4; do
	expect_in "$h under its own header" $O "=== $h: exit 0"
	check "$h printed its own hostname" grep -qx "$h" $O
done
check "hosts in inventory order" bash -c "grep '^===' $O | cut -d: -f1 | tr '\n' ' ' | grep -qx '=== lab1 === lab2 === lab3 === lab4 '"
expect_in "summary names the count" $E "exec: 4 hosts: 4 ok, 0 failed, 0 unreachable"

start=$(date +%s%N)
run_cmd $O $E "$GD" exec -i "$INV" lab -- sleep 2
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc "sleep 2 on 4 hosts" 0
if [ "$ms" -lt 4000 ]; then ok "hosts run at once, not one by one (${ms} ms for 4 x 2 s)"; else bad "4 x sleep 2 took ${ms} ms: not parallel"; fi

run_cmd $O $E "$GD" exec -i "$INV" lab --forks 1 -- hostname
expect_rc "--forks 1 still reaches every host" 0
check "--forks 1 output has 4 hosts" test "$(grep -c '^=== lab.: exit 0' $O)" -eq 4

echo "-- exit codes, signals, stderr"
run_cmd $O $E "$GD" exec -i "$INV" lab -- 'echo out; echo err >&2; [ "$(hostname)" = lab2 ] && exit 7; exit 0'
expect_rc "one host exits 7" 1
expect_in "lab2's exit code shown" $O "=== lab2: exit 7"
expect_in "lab1 still ok" $O "=== lab1: exit 0"
expect_in "stderr kept apart" $O "--- lab2 stderr"
expect_in "failed host named on stderr" $E "lab2: exit 7"
run_cmd $O $E "$GD" exec -i "$INV" 'lab[0]' -- 'kill -TERM $$'
expect_rc "command killed by a signal" 1
expect_in "signal named" $O "killed by signal TERM"

echo "-- json"
run_cmd $O $E "$GD" exec -i "$INV" 'lab[0:1]' --json -- 'printf "a\\nb"; printf "\\377bad" >&2; exit 3'
expect_rc "--json with a failing command" 1
check "--json is an array of host objects" python3 -c '
import json,sys
a = json.load(open(sys.argv[1]))
assert [x["host"] for x in a] == ["lab1", "lab2"], a
for x in a:
    assert x["exit"] == 3 and x["stdout"] == "a\nb" and x["status"] == "ok", x
    assert x["stderr"] == "\ufffdbad" and x["stderr_bytes"] == 4, x
    assert isinstance(x["ms"], int) and x["ms"] >= 0
' $O

echo "-- capture bound"
run_cmd $O $E "$GD" exec -i "$INV" 'lab[0]' --max-output 1000 -- 'head -c 100000 /dev/zero | tr "\0" x'
expect_rc "big output, small bound" 0
check "exactly 1000 bytes kept" test "$(grep -E '^x+$' $O | tr -cd x | wc -c)" -eq 1000
expect_in "the cut is said" $O "output cut at 1000 of 100000 bytes"
run_cmd $O $E "$GD" exec -i "$INV" 'lab[1]' --json -- 'head -c 3000000 /dev/zero | tr "\0" y; head -c 2500000 /dev/zero | tr "\0" z >&2'
expect_rc "3 MB stdout and 2.5 MB stderr at once" 0
check "default bound keeps 1 MiB of each, counts all" python3 -c '
import json,sys
x = json.load(open(sys.argv[1]))[0]
assert len(x["stdout"]) == 1048576 and set(x["stdout"]) == {"y"}, len(x["stdout"])
assert len(x["stderr"]) == 1048576 and set(x["stderr"]) == {"z"}
assert x["stdout_bytes"] == 3000000 and x["stderr_bytes"] == 2500000, x["stdout_bytes"]
' $O

echo "-- timeouts"
start=$(date +%s%N)
run_cmd $O $E "$GD" exec -i "$INV" 'lab[0]' --timeout 1 -- sleep 30
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc "command timeout" 1
expect_in "timeout said" $O "timed out after 1.0 s"
if [ "$ms" -lt 10000 ]; then ok "returned after the timeout, not the command (${ms} ms)"; else bad "timeout took ${ms} ms"; fi
inventory_with x_unused 1 $T/inv-dark.yaml
K=$(lab_field lab1 addr | cut -d. -f1-3)
sed -i "s|^\(      hosts:\)$|\1\n        dark1:\n          ansible_host: $K.250|" $T/inv-dark.yaml
run_cmd $O $E "$GD" exec -i $T/inv-dark.yaml 'dark1' --connect-timeout 1 -- true
expect_rc "a host that never answers" 3
expect_in "connect timeout said" $O "timed out after 1.0 s"

echo "-- host keys"
: >$T/empty_known_hosts
run_cmd $O $E "$GD" exec -i "$INV" 'lab[0]' --known-hosts $T/empty_known_hosts -- true
expect_rc "unknown host key refused" 3
fp=$(ssh-keygen -lf "$LAB/hosts/lab1/ssh_host_ed25519_key.pub" | cut -d' ' -f2)
expect_in "unknown key refused with its fingerprint" $O "unknown host key for $(lab_field lab1 addr):22: ssh-ed25519 $fp"
check "nothing recorded without --accept-new" test ! -s $T/empty_known_hosts

ssh-keygen -q -t ed25519 -N '' -f $T/other_host_key
cp "$LAB/known_hosts" $T/changed_known_hosts
addr2=$(lab_field lab2 addr)
sed -i "s|^$addr2 .*|$addr2 $(cut -d' ' -f1,2 $T/other_host_key.pub)|" $T/changed_known_hosts
run_cmd $O $E "$GD" exec -i "$INV" lab --known-hosts $T/changed_known_hosts --accept-new -- true
expect_rc "changed host key refused, even with --accept-new" 3
fp2=$(ssh-keygen -lf "$LAB/hosts/lab2/ssh_host_ed25519_key.pub" | cut -d' ' -f2)
expect_in "changed key named with its fingerprint" $O "host key for $addr2:22 has CHANGED: the server offers ssh-ed25519 $fp2"
expect_in "other hosts unaffected" $O "=== lab1: exit 0"
expect_in "the changed host is named on stderr" $E "lab2: unreachable: host key for"

run_cmd $O $E "$GD" exec -i "$INV" lab --known-hosts $T/empty_known_hosts --accept-new -- true
expect_rc "--accept-new records unknown keys" 0
check "4 keys recorded" test "$(wc -l <$T/empty_known_hosts)" -eq 4
check "recorded keys are the hosts' real keys" bash -c "ssh-keygen -F $(lab_field lab3 addr) -f $T/empty_known_hosts | grep -qF \"\$(cut -d' ' -f2 $LAB/hosts/lab3/ssh_host_ed25519_key.pub)\""
run_cmd $O $E "$GD" exec -i "$INV" lab --known-hosts $T/empty_known_hosts -- true
expect_rc "recorded keys then match" 0

echo "-- auth"
ssh-keygen -q -t ed25519 -N '' -f $T/wrong_key
inventory_with ansible_ssh_private_key_file $T/wrong_key $T/inv-wrong.yaml
sed -i "/ansible_ssh_private_key_file: .*id_ed25519$/d" $T/inv-wrong.yaml
run_cmd $O $E env -u SSH_AUTH_SOCK "$GD" exec -i $T/inv-wrong.yaml 'lab[0]' -- true
expect_rc "wrong private key" 3
expect_in "auth failure names the key" $O "authentication failed for root@$(lab_field lab1 addr): key $T/wrong_key refused"
inventory_with ansible_ssh_private_key_file $T/missing_key $T/inv-missing.yaml
sed -i "/ansible_ssh_private_key_file: .*id_ed25519$/d" $T/inv-missing.yaml
run_cmd $O $E env -u SSH_AUTH_SOCK "$GD" exec -i $T/inv-missing.yaml 'lab[0]' -- true
expect_rc "missing key file" 3
expect_in "missing key said" $O "key $T/missing_key unreadable"

eval "$(ssh-agent -s -a $T/agent.sock)" >/dev/null
AGENT_PID=$SSH_AGENT_PID
at_exit kill "$AGENT_PID"
ssh-add -q "$LAB/id_ed25519" 2>/dev/null
# the inventory names a key: only that key is offered (IdentitiesOnly), not the agent's
run_cmd $O $E env HOME=$T "$GD" exec -i $T/inv-wrong.yaml lab -- true
expect_rc "a named key file is the only key offered, not the agent's" 3
expect_in "the named key was refused" $O "key $T/wrong_key refused"
expect_not_in "no agent key was offered" $O "ssh-agent key"
# no key named: the agent's keys are offered first
inventory_with ansible_ssh_private_key_file $T/wrong_key $T/inv-nokey.yaml
sed -i "/ansible_ssh_private_key_file/d" $T/inv-nokey.yaml
run_cmd $O $E env HOME=$T "$GD" exec -i $T/inv-nokey.yaml lab -- true
expect_rc "with no key named, the ssh-agent key logs in" 0
# an agent full of other keys: sshd gives up after MaxAuthTries (6) keys
for i in 1 2 3 4 5 6 7 8; do ssh-keygen -q -t ed25519 -N '' -f $T/other$i; done
ssh-add -D -q 2>/dev/null
for i in 1 2 3 4 5 6 7 8; do ssh-add -q $T/other$i 2>/dev/null; done
ssh-add -q "$LAB/id_ed25519" 2>/dev/null
run_cmd $O $E env HOME=$T "$GD" exec -i $T/inv-nokey.yaml 'lab[0]' -- true
expect_rc "an agent of 9 keys, the right one last: sshd closes after 6" 3
expect_in "too many tries said, and what to do" $O "too many authentication failures"
expect_in "IdentitiesOnly suggested" $O "IdentitiesOnly yes"
run_cmd $O $E env HOME=$T "$GD" exec -i "$INV" 'lab[0]' -- true
expect_rc "IdentitiesOnly: with the key named, the other agent keys are not offered" 0
printf 'Host *\n  IdentitiesOnly yes\n  IdentityFile %s\n' "$LAB/id_ed25519" >$T/ssh_config_io
run_cmd $O $E env HOME=$T "$GD" exec -i $T/inv-nokey.yaml 'lab[0]' --ssh-config $T/ssh_config_io -- true
expect_rc "IdentitiesOnly yes from ssh_config: only its IdentityFile (the agent's copy) is offered" 0
kill "$AGENT_PID"; AGENT_PID=

echo "-- a dead host"
pid3=$(lab_field lab3 sshd_pid)
kill "$pid3"
for _ in $(seq 50); do kill -0 "$pid3" 2>/dev/null || break; sleep 0.1; done
run_cmd $O $E "$GD" exec -i "$INV" lab -- hostname
expect_rc "one host's sshd stopped" 3
expect_in "dead host named with the reason" $O "=== lab3: unreachable: cannot connect to $(lab_field lab3 addr):22: Connection refused"
for h in lab1 lab2 lab4; do expect_in "$h still ran" $O "=== $h: exit 0"; done
expect_in "summary counts the dead host" $E "3 ok, 0 failed, 1 unreachable"

echo "-- bad input"
run_cmd $O $E "$GD" exec -i "$INV" 'nosuchgroup' -- true
expect_rc "pattern matching nothing" 1
expect_in "says so" $E "matches no host"
run_cmd $O $E "$GD" exec -i "$INV" lab
expect_rc "no command" 2
run_cmd $O $E "$GD" exec -i "$INV" lab --forks 0 -- true
expect_rc "--forks 0" 2
printf 'all:\n  hosts:\n    a: [\n' >$T/broken.yaml
run_cmd $O $E "$GD" exec -i $T/broken.yaml all -- true
expect_rc "broken inventory" 2
expect_in "names the file" $E "$T/broken.yaml"
run_cmd $O $E "$GD" exec -i $T/nonexistent.yaml all -- true
expect_rc "missing inventory" 2

finish
