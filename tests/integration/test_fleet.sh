#!/usr/bin/env bash
# test_fleet.sh: a fleet as teams have it: hosts behind a bastion that only an
# ssh_config names, two hops, ssh_config aliases, an agent full of keys,
# known_hosts with @revoked, an inventory directory with host_vars/, a hostile
# ansible_host, a user without root: each read as OpenSSH and Ansible read
# them, each refused where it must be, on real sshd hosts of a lab.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

lab_up 3 --services --bastion
A1=$(lab_field lab1 addr) A2=$(lab_field lab2 addr) AB=$(lab_field bastion addr)
KEY=$LAB/id_ed25519 KH=$LAB/known_hosts CFG=$LAB/ssh_config
bastion_logins() { grep -c "Accepted publickey" "$LAB/hosts/lab0/sshd.log"; }

echo "-- the bastion: the hosts' sshd answers it only"
check "the lab wrote an ssh_config that names the bastion" grep -q "ProxyJump bastion" "$CFG"
expect_not_in "the inventory does not name the bastion" "$INV" "bastion"
check "from the runner, lab1's sshd does not answer" bash -c "! timeout 4 ssh -o BatchMode=yes -o ConnectTimeout=2 -o ProxyJump=none -i $KEY -o UserKnownHostsFile=$KH root@$A1 true 2>/dev/null"
check "through the bastion, OpenSSH's ssh reaches lab1" timeout 20 ssh -F "$CFG" -o BatchMode=yes "$A1" true
before=$(bastion_logins)
run_cmd $O $E "$GD" exec -i "$INV" lab -- 'echo "from=${SSH_CONNECTION%% *}"'
expect_rc "exec on every host through the bastion" 0
for h in lab1 lab2 lab3; do expect_in "$h ran" $O "=== $h: exit 0"; done
check "each host saw the bastion's address, not the runner's" test "$(grep -c "^from=$AB$" $O)" -eq 3
check "one bastion session for all three hosts" test "$(( $(bastion_logins) - before ))" -eq 1
if command -v ansible >/dev/null 2>&1; then
	run_cmd $T/a.out $T/a.err env ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_LOCAL_TEMP=$T/at \
	    ansible -i "$INV" lab -m raw -a true -f 3
	expect_rc "ansible reads the same inventory and reaches the hosts through the bastion" 0
else
	skip "ansible through the same inventory: ansible is not installed"
fi

echo "-- a scenario through the bastion; a network fault spares that path"
run_cmd $O $E "$GD" run scenarios/web-killed.lua -i "$INV" --state-dir "$STATE" --json
expect_rc "web-killed through the bastion passes" 0
cat >"$T/cut.lua" <<'EOF'
return gameday.scenario {
  id = "cut-all", title = "lab1 drops every packet but the runner's SSH",
  targets = { one = "lab[0]" },
  steady_state = { probe.exec { name = "lab1 answers", on = "one", cmd = "true" } },
  faults = { fault.net_loss { on = "one", percent = 100, duration = "1m" } },
  observe = { duration = "2s", every = "1s" },
  expect = "hold",
}
EOF
run_cmd $O $E "$GD" run "$T/cut.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "100% loss on lab1 behind the bastion: the runner keeps control through it" 0
check "lab1 is clean after the revert" on 'lab[0]' '! nft list ruleset 2>/dev/null | grep -q gameday_gd'

echo "-- two hops: bastion, then lab1, then lab2"
on 'lab[1]' "nft insert rule inet gameday_lab input ip saddr $A1 tcp dport 22 accept" >/dev/null
sed "s|^\(        lab2:\)$|\1\n          gameday_jump: bastion,$A1|" "$INV" >$T/two.yaml
run_cmd $O $E "$GD" exec -i $T/two.yaml 'lab[1]' -- 'echo "from=${SSH_CONNECTION%% *}"'
expect_rc "lab2 through bastion and lab1" 0
expect_in "lab2 saw lab1's address" $O "from=$A1"
grep -v "^$A1 " "$KH" >$T/kh-no-lab1
sed "s|UserKnownHostsFile .*|UserKnownHostsFile $T/kh-no-lab1|" "$CFG" >$T/cfg-no-lab1
sed "s|-F $CFG|-F $T/cfg-no-lab1|" $T/two.yaml >$T/two-nokey.yaml
run_cmd $O $E "$GD" exec -i $T/two-nokey.yaml 'lab[1]' -- true
expect_rc "the second hop's host key is checked too" 3
expect_in "its unknown key is named" $O "unknown host key for $A1:22"

echo "-- an unreachable jump host, said once with every host behind it"
sed "s|HostName $AB|HostName 10.231.254.254|" "$CFG" >$T/cfg-dead
sed "s|-F $CFG|-F $T/cfg-dead|" "$INV" >$T/dead.yaml
run_cmd $O $E "$GD" exec -i $T/dead.yaml lab --connect-timeout 2 -- true
expect_rc "no bastion, no host" 3
check "said once" test "$(grep -c "jump host bastion" $E)" -eq 1
expect_in "naming the hosts behind it" $E "3 hosts behind it: lab1, lab2, lab3"

echo "-- ssh_config aliases: hosts known only by their Host name"
{ printf 'Host web-a\n  HostName %s\n  ProxyJump bastion\nHost web-b\n  HostName %s\n  ProxyJump bastion\n' "$A1" "$A2"
  cat "$CFG"; } >$T/cfg-alias
printf 'web:\n  hosts:\n    web-a:\n    web-b:\n' >$T/alias.yaml
run_cmd $O $E "$GD" exec -i $T/alias.yaml web --ssh-config $T/cfg-alias -- hostname
expect_rc "aliases resolved by ssh -G --ssh-config FILE" 0
expect_in "web-a is lab1" $O "lab1"
expect_in "web-b is lab2" $O "lab2"
run_cmd $O $E "$GD" exec -i $T/alias.yaml web --no-ssh-config -- true
expect_rc "--no-ssh-config: no alias, no way there" 3
expect_in "the name is not resolvable" $O "cannot resolve web-a"

echo "-- known_hosts: @revoked, and --accept-new never records over it"
cp "$KH" $T/kh-revoked
echo "@revoked * $(cut -d' ' -f1,2 $LAB/hosts/lab2/ssh_host_ed25519_key.pub)" >>$T/kh-revoked
sed "s|UserKnownHostsFile .*|UserKnownHostsFile $T/kh-revoked|" "$CFG" >$T/cfg-rev
sed "s|-F $CFG|-F $T/cfg-rev|" "$INV" >$T/rev.yaml
sum0=$(md5sum <$T/kh-revoked)
run_cmd $O $E "$GD" exec -i $T/rev.yaml lab -- true
expect_rc "a revoked host key" 3
expect_in "refused with its own message" $O "=== lab2: unreachable: host key for $A2:22 is REVOKED"
expect_in "the others ran" $O "=== lab1: exit 0"
run_cmd $O $E "$GD" exec -i $T/rev.yaml 'lab[1]' --accept-new -- true
expect_rc "--accept-new does not help a revoked key" 3
check "nothing recorded" test "$(md5sum <$T/kh-revoked)" = "$sum0"

echo "-- an inventory directory: host_vars/ says production"
mkdir -p $T/invdir/host_vars
cp "$INV" $T/invdir/hosts.yml
echo "production: true" >$T/invdir/host_vars/lab1.yml
run_cmd $O $E "$GD" hosts --json -i $T/invdir 'lab[0]'
check "hosts --json sees production from host_vars" grep -q '"production": true' $O
run_cmd $O $E "$GD" run scenarios/web-killed.lua -i $T/invdir --state-dir "$STATE"
expect_rc "a production host from host_vars needs --yes" 2
expect_in "said so" $E "host lab1 is marked production: true; add --yes"
check "nothing was injected: the service still runs" on 'lab[0]' 'kill -0 $(cat /run/web.pid)'

echo "-- a hostile ansible_host is refused at load"
printf 'all:\n  hosts:\n    evil:\n      ansible_host: "%s$(touch %s/pwned)"\n' "$A1" "$T" >$T/evil.yaml
run_cmd $O $E "$GD" exec -i $T/evil.yaml all -- true
expect_rc "refused" 2
expect_in "naming file, line and value" $E "evil.yaml: line 4: ansible_host of host 'evil' must be a host name or an IP address"
check "nothing ran" test ! -e $T/pwned
run_cmd $O $E "$GD" check $T/evil.yaml
expect_rc "check refuses it too" 2

echo "-- a login that is not root, without become: refused in preflight"
sed "s|^\(      vars:\)$|\1\n        ansible_user: gdsre|" "$INV" >$T/sre.yaml
run_cmd $O $E "$GD" exec -i $T/sre.yaml 'lab[0]' -- id -un
expect_rc "gdsre logs in" 0
expect_in "as gdsre" $O "gdsre"
run_cmd $O $E "$GD" run "$T/cut.lua" -i $T/sre.yaml --state-dir "$STATE"
expect_rc "a fault that needs root, on a user without root or become" 3
expect_in "refused naming the host and what is missing" $E "lab1: fault.net_loss needs root: gdsre is not root there and ansible_become is not set"
check "nothing was injected" on 'lab[0]' '! nft list ruleset 2>/dev/null | grep -q gameday_gd'

finish
