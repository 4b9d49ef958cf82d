#!/usr/bin/env bash
# test_hosts_vs_ansible.sh: `gameday hosts -i INV PATTERN` must print the hosts
# `ansible -i INV PATTERN --list-hosts` prints, in the same order; `gameday
# hosts --json` must give every host the variables `ansible-inventory --list`
# gives it, and connect where Ansible's ssh connection connects (address,
# port, user, key, become) -- for YAML and INI files, inventory directories
# with group_vars/ and host_vars/, several -i, plugins and scripts: Ansible's
# own test inventories (tests/fixtures/ansible) and ours
# (tests/fixtures/inventories). The last line counts the agreement per kind.
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
export ANSIBLE_INVENTORY_UNPARSED_FAILED=True
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

# ---- broken inventories: both refuse them ----

for f in "$FIX"/bad_*.yaml; do
	[ -e "$f" ] || continue
	if ansible -i "$f" all --list-hosts >/dev/null 2>&1; then a=reads; else a=refuses; fi
	"$GD" hosts -i "$f" all >/dev/null 2>"$T/err"
	rc=$?
	case $rc in 0|1) g=reads ;; 2) g=refuses ;; *) g="exit $rc" ;; esac
	same "broken $(basename "$f")" "$a" "$g"
done

# ---- variables, connections and patterns, per kind of inventory ----

AF=tests/fixtures/ansible OF=tests/fixtures/inventories
declare -A AGREE=() TOTAL=()
count() {   # count KIND PASSED(0|1)
	TOTAL[$1]=$(( ${TOTAL[$1]:-0} + 1 ))
	[ "$2" = 1 ] && AGREE[$1]=$(( ${AGREE[$1]:-0} + 1 ))
}

# The oracle: for each line "KIND<TAB>NAME<TAB>SRC[<TAB>SRC...]" on stdin, one
# line of JSON with what ansible-inventory --list prints as hostvars (its own
# code: InventoryCLI's _get_host_variables) and the hosts of patterns made
# from the inventory's groups and hosts (CLI.get_host_list, as ansible does),
# or the error that makes Ansible refuse the sources. One Python for all.
cat >"$T/oracle.py" <<'PY'
import json, sys
from ansible import context
from ansible.cli import CLI
from ansible.cli.inventory import InventoryCLI
from ansible.errors import AnsibleError
from ansible.inventory.manager import InventoryManager
from ansible.module_utils.common.collections import ImmutableDict
from ansible.parsing.dataloader import DataLoader
from ansible.utils.display import Display
from ansible.vars.manager import VariableManager
Display().verbosity = 0
context.CLIARGS = ImmutableDict(export=False, basedir=None)
for line in sys.stdin.read().split("\n")[:-1]:
    kind, name, *srcs = line.split("\t")
    out = {"kind": kind, "name": name, "srcs": srcs}
    try:
        loader = DataLoader()
        inv = InventoryManager(loader=loader, sources=srcs)
        cli = InventoryCLI(["ansible-inventory", "--list"])
        cli.loader, cli.inventory = loader, inv
        cli.vm = VariableManager(loader=loader, inventory=inv)
        hv = {h.name: cli._get_host_variables(h) for h in inv.get_hosts()}
        json.dumps(hv)
        out["hostvars"] = hv
        groups = [g for g in inv.groups if g != "all"][:5]
        hosts = sorted(hv)[:2]
        pats = ["all", "all[-1]", "all[1:]"]
        for g in groups:
            pats += [g, g + "[-1]", "all:!" + g]
        pats += [groups[-1][:2] + "*"] if groups else []
        pats += hosts + [h + ":" + groups[-1] for h in hosts[:1] if groups]
        if any(s.endswith("plugins") for s in srcs):   # ansible-inventory runs each time
            pats = pats[:8]
        res = {}
        for p in dict.fromkeys(pats):
            try:
                res[p] = [h.name for h in CLI.get_host_list(inv, None, p)]
            except AnsibleError:
                res[p] = []
        out["patterns"] = res
    except Exception as e:
        out["error"] = str(e).replace("\n", " ")[:300]
    print(json.dumps(out))
PY

# judge.py DIR N: for each source i < N, the oracle's line DIR/o.i and gameday's
# DIR/g.i.json, DIR/g.i.pats, DIR/g.i.err, DIR/r.i (the words of a refusal by
# design): one "KIND ok|bad NAME what" line per host's variables and pattern.
cat >"$T/judge.py" <<'PY'
import json, os, sys
d, n = sys.argv[1], int(sys.argv[2])
def judge(i):
    o = json.loads(open("%s/o.%d" % (d, i)).read())
    kind, name = o["kind"], o["name"]
    gerr = open("%s/g.%d.err" % (d, i)).read()
    design = open("%s/r.%d" % (d, i)).read().strip()
    try:
        g = {h["name"]: h for h in json.load(open("%s/g.%d.json" % (d, i)))}
    except Exception:
        g = None
    def say(ok, what):
        print("%s %s %s: %s" % (kind, "ok" if ok else "bad", name, what))
    if "error" in o or g is None:
        if "error" in o and g is None:
            say(True, "both refuse it")
        elif design and design in gerr:
            say(True, "by design: " + gerr.strip()[:200])
        else:
            say(False, "ansible %s it, gameday %s it: %s %s" % ("refuses" if "error" in o else
                "reads", "refuses" if g is None else "reads", o.get("error", ""), gerr.strip()[:200]))
        return
    hv = o["hostvars"]
    for h in sorted(set(hv) | set(g)):
        if h not in g or h not in hv:
            say(False, "host %s only in %s" % (h, "gameday" if h in g else "ansible"))
            continue
        want = {k: (None if isinstance(v, (list, dict, tuple)) else v) for k, v in hv[h].items()}
        got = g[h]["vars"]
        diff = ["%s: ansible %r, gameday %r" % (k, want.get(k, "(unset)"), got.get(k, "(unset)"))
                for k in sorted(set(want) | set(got)) if want.get(k, "(unset)") != got.get(k, "(unset)")]
        say(not diff, "vars of %s%s" % (h, ": " + "; ".join(diff) if diff else ""))
    pg = {}
    for line in open("%s/g.%d.pats" % (d, i)):
        p, _, hosts = line.rstrip("\n").partition("\t")
        pg[p] = hosts.split() if hosts else []
    # ansible-inventory gives a plugin's groups sorted, not in the order they
    # were made: over several groups, the hosts are compared as sets there
    unordered = any(s.endswith("plugins") or "constructed" in s for s in o["srcs"])
    others = [json.loads(open("%s/o.%d.%d" % (d, i, k)).read()).get("patterns", {}) for k in (1, 2)]
    for p, want in o["patterns"].items():
        got = pg.get(p)
        varies = any(x.get(p) != want for x in others)   # ansible's own order changes
        same = got == want or ((unordered or varies) and got is not None and
                               sorted(got) == sorted(want))
        say(same, "pattern %r%s" % (p, "" if same else ": ansible %s, gameday %s" % (want, got)))
for i in range(1, n + 1):
    judge(i)
PY

# What gameday refuses on purpose, and the words that say why.
# And what it reads with a warning where Ansible stops: a vaulted vars file
# (no vault password), skipped with its variables.
declare -A REFUSE=(
	[delegate_to_inventory]="is a Jinja template"
	[lib_ansible_test_config_inventory.networking.template]="must be a host name or an IP address"
	[lib_ansible_test_config_inventory.winrm.template]="must be a host name or an IP address"
	[ansible-vault_invalid_format/]="encrypted with ansible-vault, which gameday does not decrypt"
	[ansible-vault_invalid_format/inventory]="encrypted with ansible-vault, which gameday does not decrypt"
)

sources=()   # KIND<TAB>NAME<TAB>SRC...
for f in tests/unit/fixtures/inventory/{basic,nested,ranges,patterns,anchors,priority}.yaml; do
	sources+=("YAML	$(basename "$f")	$f")
done
for f in "$AF"/ini/* "$OF"/legacy.ini "$OF"/typed.ini; do
	sources+=("INI	$(basename "$f")	$f")
done
for d in "$AF"/dirs/* "$OF"/precedence; do
	sources+=("directories	$(basename "$d")/	$d")
	for f in "$d"/*; do
		[ -f "$f" ] && [ "${f##*.}" != ini ] && sources+=("directories	$(basename "$d")/$(basename "$f")	$f")
	done
done
sources+=("directories	multi -i -i	$OF/multi/one/inv.ini	$OF/multi/two/inv.yml")
sources+=("directories	plugins (constructed, script)	$OF/plugins")
printf '%s\n' "${sources[@]}" | "${PY[@]}" "$T/oracle.py" >"$T/oracle" 2>"$T/oracle.err"
# Ansible walks a level of the group tree through a set, so some orders change
# from run to run: two more runs with other hash seeds find them
for seed in 1 2; do
	printf '%s\n' "${sources[@]}" | PYTHONHASHSEED=$seed "${PY[@]}" "$T/oracle.py" >"$T/oracle.$seed" 2>/dev/null
done
[ "$(wc -l <"$T/oracle")" -eq "${#sources[@]}" ] || bad "the oracle answered for every source: $(tail -3 "$T/oracle.err")"

n=0
while IFS= read -r line; do
	n=$((n + 1))
	printf '%s\n' "$line" >"$T/o.$n"
	sed -n "${n}p" "$T/oracle.1" >"$T/o.$n.1"
	sed -n "${n}p" "$T/oracle.2" >"$T/o.$n.2"
	IFS=$'\t' read -r kind name rest <<<"${sources[n - 1]}"
	IFS=$'\t' read -r -a srcs <<<"$rest"
	printf '%s\n' "${REFUSE[$name]:-}" >"$T/r.$n"
	iargs=()
	for s1 in "${srcs[@]}"; do iargs+=(-i "$s1"); done
	"$GD" hosts --json "${iargs[@]}" all >"$T/g.$n.json" 2>"$T/g.$n.err"
	: >"$T/g.$n.pats"
	case $line in *'"patterns"'*)
		sed 's/.*"patterns": {//; s/}, *"[a-z]*": .*//; s/}}$//' "$T/o.$n" | grep -o '"[^"]*": \[' |
		    sed 's/^"//; s/": \[$//' | while IFS= read -r p; do
			printf '%s\t%s\n' "$p" "$("$GD" hosts "${iargs[@]}" -- "$p" 2>/dev/null | tr '\n' ' ')"
		done >"$T/g.$n.pats" ;;
	esac
done <"$T/oracle"
while read -r k st rest; do
	case $st in
	ok) count "$k" 1; PASSED=$((PASSED + 1)) ;;
	*) count "$k" 0; bad "$k $rest" ;;
	esac
done < <("${PY[@]}" "$T/judge.py" "$T" "$n" 2>&1 || echo "INI bad: cannot judge")
ok "$(grep -c . "$T/oracle") sources compared with ansible's own inventory code"

# Where Ansible's ssh connection connects: its real ssh command line, from
# an ssh that writes down what it was asked and says the become marker.
cat >"$T/fake-ssh" <<'PY'
#!/usr/bin/python3
import json, os, re, sys
with open(os.environ["GD_FAKE_SSH_LOG"], "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\n")
m = re.search(r"BECOME-SUCCESS-[a-z]+", " ".join(sys.argv))
print(m.group(0) if m else "")
PY
chmod +x "$T/fake-ssh"
cat >"$T/conn.py" <<'PY'
# conn.py SSH_LOG GAMEDAY_JSON: address, port, user, key and become of each
# host as Ansible's ssh connection ran them, against gameday's.
import json, re, sys
import os
g = {h["name"]: h for h in json.load(open(sys.argv[2]))}
seen = {}
for line in (open(sys.argv[1]) if os.path.exists(sys.argv[1]) else []):
    args = json.loads(line)
    cmd, addr = args[-1], args[-2]
    m = re.search(r"gameday-host=([^\s']+)", cmd)
    if not m:
        continue
    o = {}
    for i, a in enumerate(args[:-2]):
        if a == "-o":
            k, _, v = args[i + 1].partition("=")
            o.setdefault(k, v.strip('"'))
    become = re.search(r"sudo .*?-u (\S+)", cmd)
    seen[m.group(1)] = {"addr": addr, "port": int(o.get("Port", 22)), "user": o.get("User"),
                        "key_file": o.get("IdentityFile"),
                        "become_user": become.group(1) if become else None}
for name in sorted(set(seen) | set(g)):
    h = g.get(name)
    if h is not None and h.get("refusal"):
        print("ok %s: refused by gameday: %s" % (name, h["refusal"]))
    elif h is None or name not in seen:
        print("bad %s: only in %s" % (name, "gameday" if h else "ansible"))
    else:
        got = {"addr": h["addr"], "port": h["port"], "user": h["user"], "key_file": h["key_file"],
               "become_user": (h["become_user"] or "root") if h["become"] else None}
        print(("ok %s" % name) if got == seen[name] else
              "bad %s: ansible %s, gameday %s" % (name, seen[name], got))
PY
conn() {   # conn KIND SRC...
	local kind=$1 st rest; shift
	local iargs=() s1
	for s1 in "$@"; do iargs+=(-i "$s1"); done
	rm -f "$T/ssh.log"
	"$GD" hosts --json "${iargs[@]}" all >"$T/c.json" 2>/dev/null
	GD_FAKE_SSH_LOG="$T/ssh.log" ANSIBLE_SSH_EXECUTABLE="$T/fake-ssh" ANSIBLE_SSH_RETRIES=0 \
	    ANSIBLE_PIPELINING=False ansible "${iargs[@]}" all -f 50 -m raw \
	    -a 'true gameday-host={{ inventory_hostname }}' >/dev/null 2>&1
	while read -r st rest; do
		case $st in
		ok) count "$kind" 1; PASSED=$((PASSED + 1)) ;;
		*) count "$kind" 0; bad "connection $kind $rest" ;;
		esac
	done < <("${PY[@]}" "$T/conn.py" "$T/ssh.log" "$T/c.json" 2>&1 || echo "bad cannot compare")
}
for f in tests/unit/fixtures/inventory/{basic,nested,ranges}.yaml; do conn YAML "$f"; done
for f in "$OF"/legacy.ini "$AF"/ini/ansible-inventory_files_complex.ini "$AF"/ini/delegate_to_inventory_interpreters; do
	conn INI "$f"
done
conn directories "$OF/precedence"
conn directories "$AF/dirs/var_blending"
conn directories "$OF/multi/one/inv.ini" "$OF/multi/two/inv.yml"
ok "connections compared with ansible's ssh command lines"

GAMEDAY_INVENTORY="$OF/multi/one/inv.ini,$OF/multi/two/inv.yml" "$GD" hosts --json all >"$T/env.json" 2>/dev/null
"$GD" hosts --json -i "$OF/multi/one/inv.ini" -i "$OF/multi/two/inv.yml" all >"$T/twoi.json" 2>/dev/null
check "GAMEDAY_INVENTORY=a,b reads what -i a -i b reads" cmp -s "$T/env.json" "$T/twoi.json"

echo "agreement with Ansible: YAML ${AGREE[YAML]:-0}/${TOTAL[YAML]:-0}," \
    "INI ${AGREE[INI]:-0}/${TOTAL[INI]:-0}, directories ${AGREE[directories]:-0}/${TOTAL[directories]:-0}" \
    "(and the patterns above: YAML)"

finish
