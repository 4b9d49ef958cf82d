#!/usr/bin/env bash
# test_reports_svg.sh: the drill timeline and the quiz picture, committed as
# .svg next to their Markdown (--docs) and linked from it, well-formed
# (xmllint) and renderable (rsvg-convert); the --metrics textfiles of wheel
# and recover (promtool).
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

DOCS=$T/docs

have() { command -v "$1" >/dev/null 2>&1; }
# svg_ok NAME FILE: well-formed and renderable
svg_ok() {
	check "$1: xmllint" xmllint --noout "$2"
	if have rsvg-convert; then
		check "$1: rsvg-convert" sh -c "rsvg-convert '$2' >/dev/null"
	else
		skip "$1: rsvg-convert is not installed"
	fi
}

git init -q "$DOCS"
git -C "$DOCS" config user.name "Doc Owner"
git -C "$DOCS" config user.email "owner@example.org"

echo "-- quiz"
"$GD" quiz scenarios/banks/oncall.yaml -p "Ann Example" -a scenarios/answers/oncall-sample.yaml \
	--docs "$DOCS" >"$T/q.out" 2>&1
check "quiz passes" test $? -eq 0
Q=$(ls "$DOCS"/internal-tests/*-oncall-ann-example.md 2>/dev/null | head -1)
QB=$(basename "${Q%.md}")
check "quiz report" test -s "$Q"
check "quiz svg" test -s "${Q%.md}.svg"
check "quiz report links its svg" grep -qF "](${QB}.svg)" "$Q"
git -C "$DOCS" show --stat --format= >"$T/qstat"
check "quiz commit: svg next to md" sh -c "grep -qF 'internal-tests/${QB}.svg' '$T/qstat' && grep -qF 'internal-tests/${QB}.md' '$T/qstat'"
check "quiz svg: topic bars" grep -q '<rect class="topic"' "${Q%.md}.svg"
check "quiz svg: pass mark" grep -q 'class="pass-mark"' "${Q%.md}.svg"
svg_ok "quiz svg" "${Q%.md}.svg"

echo "-- wheel and recover metrics"
"$GD" wheel --seed 42 --roster scenarios/roster.yaml --metrics "$T/w.prom" >"$T/w.out" 2>&1
check "wheel picks" test $? -eq 0
check "wheel metrics: pick" grep -q '^gameday_wheel_last_pick_timestamp_seconds{scenario="[^"]*",participant="[^"]*"} [0-9]' "$T/w.prom"
"$GD" recover --state-dir "$T/empty-state" --metrics "$T/r.prom" >"$T/r.out" 2>&1
check "recover with nothing open" test $? -eq 0
check "recover metrics: reverted" grep -qx 'gameday_recover_reverted 0' "$T/r.prom"
check "recover metrics: failed" grep -qx 'gameday_recover_failed 0' "$T/r.prom"
check "recover metrics: unreachable" grep -qx 'gameday_recover_unreachable 0' "$T/r.prom"
check "recover metrics: timestamp" grep -q '^gameday_recover_last_timestamp_seconds [0-9]' "$T/r.prom"
if have promtool; then
	check "wheel metrics: promtool" sh -c "promtool check metrics <'$T/w.prom'"
	check "recover metrics: promtool" sh -c "promtool check metrics <'$T/r.prom'"
else
	skip "wheel and recover metrics: promtool is not installed"
fi

echo "-- a drill on a lab of two"
lab_up 2
on 'lab[0]' 'set -e; mkdir -p /srv/src /srv/backups
for i in 1 2 3; do echo "file $i" > /srv/src/f$i.txt; done
cd /srv/src && find . -type f | sed "s|^./||" | sort | xargs sha256sum > /srv/backups/SHA256SUMS
tar czf /srv/backups/app-1.tar.gz -C /srv/src .
touch -d "3 hours ago" /srv/backups/app-1.tar.gz' >"$T/setup.out"
check "backup made" test $? -eq 0
cat >"$T/good.lua" <<'PLAN'
return gameday.drill {
  id = "rsvg-good", title = "Restore <good> & \"svg\"",
  backup = { on = "lab[0]", glob = "/srv/backups/app-*.tar.gz", pick = "newest", manifest = "SHA256SUMS" },
  target = { on = "lab[1]", dir = "/srv/restore", clean = true },
  verify = {
    probe.exec { name = "files restored", on = "target", cmd = "find /srv/restore -type f | wc -l", min = 3 },
  },
  objectives = { rto = "30m", rpo = "26h" },
}
PLAN
"$GD" drill "$T/good.lua" -i "$INV" -q --state-dir "$T/state" --docs "$DOCS" >"$T/d.out" 2>&1
check "drill passes" test $? -eq 0
D=$(ls "$DOCS"/restore-drills/*-rsvg-good.md 2>/dev/null | head -1)
DB=$(basename "${D%.md}")
check "drill report" test -s "$D"
check "drill svg" test -s "${D%.md}.svg"
check "drill report links its timeline" grep -qxF "![timeline](${DB}.svg)" "$D"
git -C "$DOCS" show --stat --format= >"$T/dstat"
check "drill commit: svg next to md" sh -c "grep -qF 'restore-drills/${DB}.svg' '$T/dstat' && grep -qF 'restore-drills/${DB}.md' '$T/dstat'"
for p in stream probes cleanup; do
	check "drill svg: $p bar" grep -q "<rect class=\"phase-$p\"" "${D%.md}.svg"
done
check "drill svg: RTO objective met" grep -Eq '>RTO objective( \(off scale\))? [0-9]' "${D%.md}.svg"
check "drill svg: verification caption" grep -q 'verified: [0-9]* entries, [0-9]* files, [0-9]* bytes; missing 0' "${D%.md}.svg"
svg_ok "drill svg" "${D%.md}.svg"

finish
