/* drill_report.c: a restore drill's report: Markdown (backup, RPO, phases
 * and RTO, verification, objectives), its findings, the postmortem trigger
 * (data loss), and its filing in restore-drills/. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docs.h"
#include "duration.h"
#include "report.h"

static const char *
dur(const json_t *o, const char *key, char *buf, size_t len)
{
	return gd_duration_fmt(gd_json_num(o, key, -1), buf, len);
}

static long long
mismatches(const json_t *v)
{
	return gd_report_count_of(json_object_get(v, "missing")) + gd_report_count_of(json_object_get(v, "extra")) +
	    gd_report_count_of(json_object_get(v, "mismatched"));
}

static const char *
probe_failed(const json_t *res)
{
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(res, "probes"), i, p)
		if (json_is_false(json_object_get(p, "ok")))
			return *gd_json_str(p, "name") ? gd_json_str(p, "name") : "?";
	return NULL;
}

const char *
gd_report_drill_postmortem(const json_t *res)
{
	const json_t *v = json_object_get(res, "verify"), *rs = json_object_get(res, "restore");
	const char *verdict = gd_json_str(res, "verdict");

	if (mismatches(v) > 0)
		return "Data loss: the restored backup does not match its manifest";
	if (json_is_true(json_object_get(v, "refused")) || json_is_string(json_object_get(v, "refused")))
		return "The backup could not be restored: the archive was refused";
	if (json_is_object(rs) && json_is_false(json_object_get(rs, "ok")))
		return "The restore failed: the restore hook did not succeed";
	if (probe_failed(res) != NULL)
		return "The restore failed: a verify probe on the restored data failed";
	if ((strcmp(verdict, "fail") == 0 || strcmp(verdict, "error") == 0) &&
	    json_is_number(json_object_get(json_object_get(res, "phases"), "stream_ms")) &&
	    (!json_is_object(v) || gd_json_num(v, "entries", 0) == 0 ||
	    gd_json_num(json_object_get(res, "stream"), "dst_exit", 0) != 0))
		return "The restore failed: the backup could not be streamed to the target";
	return NULL;
}

json_t *
gd_report_drill_findings(const json_t *res)
{
	const json_t *v = json_object_get(res, "verify"), *o = json_object_get(res, "objectives");
	const json_t *rs = json_object_get(res, "restore");
	json_t *all = json_array();
	char a[32], b[32];
	const char *pf;

#define ADD(kind, ...) json_array_append_new(all, json_pack("{s:s, s:o}", "kind", kind, \
	"text", json_sprintf(__VA_ARGS__)))
	if (mismatches(v) > 0)
		ADD("data-loss", "the backup does not match its manifest: %lld missing, %lld extra, "
		    "%lld mismatched", gd_report_count_of(json_object_get(v, "missing")),
		    gd_report_count_of(json_object_get(v, "extra")), gd_report_count_of(json_object_get(v, "mismatched")));
	if (json_is_true(json_object_get(v, "refused")) || json_is_string(json_object_get(v, "refused")))
		ADD("refused", "the archive was refused: %s", *gd_json_str(res, "error") ? gd_json_str(res, "error") :
		    "a hostile entry");
	if (json_is_object(rs) && json_is_false(json_object_get(rs, "ok")))
		ADD("restore-failed", "the restore hook on %s failed", gd_json_str(rs, "host"));
	if ((pf = probe_failed(res)) != NULL)
		ADD("verify-failed", "the verify probe '%s' failed on the restored data", pf);
	if (json_is_false(json_object_get(o, "rto_met")))
		ADD("rto-missed", "the restore took %s, the RTO is %s", dur(res, "rto_ms", a, sizeof(a)),
		    dur(o, "rto_ms", b, sizeof(b)));
	if (json_is_false(json_object_get(o, "rpo_met")))
		ADD("rpo-missed", "the backup is %s old, the RPO is %s",
		    dur(json_object_get(res, "backup"), "age_ms", a, sizeof(a)), dur(o, "rpo_ms", b, sizeof(b)));
	if (json_is_object(json_object_get(res, "backup")) &&
	    json_object_get(json_object_get(res, "backup"), "manifest") == NULL)
		ADD("no-manifest", "the backup has no manifest: only the probes check what was restored");
#undef ADD
	return all;
}

json_t *
gd_report_drill_actions(const json_t *res)
{
	json_t *all = gd_report_drill_findings(res), *acts = json_array(), *fd;
	size_t i;

	json_array_foreach(all, i, fd) {
		const char *k = gd_json_str(fd, "kind");

		if (strcmp(k, "data-loss") == 0)
			json_array_append_new(acts, json_sprintf("find why backup %s does not match its "
			    "manifest, and take a good backup now", gd_json_str(json_object_get(res, "backup"), "path")));
		else if (strcmp(k, "refused") == 0)
			json_array_append_new(acts, json_string("find who wrote the refused archive, and "
			    "take a good backup now"));
		else if (strcmp(k, "restore-failed") == 0)
			json_array_append_new(acts, json_string("fix the restore procedure (the restore hook)"));
		else if (strcmp(k, "verify-failed") == 0)
			json_array_append_new(acts, json_string("find why the restored data fails its "
			    "checks, and fix the backup"));
		else if (strcmp(k, "rto-missed") == 0)
			json_array_append_new(acts, json_string("make the restore faster, or agree on a "
			    "longer RTO"));
		else if (strcmp(k, "rpo-missed") == 0)
			json_array_append_new(acts, json_string("back up more often, or agree on a longer RPO"));
		else if (strcmp(k, "no-manifest") == 0)
			json_array_append_new(acts, json_string("write a manifest (SHA256SUMS) with each backup"));
	}
	json_decref(all);
	return acts;
}

/* the phases, their times and results */
void
gd_report_drill_timeline_md(const json_t *res, struct gd_buf *out)
{
	const json_t *ph = json_object_get(res, "phases"), *v = json_object_get(res, "verify");
	const json_t *rs = json_object_get(res, "restore"), *td = json_object_get(res, "teardown");
	char a[32], d[128];
	size_t n = json_array_size(json_object_get(res, "probes")), i;
	json_t *p;
	int bad = 0;

	gd_buf_adds(out, "## Timeline\n\n| Phase | Time | Result |\n|---|---:|---|\n");
	if (json_is_number(json_object_get(ph, "stream_ms"))) {
		if (mismatches(v) > 0)
			snprintf(d, sizeof(d), "**%lld entries do not match the manifest**", mismatches(v));
		else
			snprintf(d, sizeof(d), "%lld entries, %lld bytes verified", gd_json_num(v, "entries", 0),
			    gd_json_num(v, "bytes", 0));
		gd_buf_printf(out, "| Stream and verify | %s | %s |\n", dur(ph, "stream_ms", a, sizeof(a)), d);
	}
	if (json_is_object(rs))
		gd_buf_printf(out, "| Restore | %s | %s |\n", dur(ph, "restore_ms", a, sizeof(a)),
		    json_is_true(json_object_get(rs, "ok")) ? "ok" : "**FAILED**");
	if (json_is_number(json_object_get(ph, "probes_ms"))) {
		json_array_foreach(json_object_get(res, "probes"), i, p)
			bad += json_is_false(json_object_get(p, "ok"));
		gd_buf_printf(out, "| Verify probes | %s | %zu run, %d failed |\n",
		    dur(ph, "probes_ms", a, sizeof(a)), n, bad);
	}
	if (json_is_number(json_object_get(res, "rto_ms")))
		gd_buf_printf(out, "| **RTO** (backup picked to data verified) | **%s** | |\n",
		    dur(res, "rto_ms", a, sizeof(a)));
	if (json_is_object(td))
		gd_buf_printf(out, "| Teardown | %s | %s |\n", dur(ph, "teardown_ms", a, sizeof(a)),
		    json_is_true(json_object_get(td, "ok")) ? "ok" : "**FAILED**");
	if (json_is_number(json_object_get(ph, "cleanup_ms")))
		gd_buf_printf(out, "| Cleanup | %s | %s |\n", dur(ph, "cleanup_ms", a, sizeof(a)),
		    json_is_true(json_object_get(json_object_get(res, "target"), "cleaned")) ? "target removed" :
		    "target kept");
	gd_buf_adds(out, "\n");
}

static const char *
met(const json_t *v)
{
	return json_is_true(v) ? "yes" : json_is_false(v) ? "**no**" : "-";
}

static void
list_some(struct gd_buf *out, const char *what, const json_t *l)
{
	json_t *e;
	size_t i;

	if (!json_is_array(l) || json_array_size(l) == 0)
		return;
	gd_buf_printf(out, "%s:\n\n", what);
	json_array_foreach(l, i, e) {
		if (i == 20) {
			gd_buf_printf(out, "- ... and %zu more\n", json_array_size(l) - 20);
			break;
		}
		gd_buf_adds(out, "- `");
		gd_buf_adds(out, json_is_string(e) ? json_string_value(e) : "?");
		gd_buf_adds(out, "`\n");
	}
	gd_buf_adds(out, "\n");
}

int
gd_report_drill_markdown(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	return gd_report_drill_markdown_svg(res, NULL, out, err, errlen);
}

int
gd_report_drill_markdown_svg(const json_t *res, const char *svg_name, struct gd_buf *out,
    char *err, size_t errlen)
{
	const json_t *bk = json_object_get(res, "backup"), *v = json_object_get(res, "verify");
	const json_t *o = json_object_get(res, "objectives");
	char verdict[32], when[64], a[32], b[32];
	json_t *all, *acts, *fd, *p;
	time_t t;
	struct tm tm;
	size_t i;

	if (!json_is_object(res))
		return gd_errf(err, errlen, "report: the drill result is not a JSON object");
	gd_report_upper(verdict, *gd_json_str(res, "verdict") ? gd_json_str(res, "verdict") : "error", sizeof(verdict));
	t = (time_t)(gd_json_num(res, "started", 0) / 1000);
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);

	gd_buf_printf(out, "# Restore drill: %s\n\n", *gd_json_str(res, "title") ? gd_json_str(res, "title") : gd_json_str(res, "id"));
	gd_buf_adds(out, "## Summary\n\n| | |\n|---|---|\n| Drill |");
	gd_md_cell(out, gd_json_str(res, "id"));
	gd_buf_adds(out, "\n| Plan |");
	gd_md_cell(out, gd_json_str(res, "file"));
	gd_buf_adds(out, "\n| Run |");
	gd_md_cell(out, gd_json_str(res, "run"));
	gd_buf_printf(out, "\n| Started | %s |\n", when);
	gd_buf_printf(out, "| Verdict | **%s** |\n", verdict);
	gd_buf_printf(out, "| RTO | %s |\n", dur(res, "rto_ms", a, sizeof(a)));
	gd_buf_printf(out, "| RPO (backup age) | %s |\n", dur(bk, "age_ms", a, sizeof(a)));
	if (*gd_json_str(res, "error")) {
		gd_buf_adds(out, "| Why |");
		gd_md_cell(out, gd_json_str(res, "error"));
		gd_buf_adds(out, "\n");
	}
	gd_buf_adds(out, "\n## Backup\n\n");
	if (!json_is_object(bk)) {
		gd_buf_adds(out, "No backup was picked.\n\n");
	} else {
		time_t mt = (time_t)gd_json_num(bk, "mtime", 0);

		gmtime_r(&mt, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		gd_buf_adds(out, "| | |\n|---|---|\n| Host |");
		gd_md_cell(out, gd_json_str(bk, "host"));
		gd_buf_adds(out, "\n| Path |");
		gd_md_cell(out, gd_json_str(bk, "path"));
		gd_buf_printf(out, "\n| Size | %lld bytes |\n| Modified | %s |\n", gd_json_num(bk, "bytes", 0), when);
		gd_buf_printf(out, "| Age: the RPO | %s |\n", dur(bk, "age_ms", a, sizeof(a)));
		if (*gd_json_str(bk, "manifest")) {
			gd_buf_adds(out, "| Manifest |");
			gd_md_cell(out, gd_json_str(bk, "manifest"));
			gd_buf_adds(out, "\n");
		}
		gd_buf_printf(out, "| Restored to | %s:%s |\n\n", gd_json_str(json_object_get(res, "target"), "host"),
		    gd_json_str(json_object_get(res, "target"), "dir"));
	}

	gd_buf_adds(out, "## Phases and RTO\n\n");
	if (svg_name != NULL)
		gd_buf_printf(out, "![timeline](%s.svg)\n\n", svg_name);
	gd_report_drill_timeline_md(res, out);
	gd_buf_adds(out, "The RTO runs from picking the backup to the restored data verified; "
	    "the cleanup is not part of it.\n\n");

	gd_buf_adds(out, "## Verification\n\n");
	if (!json_is_object(v)) {
		gd_buf_adds(out, "Nothing was streamed.\n\n");
	} else {
		gd_buf_adds(out, "| Count | Value |\n|---|---:|\n");
		gd_buf_printf(out, "| Entries | %lld |\n| Files | %lld |\n| Bytes | %lld |\n",
		    gd_json_num(v, "entries", 0), gd_json_num(v, "files", 0), gd_json_num(v, "bytes", 0));
		gd_buf_printf(out, "| Missing | %lld |\n| Extra | %lld |\n| Mismatched | %lld |\n",
		    gd_report_count_of(json_object_get(v, "missing")), gd_report_count_of(json_object_get(v, "extra")),
		    gd_report_count_of(json_object_get(v, "mismatched")));
		gd_buf_printf(out, "| Refused | %s |\n", json_is_true(json_object_get(v, "refused")) ||
		    json_is_string(json_object_get(v, "refused")) ? "**yes**" : "no");
		gd_buf_printf(out, "| Checked against a manifest | %s |\n\n",
		    json_is_true(json_object_get(v, "verified")) ? "yes, all match" :
		    json_is_object(bk) && *gd_json_str(bk, "manifest") ? "**no match**" : "no manifest");
		list_some(out, "Missing", json_object_get(v, "missing"));
		list_some(out, "Extra", json_object_get(v, "extra"));
		list_some(out, "Mismatched", json_object_get(v, "mismatched"));
	}
	if (json_array_size(json_object_get(res, "probes")) > 0) {
		gd_buf_adds(out, "| Verify probe | OK | Detail |\n|---|---|---|\n");
		json_array_foreach(json_object_get(res, "probes"), i, p) {
			gd_buf_adds(out, "|");
			gd_md_cell(out, gd_json_str(p, "name"));
			gd_md_cell(out, json_is_true(json_object_get(p, "ok")) ? "ok" : "FAIL");
			gd_md_cell(out, gd_json_str(p, "detail"));
			gd_buf_adds(out, "\n");
		}
		gd_buf_adds(out, "\n");
	}

	gd_buf_adds(out, "## Objectives\n\n| Objective | Target | Actual | Met |\n|---|---:|---:|---|\n");
	gd_buf_printf(out, "| RTO | %s | %s | %s |\n", dur(o, "rto_ms", a, sizeof(a)),
	    dur(res, "rto_ms", b, sizeof(b)), met(json_object_get(o, "rto_met")));
	gd_buf_printf(out, "| RPO | %s | %s | %s |\n\n", dur(o, "rpo_ms", a, sizeof(a)),
	    dur(bk, "age_ms", b, sizeof(b)), met(json_object_get(o, "rpo_met")));

	gd_buf_adds(out, "## Findings\n\n");
	all = gd_report_drill_findings(res);
	json_array_foreach(all, i, fd)
		gd_buf_printf(out, "- **%s**: %s\n", gd_json_str(fd, "kind"), gd_json_str(fd, "text"));
	gd_buf_adds(out, json_array_size(all) ? "\n" : "None.\n\n");
	gd_buf_adds(out, "## Corrective actions\n\n");
	acts = gd_report_drill_actions(res);
	json_array_foreach(acts, i, fd)
		gd_buf_printf(out, "- [ ] %s\n", json_string_value(fd));
	gd_buf_adds(out, json_array_size(acts) ? "\n" : "None.\n\n");
	gd_buf_printf(out, "_Written by gameday %s._\n", GD_VERSION);
	json_decref(all);
	json_decref(acts);
	return 0;
}

static const char drill_head[] =
"# Restore drills\n"
"\n"
"Restore drills run by gameday, newest first. The RTO runs from picking the\n"
"backup to the restored data verified; the RPO is the backup's age.\n"
"\n"
"| Date | ID | Verdict | RTO | RPO | Report |\n"
"|---|---|---|---|---|---|\n";

static void
drill_postmortem(const json_t *res, const char *id, const char *date, const char *base, const char *verdict,
    const char *why, struct gd_buf *out)
{
	json_t *acts = gd_report_drill_actions(res);

	gd_buf_printf(out, "# Postmortem: restore drill %s (%s)\n\n", *gd_json_str(res, "title") ?
	    gd_json_str(res, "title") : id, date);
	gd_buf_printf(out, "_A stub written by gameday: fill in the blanks._ Restore drill: "
	    "[%s](../restore-drills/%s.md). Verdict **%s**.\n\n", base, base, verdict);
	gd_buf_printf(out, "## Summary\n\n%s.", why);
	if (*gd_json_str(res, "error"))
		gd_buf_printf(out, " %s", gd_json_str(res, "error"));
	gd_buf_adds(out, "\n\n## Impact\n\nTODO: which data would a real restore have lost?\n\n");
	gd_report_drill_timeline_md(res, out);
	gd_buf_adds(out, "## Root cause\n\nTODO\n\n## Action items\n\n");
	gd_report_checklist(out, acts);
	json_decref(acts);
}

int
gd_docs_commit_drill(const struct gd_docs_opts *o, const json_t *res, char *err, size_t errlen)
{
	const char *id = *gd_json_str(res, "id") ? gd_json_str(res, "id") : "drill";
	const char *why = gd_report_drill_postmortem(res);
	struct gd_buf md = { 0 }, twin = { 0 }, svg = { 0 }, pm = { 0 }, row = { 0 }, msg = { 0 };
	struct gd_docs_change *c;
	char date[16], base[320], rto[GD_DURATION_LEN], rpo[GD_DURATION_LEN], verdict[16];
	int ret = GD_DOCS_ERROR;

	gd_report_base(res, id, date, base, sizeof(base));
	if (gd_report_drill_markdown_svg(res, base, &md, err, errlen) != 0 ||
	    gd_report_drill_svg(res, &svg, err, errlen) != 0)
		goto out;
	gd_docs_twin(res, &twin);
	gd_report_upper(verdict, *gd_json_str(res, "verdict") ? gd_json_str(res, "verdict") : "error", sizeof(verdict));
	gd_duration_fmt(gd_json_num(res, "rto_ms", -1), rto, sizeof(rto));
	gd_duration_fmt(gd_json_num(json_object_get(res, "backup"), "age_ms", -1), rpo, sizeof(rpo));
	gd_buf_printf(&row, "| %s | %s | %s | %s | %s | [report](%s.md) |\n", date, id, verdict, rto, rpo, base);
	gd_buf_printf(&msg, "gameday: restore drill %s: %s (RTO %s, RPO %s)\n\nrun %s\n", id, verdict,
	    rto, rpo, gd_json_str(res, "run"));
	c = gd_docs_change_new(base, msg.data);
	gd_report_add(c, "restore-drills", base, "md", &md);
	gd_report_add(c, "restore-drills", base, "json", &twin);
	gd_report_add(c, "restore-drills", base, "svg", &svg);
	if (why != NULL) {
		drill_postmortem(res, id, date, base, verdict, why, &pm);
		gd_report_add(c, "postmortems", base, "md", &pm);
	}
	gd_docs_change_row(c, "restore-drills/README.md", drill_head, row.data);
	ret = gd_report_commit(o, c, err, errlen);
out:
	gd_buf_free(&md);
	gd_buf_free(&twin);
	gd_buf_free(&svg);
	gd_buf_free(&pm);
	gd_buf_free(&row);
	gd_buf_free(&msg);
	return ret;
}
