#!/usr/bin/env bash
# test_hosts_vs_ansible.sh: `gameday hosts -i INV PATTERN` must print the hosts
# `ansible -i INV PATTERN --list-hosts` prints, in the same order.
#
# ansible takes about a second a call, so most patterns go through one
# Python process per inventory that drives ansible's own InventoryManager
# exactly as the `ansible` CLI does (CLI.get_host_list); a sample of them is
# then checked against the real `ansible --list-hosts` too, so the shortcut
# cannot drift from the CLI. Without ansible, the whole test is a skip.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

FIX=tests/unit/fixtures/inventory

if ! command -v ansible >/dev/null 2>&1; then
	skip "gameday hosts against ansible: ansible is not installed"; finish
fi
# the Python that runs ansible (its shebang), which can import it
read -r -a PY <<<"$(sed -n '1s/^#! *//p' "$(command -v ansible)")"
if [ "${#PY[@]}" -eq 0 ] || ! "${PY[@]}" -c 'import ansible' 2>/dev/null; then
	skip "gameday hosts against ansible: cannot find the Python that runs ansible"; finish
fi
if [ ! -x "$GD" ]; then
	bad "$GD is built (run make)"; finish
fi

export ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False
export ANSIBLE_NOCOLOR=1 ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_DEPRECATION_WARNINGS=False
export ANSIBLE_INVENTORY_ENABLED=yaml ANSIBLE_INVENTORY_UNPARSED_FAILED=True
export ANSIBLE_LOCAL_TEMP="$T/ansible-tmp" ANSIBLE_HOME="$T/ansible-home"

# ---- inventories generated here, on top of the fixtures ----

# many hosts from ranges, overlapping flat groups
cat >"$T/flat.yaml" <<'YAML'
all:
  children:
    fe:
      hosts:
        fe[001:120].dc1:
    be:
      hosts:
        be-[a:z]:
        fe[100:105].dc1:
    canary:
      hosts:
        fe007.dc1:
        be-q:
        be-c:
    eu:
      hosts:
        fe[050:060].dc1:
        be-[k:m]:
YAML

# a chain of groups nine deep, each adding a host, defined bottom up
{
	for i in 9 8 7 6 5 4 3 2 1; do
		echo "g$i:"
		echo "  hosts:"
		echo "    h$i:"
		echo "    shared:"
		[ "$i" -lt 9 ] && { echo "  children:"; echo "    g$((i + 1)):"; }
	done
} >"$T/chain.yaml"

# groups with several parents and nested children: Ansible walks each level
# of the group tree through a Python set, so its order changes from run to
# run there; compare these as sets
cat >"$T/mesh.yaml" <<'YAML'
all:
  children:
    a:
      children:
        a1: {hosts: {x1: , x2: }}
        a2: {hosts: {x3: }}
    b:
      children:
        b1: {hosts: {y1: , x2: }}
        a2:
    c:
      hosts: {z1: , y1: }
      children:
        a1:
        c1: {children: {c2: {hosts: {deep: , x3: }}}}
YAML

# ---- patterns ----

# common: every pattern form; "err:" marks patterns where gameday stops with
# an error (exit 2) and ansible lists no host (it swallows the error)
common_patterns=(
	'all' '*' 'ungrouped' 'nosuchgroup' ''
)

declare -A pats
pats[basic]="web|db|web:db|web,db|db:web|web:&prod|prod:&web|web:!prod|all:!web|!web|&prod|db:!db_replica|web[0]|web[1]|web[-1]|web[0:1]|web[1:]|web[2:3]|db[0]|db[1:2]|db[-2]|all[0]|all[3:5]|*[10:12]|web*|*.example.com|db?*|db-?.example.com|web0[13]*|web0[!1]*|~web|~db-[ab]|~(?i)WEB|~.*canary|~\\d|monitor|lab|lab2|web01.example.com|web01.example.com:lab1|db_primary:db_replica|prod:!db1.example.com:&db|web:db:&prod:!web01*|all:!*.example.com|err:web[9]|err:web[:2]|err:web[-9]|web[5:9]|*[2]|bastion.example.com:2222|~[|err:~(|db[1-2]|db[2:0]|web[0]:web[-1]|web[0],db[0]|  web , db  |db_primary,,lab"
pats[nested]="all|dc|rack|node|edge|ungrouped|dc[0]|dc[-1]|ungrouped:dc|n1|n2:e1|edge:&node|node:!edge|*[1:3]|[a-z]*|?1|~n|~^e"
pats[ranges]="padded|stepped|letters|multi|ports|open|app09|app1?|ssh1.example.com|2001:db8::1|10.1.0.2|10.1.0.*|gw*|x*|db-b|r1-u2|padded[1:2]|letters[-1]|web[:2]|web[0:2]|open[0]"
pats[patterns]="webservers|web|web*|*web*|web[0]|web[1:2]|webservers[-1]|webservers[0:1]|web:&staging|staging:!web*|db|db*|db[2:]|*db*|dbservers:db|db:dbservers|lab*|lab?|lab1*|lab[12]|lab[!1]*|~lab\\d-a|~web|~.*ing|ungrouped|solo|ungr*|al*|*[0]|*[-1]|web.example.org|*.example.*|staging[1:1]|staging[0:0]|&staging|!db*|db3:&db|webservers,dbservers:!db2:&staging"
pats[flat]="fe|be|canary|eu|fe[0]|fe[119]|fe[-1]|fe[99:106]|be[25:]|canary:eu|eu:&be|fe:!eu|fe1[01]?.dc1|~fe0[0-4]|be-[a-c]|*[120:125]|eu:canary:be[0]"
pats[chain]="g1|g5|g9|g1[0]|g1[-1]|g3[1:3]|g2:!g4|g7:&g5|shared|h4:h2|g*|~h[0-9]"
pats[mesh]="set:all|set:a|set:b|set:c|set:a1|set:a2|set:c1|set:a:!b|set:c:&a|set:*|set:~x"

# ---- gameday vs the Python driver (ansible's InventoryManager) ----

cat >"$T/ansible_hosts.py" <<'PY'
# Prints, for each pattern on stdin (one a line), what `ansible -i INV PATTERN
# --list-hosts` prints: ansible's adhoc CLI calls CLI.get_host_list() and
# turns an AnsibleError into an empty list.
import sys
from ansible.cli import CLI
from ansible.errors import AnsibleError
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.utils.display import Display

Display().verbosity = 0
try:
    inv = InventoryManager(loader=DataLoader(), sources=[sys.argv[1]])
except AnsibleError as e:
    print("INVENTORY-ERROR %s" % str(e).replace("\n", " "))
    sys.exit(0)
for line in sys.stdin.read().split("\n")[:-1]:
    try:
        hosts = CLI.get_host_list(inv, None, line)
        state = "ok"
    except AnsibleError:
        hosts, state = [], "error"
    print("%s %s" % (state, " ".join(h.name if hasattr(h, "name") else str(h) for h in hosts)))
PY

# same WHAT EXPECTED GOT: gameday's answer is ansible's
same() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; printf '      ansible: %s\n      gameday: %s\n' "$2" "$3"; fi
}

run_inventory() {
	local inv=$1 name=$2 list=$3 p mode want got rc state
	local -a plist=() modes=()
	IFS='|' read -r -a raw <<<"$list"
	for p in "${common_patterns[@]}" "${raw[@]}"; do
		mode=ordered
		case $p in
		set:*) mode=set; p=${p#set:} ;;
		err:*) mode=err; p=${p#err:} ;;
		esac
		[ "$name" = mesh ] && mode=set
		plist+=("$p")
		modes+=("$mode")
	done
	printf '%s\n' "${plist[@]}" | "${PY[@]}" "$T/ansible_hosts.py" "$inv" >"$T/$name.ansible" 2>/dev/null
	if grep -q '^INVENTORY-ERROR' "$T/$name.ansible"; then
		bad "$name: ansible cannot read $inv: $(cat "$T/$name.ansible")"
		return
	fi
	local i=0
	while IFS= read -r line; do
		p=${plist[$i]} mode=${modes[$i]}
		state=${line%% *}
		want=${line#* }
		[ "$want" = "$state" ] && want=
		"$GD" hosts -i "$inv" -- "$p" >"$T/out" 2>"$T/err"
		rc=$?
		got=$(tr '\n' ' ' <"$T/out")
		got=${got% }
		if [ "$mode" = err ]; then
			# ansible: no host (it swallowed the error); gameday: exit 2 and a message
			if [ -z "$want" ] && [ "$rc" = 2 ] && [ -s "$T/err" ]; then
				ok "$name $(printf %q "$p"): an error"
			else
				bad "$name $(printf %q "$p"): expected an error"
				printf '      ansible: %s\n      gameday (exit %s): %s %s\n' \
				    "$want" "$rc" "$got" "$(cat "$T/err")"
			fi
		else
			if [ "$mode" = set ]; then
				want=$(tr ' ' '\n' <<<"$want" | sort | tr '\n' ' ')
				got=$(tr ' ' '\n' <<<"$got" | sort | tr '\n' ' ')
			fi
			# exit status: 0 with hosts, 1 without
			if { [ -n "${got// /}" ] && [ "$rc" != 0 ]; } || { [ -z "${got// /}" ] && [ "$rc" != 1 ]; }; then
				got="$got (exit $rc: $(cat "$T/err"))"
			fi
			same "$name $(printf %q "$p")" "$want" "$got"
		fi
		i=$((i + 1))
	done <"$T/$name.ansible"
}

for n in basic nested ranges patterns; do
	run_inventory "$FIX/$n.yaml" "$n" "${pats[$n]}"
done
for n in flat chain mesh; do
	run_inventory "$T/$n.yaml" "$n" "${pats[$n]}"
done

# ---- a sample through the real `ansible` CLI ----

cli() {
	local inv=$1 p=$2 want got
	want=$(ansible -i "$inv" "$p" --list-hosts 2>/dev/null | sed -n '/^ *hosts (/,$p' | tail -n +2 | tr -d ' ' | tr '\n' ' ')
	want=${want% }
	got=$("$GD" hosts -i "$inv" -- "$p" 2>/dev/null | tr '\n' ' ')
	got=${got% }
	same "ansible-cli $(basename "$inv") $(printf %q "$p")" "$want" "$got"
}
cli "$FIX/basic.yaml" 'all'
cli "$FIX/basic.yaml" 'web:db:&prod:!web01*'
cli "$FIX/basic.yaml" 'web[1:]'
cli "$FIX/basic.yaml" '~db-[ab]'
cli "$FIX/nested.yaml" 'all'
cli "$FIX/nested.yaml" 'ungrouped'
cli "$FIX/ranges.yaml" 'ports'
cli "$FIX/ranges.yaml" 'letters'
cli "$FIX/patterns.yaml" 'web*'
cli "$FIX/patterns.yaml" 'lab[12]'
cli "$FIX/patterns.yaml" '*[0]'
cli "$T/flat.yaml" 'fe[99:106]'
cli "$T/chain.yaml" 'g1'
cli "$FIX/patterns.yaml" 'nosuchgroup'

# ---- connection fields: gameday --json against ansible-inventory's hostvars ----

cat >"$T/fields.py" <<'PY'
# Compares gameday's {name, addr, port, user, become, production} with what
# the merged hostvars of ansible-inventory give for the same inventory.
import json, sys
from ansible.module_utils.parsing.convert_bool import boolean
ans = json.load(open(sys.argv[1]))["_meta"]["hostvars"]
for h in json.load(open(sys.argv[2])):
    v = ans.get(h["name"], {})
    want = {"name": h["name"], "addr": v.get("ansible_host", h["name"]),
            "port": int(v.get("ansible_port") or 22), "user": v.get("ansible_user"),
            "become": boolean(v.get("ansible_become", False), strict=False),
            "production": boolean(v.get("production", False), strict=False)}
    print(("ok\t%s" if want == h else "bad\t%s\n      ansible: %s\n      gameday: %s")
          % ((h["name"],) if want == h else (h["name"], want, h)))
PY
for n in basic nested ranges anchors priority; do
	ansible-inventory -i "$FIX/$n.yaml" --list >"$T/hv.json" 2>/dev/null
	"$GD" hosts --json -i "$FIX/$n.yaml" all >"$T/gd.json" 2>/dev/null
	while IFS=$'\t' read -r st line; do
		case $st in
		ok) ok "fields of $n: $line" ;;
		bad) bad "fields of $n: $line" ;;
		*) echo "$st${line:+	$line}" ;;
		esac
	done < <("${PY[@]}" "$T/fields.py" "$T/hv.json" "$T/gd.json" 2>&1 || printf 'bad\tcannot compare\n')
done

# ---- broken inventories: both refuse them ----

for f in "$FIX"/bad_*.yaml; do
	[ -e "$f" ] || continue
	if ansible -i "$f" all --list-hosts >/dev/null 2>&1; then a=reads; else a=refuses; fi
	"$GD" hosts -i "$f" all >/dev/null 2>"$T/err"
	rc=$?
	if [ "$rc" = 2 ]; then g=refuses; else g="reads (exit $rc)"; fi
	same "broken $(basename "$f")" "$a" "$g"
done

finish
