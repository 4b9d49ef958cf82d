#!/usr/bin/env bash
# test_docs_repo.sh: the one doc-repo writer with real git, a real sshd and
# real results. 2 x 20 concurrent writers of mixed kinds (quiz, run, drill)
# into one repo whose upstream is a bare repo on a lab host over SSH: every
# commit and index row there, here and on the remote, the user's unrelated
# edits untouched. Another writer pushing in between (not a fast-forward:
# rebuilt, pushed again). An unknown host key refused, the commit kept for
# `gameday docs push`. A read-only .git, a detached HEAD, an unborn repo.
# Readiness from a real drill run with --participant.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

lab_up 2 --services
ADDR=$(lab_field lab1 addr)
# gameday's SSH rules: ssh-agent first; ~/.ssh/known_hosts when no --known-hosts
export HOME=$T/home
mkdir -p "$HOME/.ssh" && cp "$LAB/known_hosts" "$HOME/.ssh/known_hosts"
git config --global init.defaultBranch main     # $HOME is ours: a clone of the empty origin is on main
git config --global user.name "Doc Keeper" && git config --global user.email keeper@example.org
eval "$(ssh-agent -s)" >/dev/null
at_exit kill "$SSH_AGENT_PID"
ssh-add -q "$LAB/id_ed25519" 2>/dev/null
export GIT_SSH_COMMAND="ssh -o BatchMode=yes -o UserKnownHostsFile=$HOME/.ssh/known_hosts"
URL=ssh://root@$ADDR/srv/origin.git
origin() { on lab1 "git -C /srv/origin.git $1"; }
clone() { git clone -q "$URL" "$1" 2>/dev/null; }

echo "-- a bare origin on lab1, two clones over SSH"
check "origin made" on lab1 'git init -q --bare -b main /srv/origin.git'
check "clone a" clone "$T/a"
A=$T/a

echo "-- real results: a game day, a drill run by alice (filed over SSH), a quiz"
run_cmd "$T/run.json" $E "$GD" run scenarios/web-killed.lua -i "$INV" --state-dir "$STATE" -q --json
expect_rc "game day" 0
on lab1 'set -e; mkdir -p /srv/src /srv/backups; for i in 1 2 3; do echo "file $i" >/srv/src/f$i; done
cd /srv/src && sha256sum f1 f2 f3 >/srv/backups/SHA256SUMS && tar czf /srv/backups/app.tar.gz f1 f2 f3' >/dev/null
cat >"$T/plan.lua" <<'PLAN'
return gameday.drill {
  id = "rad-app", title = "Restore the app",
  backup = { on = "lab[0]", glob = "/srv/backups/*.tar.gz", pick = "newest", manifest = "SHA256SUMS" },
  target = { on = "lab[1]", dir = "/srv/restore", clean = true },
  verify = { probe.exec { name = "files", on = "target", cmd = "ls /srv/restore | wc -l", min = 3 } },
  objectives = { rto = "30m", rpo = "26h" },
}
PLAN
run_cmd "$T/drill.json" $E "$GD" drill "$T/plan.lua" -i "$INV" --state-dir "$STATE" -q --json \
	--participant alice --docs "$A"
expect_rc "drill --participant alice --docs" 0
check "drill result names alice" python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["kind"] == "drill" and d["participants"] == ["alice"] and "drill" not in d, d' "$T/drill.json"
origin 'log --format=%s main' >$O
expect_in "pushed over SSH: origin has the drill" $O "restore drill rad-app: PASS"

echo "-- readiness from that real drill"
cat >"$T/profile.yaml" <<'YAML'
profile: restore-only
drills: { restore: { count: 1, within_days: 180 } }
YAML
run_cmd $O $E "$GD" readiness alice --profile "$T/profile.yaml" --history "$A"
expect_rc "alice ready" 0
expect_in "the drill counted" $O "restore drills in 180 days: 1 of 1"
run_cmd $O $E "$GD" readiness bob --profile "$T/profile.yaml" --history "$A"
expect_rc "bob not ready" 1
expect_in "not bob's" $O "restore drills in 180 days: 0 of 1"

echo "-- 2 x 20 concurrent writers: quiz, run, drill, into one repo, pushed over SSH"
echo "# my notes" >"$A/notes.md" && git -C "$A" add notes.md && git -C "$A" commit -q -m "my notes" &&
	git -C "$A" push -q origin main 2>/dev/null
echo "an unfinished thought" >>"$A/notes.md"     # modified, not staged
echo "draft" >"$A/draft.md"                       # untracked
echo "staged" >"$A/staged.md" && git -C "$A" add staged.md
status_before=$(git -C "$A" status --porcelain)
n0=$(git -C "$A" rev-list --count HEAD)
writer() {   # KIND NAME
	case $1 in
	quiz) "$GD" quiz scenarios/banks/oncall.yaml --participant "$2" \
		--answers scenarios/answers/oncall-sample.yaml --docs "$A" >/dev/null ;;
	run) "$GD" docs add "$T/run.json" --participant "$2" --docs "$A" -q ;;
	drill) "$GD" docs add "$T/drill.json" --participant "$2" --docs "$A" -q ;;
	esac
}
kinds=(quiz run drill)
nq=0 nr=0 nd=0 fails=0
start=$(date +%s.%N)
for round in 1 2; do
	pids=()
	for i in $(seq 1 20); do
		k=${kinds[$(( (i + round) % 3 ))]}
		case $k in quiz) nq=$((nq + 1)) ;; run) nr=$((nr + 1)) ;; drill) nd=$((nd + 1)) ;; esac
		writer "$k" "p$round-$i" 2>>"$T/writers.err" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
done
wall=$(echo "$(date +%s.%N) - $start" | bc)
echo "   40 writers ($nq quiz, $nr run, $nd drill) in ${wall} s"
check "every writer exited 0" test "$fails" -eq 0
[ "$fails" -eq 0 ] || sed 's/^/      | /' "$T/writers.err" | head
commits=$(( $(git -C "$A" rev-list --count HEAD) - n0 ))
check "40 commits ($commits)" test "$commits" -eq 40
rows() { grep -c "^| 20" "$A/$1/README.md"; }
check "$nq quiz rows" test "$(grep -c '| oncall | p[12]-' "$A/internal-tests/README.md")" -eq "$nq"
check "$nr game-day rows" test "$(rows ha-tests)" -eq "$nr"
check "$((nd + 1)) drill rows (with alice's)" test "$(rows restore-drills)" -eq "$((nd + 1))"
check "every participant's row" python3 - "$A" <<'PY'
import sys, re
d = sys.argv[1]
text = "".join(open(f"{d}/{f}/README.md").read() for f in ("internal-tests", "ha-tests", "restore-drills"))
# a run or drill row links its report; the report names its participant
import glob, json
names = set()
for f in glob.glob(f"{d}/*/*.json"):
    names.update(json.load(open(f)).get("participants", []))
want = {f"p{r}-{i}" for r in (1, 2) for i in range(1, 21)}
assert want <= names, sorted(want - names)
links = re.findall(r"\[report\]\(([^)]+)\)", text)
assert len(links) == len(set(links)) == 41, len(links)
PY
check "every report linked exists" sh -c "cd '$A' && for f in */README.md; do grep -o 'report](.*\.md)' \$f | sed 's/report](//; s/)//' | while read r; do test -f \$(dirname \$f)/\$r || exit 1; done; done"
check "git status: only the user's edits" test "$(git -C "$A" status --porcelain)" = "$status_before"
check "the user's edit kept" grep -qx "an unfinished thought" "$A/notes.md"
check "the user's file still staged, not committed" sh -c "git -C '$A' diff --cached --name-only | grep -qx staged.md && ! git -C '$A' log --name-only --format= | grep -qx staged.md"
git -C "$A" fetch -q origin 2>/dev/null
check "origin has every commit" test "$(git -C "$A" rev-parse HEAD)" = "$(git -C "$A" rev-parse origin/main)"
check "git fsck" git -C "$A" fsck --no-progress --no-dangling

echo "-- another writer pushes in between: not a fast-forward, rebuilt, pushed"
check "clone b" clone "$T/b"
sed 's/"alice"/"bruno"/' "$T/drill.json" >"$T/drill-b.json"
run_cmd $O $E "$GD" docs add "$T/drill-b.json" --docs "$T/b"
expect_rc "b files and pushes" 0
run_cmd $O $E "$GD" docs add "$T/drill-b.json" --participant carol --docs "$A"
expect_rc "a, behind, files and pushes" 0
check "a's commit rebuilt on b's" sh -c "git -C '$A' log --format=%s -3 | sed -n 2p | grep -q 'restore drill rad-app'"
check "a has b's report in its work tree ($(ls "$A"/restore-drills/2*.md | wc -l) reports)" test "$(ls "$A"/restore-drills/2*.md | wc -l)" -eq "$((nd + 3))"
check "a's status still only the user's" test "$(git -C "$A" status --porcelain)" = "$status_before"
origin 'rev-list --count main' >$O
check "origin: every commit, none lost ($(cat $O))" test "$(cat $O)" -eq "$(git -C "$A" rev-list --count HEAD)"

echo "-- an unknown host key: refused, the commit kept, gameday docs push later"
mv "$HOME/.ssh/known_hosts" "$HOME/.ssh/kh"
run_cmd $O $E "$GD" docs add "$T/run.json" --participant dora --docs "$A"
expect_rc "unknown key: exit 3" 3
expect_in "says which key" $E "unknown host key for $ADDR:22: ssh-ed25519 SHA256:"
expect_in "says how to push later" $E "gameday docs push --docs $A"
check "the commit kept" sh -c "git -C '$A' log -1 --format=%s | grep -q 'ha-test web-killed'"
run_cmd $O $E "$GD" docs push --docs "$A" --known-hosts "$HOME/.ssh/kh"
expect_rc "docs push" 0
expect_in "pushed" $E "pushed 1 commit to origin/main"
check "origin has it" test "$(origin 'rev-parse main')" = "$(git -C "$A" rev-parse HEAD)"
mv "$HOME/.ssh/kh" "$HOME/.ssh/known_hosts"
run_cmd $O $E "$GD" docs push --docs "$A"
expect_rc "nothing left to push" 0
expect_in "says so" $O "nothing to push"

echo "-- a read-only .git: nothing written"
before=$(cd "$A" && ls -R && git status --porcelain && git rev-parse HEAD)
run_cmd $O $E unshare -m sh -c "mount --bind '$A/.git' '$A/.git' && mount -o remount,bind,ro '$A/.git' &&
	exec '$GD' quiz scenarios/banks/oncall.yaml --participant ro --answers scenarios/answers/oncall-sample.yaml --docs '$A'"
expect_rc "read-only .git: exit 3" 3
expect_in "says why" $E "Read-only file system (nothing written)"
check "nothing written, nothing staged" test "$before" = "$(cd "$A" && ls -R && git status --porcelain && git rev-parse HEAD)"

echo "-- a detached HEAD: refused; --branch commits there"
git -C "$A" stash -q -u && git -C "$A" checkout -q --detach
run_cmd $O $E "$GD" docs add "$T/run.json" --participant eve --docs "$A"
expect_rc "detached: exit 3" 3
expect_in "says why" $E "HEAD is detached"
run_cmd $O $E "$GD" docs add "$T/run.json" --participant eve --docs "$A" --branch main
expect_rc "--branch main" 0
check "on main, and pushed" test "$(git -C "$A" rev-parse main)" = "$(origin 'rev-parse main')"
check "the detached work tree untouched" test -z "$(git -C "$A" status --porcelain)"
git -C "$A" checkout -q main && git -C "$A" stash pop -q

echo "-- an unborn repo: its first commit"
git init -q -b main "$T/fresh"
run_cmd $O $E "$GD" docs add "$T/drill.json" --docs "$T/fresh"
expect_rc "first commit" 0
check "one commit on main" test "$(git -C "$T/fresh" rev-list --count main)" -eq 1
check "status clean" test -z "$(git -C "$T/fresh" status --porcelain)"
finish
