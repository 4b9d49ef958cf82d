#!/usr/bin/env bash
# test_faults.sh: every fault kind of the catalog, injected on real hosts of a
# lab by `gameday run`, proven in effect mid-fault by checks on the host itself,
# reverted, verified gone, and the host proven back to the state it had.
# Kinds this machine cannot run (netem, systemd) must be refused in preflight;
# clock_skew is only ever shown with --dry-run (lab hosts share the real clock).
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

lab_up 3
LISTENER_PID=
stop_listener() { [ -z "$LISTENER_PID" ] || kill "$LISTENER_PID"; }
at_exit stop_listener
A1=$(lab_field lab1 addr) A2=$(lab_field lab2 addr) A3=$(lab_field lab3 addr)
RUNNER=$(echo "$A1" | cut -d. -f1-3).1   # the runner (the lab's bridge) as the hosts see it

# a TCP sink: accepts on ADDR PORT..., reads every connection to its end;
# prints the ports it listens on (0 = any free port)
cat >"$T/sink.py" <<'EOF'
import socket, sys, threading
def drain(c):
    try:
        while c.recv(65536):
            pass
    finally:
        c.close()
def serve(s):
    while True:
        c, _ = s.accept()
        threading.Thread(target=drain, args=(c,), daemon=True).start()
for port in sys.argv[2:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], int(port)))
    s.listen(16)
    print(s.getsockname()[1], flush=True)
    threading.Thread(target=serve, args=(s,), daemon=True).start()
threading.Event().wait()
EOF
# send.py ADDR PORT BYTES: the ms it takes to send BYTES and see them all taken
cat >"$T/send.py" <<'EOF'
import socket, sys, time
t = time.monotonic()
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=8)
s.sendall(b"\0" * int(sys.argv[3]))
s.shutdown(socket.SHUT_WR)
while s.recv(65536):
    pass
print(int((time.monotonic() - t) * 1000))
EOF
# udp.py ADDR PORT: sends one datagram; fails when the host refuses to send it
cat >"$T/udp.py" <<'EOF'
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"q", (sys.argv[1], int(sys.argv[2])))
EOF

# what each lab host looks like: qdiscs, nftables, files under /srv and
# /run/gameday (mode and size), processes (state and command line; one shown
# as [name] has no command line left: it is exiting, the shell of an earlier
# command say, as a lab host's PID namespace holds no kernel threads)
SNAP='tc qdisc show; tc class show dev eth0; tc filter show dev eth0; nft list ruleset
find /srv /run/gameday -mindepth 1 ! -name "*.pid" -printf "%p %m %s\n" 2>/dev/null | sort
ps -eo stat=,args= | grep -v -E "[s]shd|[p]s -eo|[s]ort|[g]rep -v|^[^ ]+ +\[[^]]*\]$" | sort'
snapshot() { "$GD" exec -i "$INV" lab -- "$SNAP" 2>/dev/null | sed 's/^\(=== lab[0-9]*: exit [0-9]*\) (.*/\1/' >"$T/snap.$1"; }
same_as() {
	snapshot now
	if diff -u "$T/snap.$1" "$T/snap.now" >"$T/snap.diff"; then ok "$2: every lab host as it was before"
	else bad "$2: lab hosts changed:"; sed 's/^/      | /' "$T/snap.diff" | head -30; fi
}
# nothing of gameday's left on any lab host: no nft table, no qdisc of ours,
# no marker or pid file, no fill/aside/mem file, no hog, dead-man or sleeper
CLEAN='left=$(
  nft list tables | grep gameday_
  tc qdisc show | grep -E "qdisc (htb|netem|tbf)"
  ls -A /run/gameday 2>/dev/null
  find /srv -name "*gameday*"
  ps -eo args= | grep -E "[g]d-[0-9a-f]+-[0-9]+|[w]hile :; do :; done|^[s]leep 60$|^[t]imeout ")
[ -z "$left" ] || { echo "$left"; exit 1; }'
clean() {
	if on lab "$CLEAN" >"$T/clean.out"; then ok "$1: nothing of gameday left on the lab hosts"
	else bad "$1: left behind:"; grep -v '^gameday:' "$T/clean.out" | sed 's/^/      | /' | head -20; fi
}

# scenario NAME FAULT [MID-PROBES]: a game day with one fault on lab1, checks
# on the hosts (probe.exec named "mid: ...") sampled while the fault is on
scenario() {
	cat >"$T/$1.lua" <<EOF
local f = $2
return gameday.scenario {
  id = "faults-$1", title = "fault $1 on a lab host",
  targets = { one = "lab[0]", two = "lab[1]" },
  steady_state = { probe.exec { name = "up", on = "lab[0]", cmd = "true" } },
  faults = { f },
  observe = { duration = "1s", every = "1s", probes = {
    probe.exec { name = "mid: dead-man timer armed on the host", on = "lab[0]",
      cmd = [==[ls /run/gameday/*.deadman >/dev/null && for m in /run/gameday/*.deadman; do kill -0 "\$(cat "\$m")" || exit 1; done]==] },
    ${3:-} } },
  expect = "degrade",
}
EOF
}
# mid NAME CMD [ON]: a check on a host while the fault is on (lua text)
mid() { printf 'probe.exec { name = "mid: %s", on = "%s", timeout = "5s", cmd = [==[%s]==] },\n' "$1" "${3:-lab[0]}" "$2"; }

# run_fault NAME KIND [EXIT VERDICT]: runs the game day and checks its JSON
cat >"$T/check.py" <<'EOF'
import json, sys
path, kind, want_exit, want_verdict = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def say(good, msg):
    print(("ok" if good else "bad") + "\t" + kind + ": " + msg)
try:
    d = json.load(open(path))
except Exception as e:
    say(False, "--json output is not JSON: %s" % e); sys.exit(0)
say(d.get("exit") == want_exit and d.get("verdict") == want_verdict,
    "verdict %s, exit %s" % (d.get("verdict"), d.get("exit")) +
    ("" if d.get("exit") == want_exit else " (want %s, %d): %s" % (want_verdict, want_exit, d.get("error"))))
fs = d.get("faults") or []
f = fs[0] if len(fs) == 1 else {}
say(len(fs) == 1 and f.get("kind") == kind and f.get("host") == "lab1", "one fault, %s on lab1" % kind)
say(f.get("active") is True, "seen active right after inject (active=%s)" % f.get("active"))
say(f.get("reverted") is True and f.get("revert_detail") == "reverted, verified gone",
    "reverted and verified gone (%s)" % f.get("revert_detail"))
mids = {}
for e in d.get("timeline", []):
    if e.get("kind") == "probe" and e.get("name", "").startswith("mid: "):
        mids.setdefault(e["name"][5:], []).append(e)
for name, evs in mids.items():
    bad = [e for e in evs if not e["ok"] or e["phase"] not in ("observe", "run")]
    say(not bad, "during the fault: %s (%d samples)" % (name, len(evs)) + (": " + bad[0]["detail"] if bad else ""))
say(len(mids) >= 2, "host checks ran during the fault (%d)" % len(mids))
steady = [e for e in d.get("timeline", []) if e.get("name") == "up"]
say(steady and all(e["ok"] for e in steady), "runner kept control: every steady-state probe ran (%d)" % len(steady))
EOF
run_fault() {
	local name=$1 kind=$2 want_exit=${3:-0} want_verdict=${4:-pass}
	run_cmd "$T/$name.json" "$T/$name.err" "$GD" run "$T/$name.lua" -i "$INV" --state-dir "$STATE" --json
	expect_rc "$kind: gameday run" "$want_exit"
	while IFS=$'\t' read -r st msg; do
		if [ "$st" = ok ]; then ok "$msg"; else bad "$msg"; fi
	done < <(python3 "$T/check.py" "$T/$name.json" "$kind" "$want_exit" "$want_verdict")
	[ "$RC" -eq "$want_exit" ] || sed 's/^/      | /' "$T/$name.err" | tail -15
}

# reach ADDR PORT [SECS]: shell that opens a TCP connection to ADDR:PORT (a blocked
# SYN is retried, not refused: "! reach ... 1" gives up on it after a second)
reach() { echo "timeout ${3:-3} bash -c '</dev/tcp/$1/$2'"; }

# a sink on lab2 (TCP 53 for DNS, 9000 for throughput) and one on the runner
on 'lab[1]' "nohup setsid python3 $T/sink.py 0.0.0.0 53 9000 </dev/null >/dev/null 2>&1 & echo \$! > /srv/sink.pid" >/dev/null
python3 "$T/sink.py" "$RUNNER" 0 >"$T/runner-port" 2>/dev/null &
LISTENER_PID=$!
for _ in $(seq 50); do [ -s "$T/runner-port" ] && on 'lab[1]' "$(reach "$A2" 9000)" >/dev/null && break; sleep 0.1; done
RPORT=$(head -n 1 "$T/runner-port")
check "sinks listening on lab2:53, lab2:9000 and the runner:$RPORT" \
	on 'lab[0]' "$(reach "$A2" 53) && $(reach "$A2" 9000) && $(reach "$RUNNER" "$RPORT")"

snapshot start

echo "-- disk_fill"
on 'lab[0]' 'df -P -B1 /srv | awk "NR==2 {print \$3}"' >"$T/used0"
scenario disk "fault.disk_fill { on = \"one\", path = \"/srv\", percent = 90, duration = \"60s\" }" "
$(mid "/srv at least 89% full" 'df -P /srv | awk "NR==2 { sub(\"%\", \"\", \$5); exit !(\$5 >= 89) }"')
$(mid "a 16M write to /srv fails" 'if dd if=/dev/zero of=/srv/.w bs=1M count=16 2>/dev/null; then rm -f /srv/.w; exit 1; fi; rm -f /srv/.w')
$(mid "the fill file is there" 'ls -A /srv | grep -q "^.gameday-fill-gd-"')"
run_fault disk disk_fill
check "disk_fill: /srv takes a 16M write again" on 'lab[0]' 'dd if=/dev/zero of=/srv/.w bs=1M count=16 2>/dev/null && rm -f /srv/.w'
on 'lab[0]' 'df -P -B1 /srv | awk "NR==2 {print \$3}"' >"$T/used1"
check "disk_fill: /srv usage back to what it was" cmp -s "$T/used0" "$T/used1"
clean disk_fill
same_as start disk_fill

echo "-- file_mode"
on 'lab[0]' 'echo secret > /srv/app.conf && chmod 640 /srv/app.conf' >/dev/null
snapshot file
scenario mode "fault.file_mode { on = \"one\", path = \"/srv/app.conf\", mode = \"000\", duration = \"60s\" }" "
$(mid "mode of /srv/app.conf is 000" 'test "$(stat -c %a /srv/app.conf)" = 0')"
run_fault mode file_mode
check "file_mode: /srv/app.conf has mode 640 again, same content" \
	on 'lab[0]' 'test "$(stat -c %a /srv/app.conf)" = 640 && test "$(cat /srv/app.conf)" = secret'
clean file_mode
same_as file file_mode

echo "-- file_mode through a symlink: the target's mode is the one put back"
on 'lab[0]' 'ln -s app.conf /srv/link.conf' >/dev/null
scenario modelink "fault.file_mode { on = \"one\", path = \"/srv/link.conf\", mode = \"0600\", duration = \"60s\" }" "
$(mid "mode of the target /srv/app.conf is 600" 'test "$(stat -c %a /srv/app.conf)" = 600')"
run_fault modelink file_mode
check "file_mode through a symlink: the target has mode 640 again (not the link's 777)" \
	on 'lab[0]' 'test "$(stat -c %a /srv/app.conf)" = 640 && test "$(readlink /srv/link.conf)" = app.conf'
on 'lab[0]' 'rm /srv/link.conf' >/dev/null
clean "file_mode through a symlink"
same_as file "file_mode through a symlink"

echo "-- file_move"
scenario move "fault.file_move { on = \"one\", path = \"/srv/app.conf\", duration = \"60s\" }" "
$(mid "/srv/app.conf is gone" 'test ! -e /srv/app.conf')
$(mid "it waits aside" 'test "$(cat /srv/app.conf.gameday-aside-gd-*)" = secret')"
run_fault move file_move
check "file_move: /srv/app.conf back in place, mode 640, same content" \
	on 'lab[0]' 'test "$(stat -c %a /srv/app.conf)" = 640 && test "$(cat /srv/app.conf)" = secret'
clean file_move
same_as file file_move

echo "-- file_move: a file made meanwhile at the path is never clobbered"
cat >"$T/clobber.lua" <<'EOF'
local f = fault.file_move { on = "lab[0]", path = "/srv/app.conf", duration = "60s" }
return gameday.scenario {
  id = "faults-clobber", title = "someone writes a new file where the moved one was",
  steady_state = { probe.exec { name = "up", on = "lab[0]", cmd = "true" } },
  faults = { f },
  run = function(ctx)
    ctx:inject(f)
    return ctx:exec("lab[0]", "echo new > /srv/app.conf")[1].exit == 0
  end,
}
EOF
run_cmd "$T/clobber.json" "$T/clobber.err" "$GD" run "$T/clobber.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "file_move over a new file: the run fails" 1
check "file_move over a new file: revert refuses, says where the original is" python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
f = d["faults"][0]
assert d["verdict"] == "fail" and f["active"] is True and f["reverted"] is False, d
assert re.match(r"revert failed: exit 1: /srv/app.conf exists again, the original is kept at "
    r"/srv/app.conf.gameday-aside-gd-[0-9a-f]+-1$", f["revert_detail"]), f["revert_detail"]
assert any(x["kind"] == "revert-failed" for x in d["findings"]), d["findings"]
' "$T/clobber.json"
check "file_move over a new file: both files kept" \
	on 'lab[0]' 'test "$(cat /srv/app.conf)" = new && test "$(cat /srv/app.conf.gameday-aside-gd-*)" = secret'
DEADMAN_UP='ls /run/gameday/*.deadman >/dev/null 2>&1 && kill -0 "$(cat /run/gameday/*.deadman)"'
check "file_move over a new file: its dead-man timer stays armed, as a safety net" on 'lab[0]' "$DEADMAN_UP"
# the operator keeps the original; recover then finishes the revert and closes the run
on 'lab[0]' 'rm /srv/app.conf' >/dev/null
recover_run() {
	local id
	id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"])' "$T/$1.json")
	run_cmd $O $E "$GD" recover "$id" --state-dir "$STATE"
	expect_rc "$2: gameday recover $id closes it" 0
}
recover_run clobber "file_move over a new file"
check "file_move over a new file: recovered, the original back with mode 640" \
	on 'lab[0]' 'test "$(stat -c %a /srv/app.conf)" = 640 && test "$(cat /srv/app.conf)" = secret'
clean "file_move over a new file, recovered"
same_as file "file_move over a new file, recovered"
on 'lab[0]' 'rm -f /srv/app.conf' >/dev/null

echo "-- process_kill"
START_VICTIM='nohup setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $! > /srv/victim.pid'
on 'lab[0]' "$START_VICTIM" >/dev/null
V1=$(on 'lab[0]' 'cat /srv/victim.pid')
snapshot victim
scenario kill "fault.process_kill { on = \"one\", pidfile = \"/srv/victim.pid\", restart = [[$START_VICTIM]], duration = \"60s\" }" "
$(mid "victim (pid $V1) is dead" "test ! -e /proc/$V1 || grep -q '^State:.*Z' /proc/$V1/status")"
run_fault kill process_kill
V2=$(on 'lab[0]' 'cat /srv/victim.pid')
check "process_kill: revert restarted the victim (pid $V1 -> $V2)" \
	on 'lab[0]' "[ '$V2' != '$V1' ] && test ! -e /proc/$V1 && grep -q '^State:.*S' /proc/$V2/status && grep -qx 'sleep' /proc/$V2/comm"
clean process_kill
same_as victim process_kill

echo "-- process_stop"
scenario stop "fault.process_stop { on = \"one\", pidfile = \"/srv/victim.pid\", duration = \"60s\" }" "
$(mid "victim (pid $V2) is stopped" "grep -q '^State:.*T' /proc/$V2/status")"
run_fault stop process_stop
check "process_stop: victim (pid $V2) runs again (state S)" on 'lab[0]' "grep -q '^State:.*S' /proc/$V2/status"
clean process_stop
same_as victim process_stop

echo "-- process_kill without restart: nothing brings the victim back"
scenario killnr "fault.process_kill { on = \"one\", pidfile = \"/srv/victim.pid\", signal = \"TERM\", duration = \"60s\" }"
run_cmd "$T/killnr.json" "$T/killnr.err" "$GD" run "$T/killnr.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "process_kill, no restart: the run fails" 1
check "process_kill, no restart: killed, and the revert says it is still down" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = d["faults"][0]
assert d["verdict"] == "fail" and f["label"] == "kill -TERM pidfile /srv/victim.pid", d
assert f["active"] is True and f["reverted"] is False, f
assert f["revert_detail"] == "revert ran but the fault is still active", f["revert_detail"]
assert d["error"] == "a revert failed or could not be verified: see findings", d["error"]
' "$T/killnr.json"
check "process_kill, no restart: victim (pid $V2) is gone" on 'lab[0]' "test ! -e /proc/$V2"
# the operator starts it again; recover then sees it up and closes the run
on 'lab[0]' "$START_VICTIM" >/dev/null
recover_run killnr "process_kill, no restart"
on 'lab[0]' 'kill "$(cat /srv/victim.pid)" && rm -f /srv/victim.pid' >/dev/null
clean "process_kill, no restart"
same_as start "process_kill, no restart"

echo "-- cpu_hog"
HOGS='ps -eo comm=,stat=,args= | awk '\''$1 == "sh" && /while :; do :; done/'\'''
scenario cpu "fault.cpu_hog { on = \"one\", workers = 2, duration = \"60s\" }" "
$(mid "2 busy loops running" "test \$($HOGS | grep -c '^sh  *R') -eq 2")"
run_fault cpu cpu_hog
check "cpu_hog: no busy loop left" on 'lab[0]' "test -z \"\$($HOGS)\""
clean cpu_hog
same_as start cpu_hog

echo "-- mem_hog (on the lab's private /srv tmpfs: /dev/shm is the real machine's)"
scenario mem "fault.mem_hog { on = \"one\", size = \"16M\", path = \"/srv\", duration = \"60s\" }" "
$(mid "16M more of /srv's tmpfs in use" 'test $(df -P -k /srv | awk "NR==2 {print \$3}") -ge 16384')"
run_fault mem mem_hog
on 'lab[0]' 'df -P -B1 /srv | awk "NR==2 {print \$3}"' >"$T/used2"
check "mem_hog: /srv usage back to what it was" cmp -s "$T/used0" "$T/used2"
clean mem_hog
same_as start mem_hog

echo "-- net_rate"
ms0=$(on 'lab[0]' "python3 $T/send.py $A2 9000 131072")
check "net_rate: before, 128 KiB to lab2 in ${ms0:-?} ms (< 500)" test "${ms0:-9999}" -lt 500
scenario rate "fault.net_rate { on = \"one\", rate = \"1mbit\", duration = \"60s\" }" "
$(mid "htb class 1:20 at 1Mbit on eth0" "tc class show dev eth0 | grep -q 'class htb 1:20 .*rate 1Mbit'")
$(mid "128 KiB to lab2 takes over 700 ms" "test \$(python3 $T/send.py $A2 9000 131072) -gt 700")
$(mid "the runner's SSH flow is spared: it goes by the unlimited class 1:10" \
	"tc filter show dev eth0 | grep -q 'flowid 1:10' && tc -s class show dev eth0 | awk '/class htb 1:10 / { c = 1 } c && /Sent/ { exit !(\$2 > 0) }'")"
run_fault rate net_rate
ms1=$(on 'lab[0]' "python3 $T/send.py $A2 9000 131072")
check "net_rate: after, 128 KiB to lab2 in ${ms1:-?} ms again (< 500)" test "${ms1:-9999}" -lt 500
clean net_rate
same_as start net_rate

echo "-- net_loss (no sch_netem here: nftables)"
scenario loss "fault.net_loss { on = \"one\", percent = 100, duration = \"60s\" }" "
$(mid "nft table gameday_* on lab1, the runner's SSH accepted first" \
	"nft list ruleset | grep -A3 'chain out' | grep -q 'ip daddr $RUNNER tcp sport 22 accept'")
$(mid "lab1 cannot reach lab2:22" "! $(reach "$A2" 22 1)")
$(mid "lab1 cannot reach the runner:$RPORT" "! $(reach "$RUNNER" "$RPORT" 1)")"
run_fault loss net_loss
check "net_loss: lab1 reaches lab2:22 and the runner again" on 'lab[0]' "$(reach "$A2" 22) && $(reach "$RUNNER" "$RPORT")"
clean net_loss
same_as start net_loss

echo "-- partition lab1 | lab2"
scenario part "fault.partition { on = \"one\", peer = \"lab[1]\", duration = \"60s\" }" "
$(mid "nft table gameday_* on lab1" 'nft list tables | grep -q "^table inet gameday_"')
$(mid "lab1 cannot reach lab2:22" "! $(reach "$A2" 22 1)")
$(mid "lab2 cannot reach lab1:22" "! $(reach "$A1" 22 1)" 'lab[1]')
$(mid "lab1 still reaches lab3:22" "$(reach "$A3" 22)")"
run_fault part partition
both_reach() { on 'lab[0]' "$(reach "$A2" 22)" && on 'lab[1]' "$(reach "$A1" 22)"; }
check "partition: lab1 and lab2 reach each other again" both_reach
clean partition
same_as start partition

echo "-- partition lab1 | the runner ($RUNNER)"
scenario partr "fault.partition { on = \"one\", peer = \"$RUNNER\", duration = \"60s\" }" "
$(mid "lab1 cannot reach the runner:$RPORT" "! $(reach "$RUNNER" "$RPORT" 1)")
$(mid "lab1 still reaches lab2:22" "$(reach "$A2" 22)")"
run_fault partr partition
check "partition from the runner: lab1 reaches the runner:$RPORT again" on 'lab[0]' "$(reach "$RUNNER" "$RPORT")"
clean "partition from the runner"
same_as start "partition from the runner"

echo "-- dns_fail"
scenario dns "fault.dns_fail { on = \"one\", duration = \"60s\" }" "
$(mid "a DNS datagram to lab2:53 is not sent" "! python3 $T/udp.py $A2 53")
$(mid "lab1 cannot reach lab2:53/tcp" "! $(reach "$A2" 53 1)")
$(mid "lab1 still reaches lab2:22" "$(reach "$A2" 22)")"
run_fault dns dns_fail
check "dns_fail: DNS to lab2 goes out again (udp and tcp)" on 'lab[0]' "python3 $T/udp.py $A2 53 && $(reach "$A2" 53)"
clean dns_fail
same_as start dns_fail

echo "-- refused in preflight: what this machine cannot run"
preflight_refused() {
	local name=$1 kind=$2 msg=$3
	run_cmd "$T/$name.json" "$T/$name.err" "$GD" run "$T/$name.lua" -i "$INV" --state-dir "$STATE" --json
	expect_rc "$kind: refused in preflight" 3
	check "$kind: refusal says why, exactly" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "error" and d["exit"] == 3, d
assert d["error"] == sys.argv[2], repr(d["error"])
assert not any(e.get("kind") == "inject" for e in d["timeline"]), d["timeline"]
' "$T/$name.json" "$msg" || sed 's/^/      | /' "$T/$name.json" | grep '"error"'
}
NETEM='sch_netem is not available on this kernel: tc qdisc netem, which this fault needs, fails with "Specified qdisc kind is unknown" (load the sch_netem module)'
scenario delay 'fault.net_delay { on = "one", delay = "100ms", jitter = "10ms", duration = "60s" }'
preflight_refused delay net_delay "lab1: fault.net_delay cannot run there: $NETEM"
scenario corrupt 'fault.net_corrupt { on = "one", percent = 5, duration = "60s" }'
preflight_refused corrupt net_corrupt "lab1: fault.net_corrupt cannot run there: $NETEM"
scenario dup 'fault.net_duplicate { on = "one", percent = 5, duration = "60s" }'
preflight_refused dup net_duplicate "lab1: fault.net_duplicate cannot run there: $NETEM"
scenario svc 'fault.service_stop { on = "one", unit = "ssh.service", duration = "60s" }'
preflight_refused svc service_stop "lab1: fault.service_stop cannot run there: systemd is not running on this host"
scenario bigmem 'fault.mem_hog { on = "one", size = "128M", path = "/srv", duration = "60s" }'
run_cmd "$T/bigmem.json" "$T/bigmem.err" "$GD" run "$T/bigmem.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "mem_hog bigger than its tmpfs: refused in preflight" 3
check "mem_hog bigger than its tmpfs: says how much is free" python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
assert re.fullmatch(r"lab1: fault.mem_hog cannot run there: /srv has only \d+ bytes free, less than the 134217728 to hold",
    d["error"]), d["error"]
assert not any(e.get("kind") == "inject" for e in d["timeline"]), d["timeline"]
' "$T/bigmem.json"
clean "refused kinds"
same_as start "refused kinds"

echo "-- clock_skew: --dry-run only"
scenario clock 'fault.clock_skew { on = "one", offset = "+5m", duration = "60s" }'
run_cmd "$T/clock.json" "$T/clock.err" "$GD" run "$T/clock.lua" -i "$INV" --state-dir "$STATE" --json
expect_rc "clock_skew: refused without --dry-run" 2
check "clock_skew: says it runs only with --dry-run" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["error"] == "fault.clock_skew runs only with --dry-run" and d["timeline"] == [], d' "$T/clock.json"
# the wall clock minus the time since boot: a step of the clock moves it, nothing else does
clock_offset() { python3 -c 'import time; print(time.time() - time.clock_gettime(time.CLOCK_BOOTTIME))'; }
off0=$(clock_offset)
run_cmd "$T/clock.json" "$T/clock.err" "$GD" run "$T/clock.lua" -i "$INV" --state-dir "$STATE" --json --dry-run
expect_rc "clock_skew: --dry-run" 0
check "clock_skew: the inject moves the clock by +300 s, the revert back, the check looks for the marker" python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "dry-run" and d["timeline"] == [], d
f = d["faults"][0]
assert f["kind"] == "clock_skew" and f["label"] == "move the clock by +300 s", f
assert re.search(r"echo 300 > \"\$D/gd-[0-9a-f]+-1\.skew\" && date -s \"@\$\(\( \$\(date \+%s\) \+ 300 \)\)\"", f["inject"]), f["inject"]
assert re.search(r"date -s \"@\$\(\( \$\(date \+%s\) - \$\(cat \"\$D/gd-[0-9a-f]+-1\.skew\"\) \)\)\"", f["revert"]), f["revert"]
assert "inject: " + f["inject"] in d["dry_run_text"], d["dry_run_text"]
assert "nothing was changed on any host" in d["dry_run_text"]
' "$T/clock.json"
run_cmd $O $E "$GD" run "$T/clock.lua" -i "$INV" --state-dir "$STATE" --dry-run
expect_rc "clock_skew: --dry-run, as text" 0
expect_in "clock_skew: the printed inject moves the clock by +300 s" $O 'date -s "@$(( $(date +%s) + 300 ))"'
expect_in "clock_skew: the printed revert moves it back" $O 'date -s "@$(( $(date +%s) - $(cat "$D/gd-'
off1=$(clock_offset)
check "clock_skew: the clock was not stepped (wall minus boot time $off0 -> $off1)" \
	python3 -c 'import sys; sys.exit(abs(float(sys.argv[1]) - float(sys.argv[2])) > 0.5)' "$off0" "$off1"
check "clock_skew: no skew marker on lab1" on 'lab[0]' '! ls /run/gameday/*.skew 2>/dev/null | grep -q .'
clean "clock_skew --dry-run"
same_as start "clock_skew --dry-run"

echo "-- bad parameters: refused before any host is touched"
bad_params() {
	local name=$1 what=$2 msg=$3
	run_cmd "$T/$name.json" "$T/$name.err" "$GD" run "$T/$name.lua" -i "$INV" --state-dir "$STATE" --json
	expect_rc "$what: refused" 2
	check "$what: says what is wrong, at which line" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "error" and d["timeline"] == [] and d["faults"] == [], d
assert d["error"].startswith(sys.argv[2]), repr(d["error"])
' "$T/$name.json" "$T/$name.lua:1: $msg" || sed 's/^/      | /' "$T/$name.json" | grep '"error"'
}
scenario bad-disk 'fault.disk_fill { on = "one", path = "/srv", percent = 90, size = "1M", duration = "60s" }'
bad_params bad-disk "disk_fill with both percent and size" "fault.disk_fill: give exactly one of 'percent' or 'size'"
scenario bad-mode 'fault.file_mode { on = "one", path = "/srv/x", mode = "999", duration = "60s" }'
bad_params bad-mode "file_mode with mode \"999\"" "fault.file_mode: 'mode' must be octal digits as a string, like \"000\" or \"0640\""
scenario bad-rate 'fault.net_rate { on = "one", rate = "fast", duration = "60s" }'
bad_params bad-rate "net_rate with rate \"fast\"" "fault.net_rate: 'rate' must be like \"1mbit\", \"500kbit\" or \"2gbit\""
clean "bad parameters"
same_as start "bad parameters"

echo "-- the lab's journals: every intent closed"
check "every intent in this test's journals is closed: reverted and verified" python3 -c '
import json, glob, sys
bad = []
for p in glob.glob(sys.argv[1] + "/runs/*.jsonl"):
    recs = [json.loads(l) for l in open(p) if l.strip()]
    intents = {r["seq"] for r in recs if r.get("type") == "intent"}
    done = {r["seq"] for r in recs if r.get("type") == "reverted" and r.get("ok") and r.get("verified")}
    if intents - done: bad.append(p)
assert not bad, bad
' "$STATE"

on 'lab[1]' 'kill $(cat /srv/sink.pid); rm -f /srv/sink.pid' >/dev/null
finish
