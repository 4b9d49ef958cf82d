#!/usr/bin/env bash
# test_check_alerts.sh: `gameday check --alerts RULES --docs DIR` on real
# rule files (promtool agrees they are rule files) and a real doc repo:
# runbooks found through the URL prefix of .gameday.yaml or a relative
# path, alerts without one, a missing anchor, a runbook lacking template
# sections, a URL outside the repo; --write-stubs commits stubs (libgit2)
# that then pass, and never touches an existing file.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

M=tests/integration/monitoring
D=$T/docs
mkdir -p "$D/runbooks"
git -C "$D" init -q && git -C "$D" config user.name "t" && git -C "$D" config user.email "t@example.com"
printf '# Web\n## Summary\n## Service SLA\n## Escalation path\n## Incident workflow\n## Monitoring\n## Alerts\n### WebDown\n### Slow responses\n## Postmortems\n## Doc\n' >"$D/runbooks/web.md"
printf '# Disks\n## Summary\n## Full\n' >"$D/runbooks/disk.md"
printf 'runbook_url_prefix:\n  - https://gitlab.example.com/sre/docs/-/blob/main/\n' >"$D/.gameday.yaml"
git -C "$D" add -A && git -C "$D" commit -qm runbooks

check "promtool takes the fixture as a rule file" sh -c 'promtool check rules "$1" >/dev/null' _ "$M/team-rules.yml"
run_cmd "$T/out" "$T/err" "$GD" check --alerts "$M/team-rules.yml" --docs "$D"
expect_rc "some alerts lack a complete runbook" 1
expect_in "through the URL prefix" "$T/out" "line 8: WebDown: ok: runbooks/web.md#webdown"
expect_in "a relative runbook: annotation" "$T/out" "WebSlow: ok: runbooks/web.md#slow-responses"
expect_in "an alert without a runbook" "$T/out" "QueueStuck: no runbook: add annotations.runbook_url"
expect_in "an anchor the runbook lacks" "$T/out" "CertExpiry: runbooks/web.md: no heading for #certificates"
expect_in "a runbook missing template sections" "$T/out" "DiskAlmostFull: runbooks/disk.md: missing sections: Service SLA, Escalation path"
expect_in "a URL outside the doc repo" "$T/out" "Elsewhere: https://wiki.example.com/Elsewhere is outside the doc repo"
expect_in "the alerts without one are listed" "$T/out" "4 of 6 alerts without a complete runbook: QueueStuck CertExpiry DiskAlmostFull Elsewhere"
expect_not_in "recording rules are not alerts" "$T/out" "job:up:sum"

run_cmd "$T/j" "$T/err" "$GD" check --alerts "$M/team-rules.yml" --docs "$D" --json
check "--json gives each alert's status" python3 -c '
import json, sys
r = {a["alert"]: a for a in json.load(open(sys.argv[1]))}
assert r["WebDown"]["status"] == "ok" and r["WebDown"]["path"] == "runbooks/web.md", r["WebDown"]
assert r["QueueStuck"]["status"] == "no runbook" and r["QueueStuck"]["severity"] == "page"
assert r["CertExpiry"]["status"] == "no such anchor" and r["CertExpiry"]["anchor"] == "certificates"
assert r["DiskAlmostFull"]["status"] == "missing sections"
' "$T/j"

printf 'runbook_url_prefix: [oops\n' >"$T/bad.yaml"; cp "$D/.gameday.yaml" "$T/good.yaml"; cp "$T/bad.yaml" "$D/.gameday.yaml"
run_cmd "$T/out" "$T/err" "$GD" check --alerts "$M/team-rules.yml" --docs "$D"
expect_rc "a broken .gameday.yaml is refused" 2
expect_in "naming the file" "$T/err" ".gameday.yaml: line"
cp "$T/good.yaml" "$D/.gameday.yaml"
run_cmd "$T/out" "$T/err" "$GD" check --alerts "$M/bad-rules.yml" --docs "$D"
expect_rc "a rule without expr is refused" 2
expect_in "naming file and line" "$T/err" "bad-rules.yml: line 4: alert NoExpr has no expr"
run_cmd "$T/out" "$T/err" "$GD" check --alerts "$M/probes.lua" --docs "$D"
expect_rc "a file that is not YAML rules is refused" 2

before=$(git -C "$D" rev-parse HEAD)
cp "$D/runbooks/web.md" "$T/web.md.before"
run_cmd "$T/out" "$T/err" "$GD" check --alerts "$M/team-rules.yml" --docs "$D" --write-stubs --author "SRE <sre@example.com>"
expect_rc "--write-stubs still reports what it found" 1
expect_in "a stub for the alert without a runbook" "$T/out" "wrote $D/runbooks/queuestuck.md for QueueStuck"
check "one new commit by the author" test "$(git -C "$D" log --format=%an "$before"..HEAD)" = "SRE"
check "the commit holds only the stub" test "$(git -C "$D" show --name-only --format= HEAD)" = "runbooks/queuestuck.md"
check "existing runbooks untouched" cmp -s "$D/runbooks/web.md" "$T/web.md.before"
check "the work tree is clean" test -z "$(git -C "$D" status --porcelain)"
printf '      - alert: QueueStuck2\n        expr: queue_depth > 5000\n        annotations:\n          runbook_url: runbooks/queuestuck.md#queuestuck\n' >"$T/more.yml"
{ printf 'groups:\n  - name: more\n    rules:\n'; cat "$T/more.yml"; } >"$T/more-rules.yml"
run_cmd "$T/out" "$T/err" "$GD" check --alerts "$T/more-rules.yml" --docs "$D"
expect_rc "the stub has the template's sections and the alert's anchor" 0
finish
