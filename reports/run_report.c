/* run_report.c: a game day's report: Markdown (summary, hypothesis, hosts
 * and faults, timeline, TTD/TTM/TTR, probes, reverts, findings, corrective
 * actions), its findings and actions, and its filing in ha-tests/ with a
 * postmortem stub when a trigger hits. */
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "docs.h"
#include "duration.h"
#include "report.h"
#include "result.h"
#include "runbook.h"

/* an alert scenario: tagged "alert", or with an alert field */
static int
is_alert(const json_t *sc)
{
	json_t *t, *a = json_object_get(sc, "alert");
	size_t i;

	if (a != NULL && !json_is_null(a) && !json_is_false(a))
		return 1;
	json_array_foreach(json_object_get(sc, "tags"), i, t)
		if (json_is_string(t) && strcmp(json_string_value(t), "alert") == 0)
			return 1;
	return 0;
}

json_t *
gd_report_findings(const json_t *res)
{
	json_t *all = json_deep_copy(json_object_get(res, "findings"));
	const json_t *sc = json_object_get(res, "scenario");

	if (!json_is_array(all)) {
		json_decref(all);
		all = json_array();
	}
	if (*gd_json_str(sc, "runbook") == '\0' && is_alert(sc))
		json_array_append_new(all, json_pack("{s:s, s:s}", "kind", "no-runbook",
		    "text", "an alert scenario with no runbook: whoever this alert pages has nothing "
		    "to follow"));
	else if (*gd_json_str(sc, "runbook") == '\0')
		json_array_append_new(all, json_pack("{s:s, s:s}", "kind", "missing-runbook",
		    "text", "the scenario names no runbook: nobody knows what to do when this happens"));
	return all;
}

json_t *
gd_report_docs_findings(const json_t *res, const char *workdir)
{
	json_t *copy = json_deep_copy(res), *fd;
	const char *rb = gd_json_str(json_object_get(res, "scenario"), "runbook");
	struct gd_buf why = { 0 };

	if (copy == NULL)
		copy = json_object();
	if (*rb != '\0' && workdir != NULL && gd_runbook_ref_check(workdir, rb, &why) != 0) {
		fd = json_object_get(copy, "findings");
		if (!json_is_array(fd)) {
			fd = json_array();
			json_object_set_new(copy, "findings", fd);
		}
		json_array_append_new(fd, json_pack("{s:s, s:o}", "kind", "runbook-missing",
		    "text", json_sprintf("the runbook %s does not resolve: %s", rb, why.data)));
	}
	gd_buf_free(&why);
	return copy;
}

/* fault labels joined, for the actions that name what to fix */
static void
fault_names(const json_t *res, int failed_only, struct gd_buf *b)
{
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(res, "faults"), i, f) {
		if (failed_only && !json_is_false(json_object_get(f, "reverted")))
			continue;
		if (b->len > 0)
			gd_buf_adds(b, ", ");
		gd_buf_printf(b, "%s on %s", gd_json_str(f, "label"), gd_json_str(f, "host"));
	}
	if (b->len == 0)
		gd_buf_adds(b, "the fault");
}

json_t *
gd_report_actions(const json_t *res)
{
	json_t *acts = json_array(), *all = gd_report_findings(res), *fd;
	struct gd_buf b = { 0 };
	const char *kind;
	size_t i;

	json_array_foreach(all, i, fd) {
		kind = gd_json_str(fd, "kind");
		b.len = 0;
		if (strcmp(kind, "revert-failed") == 0) {
			gd_buf_printf(&b, "fix the revert of %s", gd_json_str(fd, "text"));
		} else if (strcmp(kind, "not-detected") == 0) {
			gd_buf_adds(&b, "");
			fault_names(res, 0, &b);
			json_array_append_new(acts, json_sprintf("add monitoring that detects %s", b.data));
			continue;
		} else if (strcmp(kind, "missing-runbook") == 0 || strcmp(kind, "runbook-missing") == 0 ||
		    strcmp(kind, "no-runbook") == 0) {
			gd_buf_adds(&b, "write the runbook");
			if (*gd_json_str(json_object_get(res, "scenario"), "runbook") != '\0')
				gd_buf_printf(&b, " %s", gd_json_str(json_object_get(res, "scenario"), "runbook"));
		} else if (strcmp(kind, "monitoring-failure") == 0) {
			gd_buf_printf(&b, "make %s fire for this fault, or fix what kept it silent",
			    gd_json_str(fd, "alert"));
		} else if (strcmp(kind, "alert-not-cleared") == 0) {
			gd_buf_printf(&b, "make %s clear once the service is back", gd_json_str(fd, "alert"));
		} else if (strcmp(kind, "not-active") == 0) {
			gd_buf_printf(&b, "make the fault take effect: %s", gd_json_str(fd, "text"));
		} else {
			continue;
		}
		json_array_append_new(acts, json_string(b.data));
	}
	json_decref(all);
	gd_buf_free(&b);
	return acts;
}

static const char *
held(const json_t *v)
{
	if (json_is_true(v))
		return "held";
	if (json_is_false(v))
		return "did not hold";
	return "not checked";
}

static const char *
yes_no(const json_t *v)
{
	if (json_is_true(v))
		return "yes";
	if (json_is_false(v))
		return "**no**";
	return "-";
}

static void
section_timeline(const json_t *res, const char *svg_name, struct gd_buf *out)
{
	char t[32], what[64];
	size_t i;
	json_t *e, *ok;

	gd_buf_adds(out, "## Timeline\n\n");
	if (svg_name != NULL)
		gd_buf_printf(out, "![timeline](%s.svg)\n\n", svg_name);
	gd_buf_adds(out, "| Time | Phase | What | OK | Detail |\n|---:|---|---|---|---|\n");
	json_array_foreach(json_object_get(res, "timeline"), i, e) {
		snprintf(t, sizeof(t), "%.3f s", (double)gd_json_num(e, "t_ms", 0) / 1000.0);
		snprintf(what, sizeof(what), "%s", gd_json_str(e, "kind"));
		gd_buf_adds(out, "|");
		gd_md_cell(out, t);
		gd_md_cell(out, gd_json_str(e, "phase"));
		{
			struct gd_buf w = { 0 };

			gd_buf_printf(&w, "%s: %s", what, gd_json_str(e, "name"));
			if (*gd_json_str(e, "host") != '\0')
				gd_buf_printf(&w, " (%s)", gd_json_str(e, "host"));
			gd_md_cell(out, w.data);
			gd_buf_free(&w);
		}
		ok = json_object_get(e, "ok");
		gd_md_cell(out, json_is_true(ok) ? "ok" : json_is_false(ok) ? "FAIL" : "");
		gd_md_cell(out, gd_json_str(e, "detail"));
		gd_buf_adds(out, "\n");
	}
	gd_buf_adds(out, "\n");
}

void
gd_report_timeline_md(const json_t *res, struct gd_buf *out)
{
	section_timeline(res, NULL, out);
}

/* TTD, TTM, TTR: the one definition (result.h), the one formatter */
static void
section_times(const json_t *res, struct gd_buf *out)
{
	struct gd_result_times t;
	char a[GD_DURATION_LEN];

	gd_result_times(res, &t);
	gd_buf_adds(out, "## Time to detect, mitigate and resolve\n\n");
	gd_buf_adds(out, "| | This run |\n|---|---:|\n");
	gd_buf_printf(out, "| TTD (time to detect) | %s |\n", gd_duration_fmt(t.ttd, a, sizeof(a)));
	gd_buf_printf(out, "| TTM (time to mitigate) | %s |\n", gd_duration_fmt(t.ttm, a, sizeof(a)));
	gd_buf_printf(out, "| TTR (time to resolve) | %s |\n\n", gd_duration_fmt(t.ttr, a, sizeof(a)));
	gd_buf_adds(out, json_is_object(json_object_get(res, "live")) ?
	    "From the first injection to the game master's marks (resolved: once the probes held again).\n\n" :
	    "From the first injection: detected at the first failed probe, resolved when the steady state "
	    "was back. A mitigation is marked only in live sessions.\n\n");
}

static void
section_probes(const json_t *res, struct gd_buf *out)
{
	static const char *const phases[][2] = {
		{ "before", "before" }, { "after", "after (fault on)" }, { "again", "after revert" },
	};
	char ms[32];
	size_t i, k;
	json_t *ph, *p;
	int any = 0;

	gd_buf_adds(out, "## Probes before and after\n\n");
	for (k = 0; k < sizeof(phases) / sizeof(phases[0]); k++) {
		ph = json_object_get(json_object_get(res, "phases"), phases[k][0]);
		json_array_foreach(json_object_get(ph, "probes"), i, p) {
			if (!any)
				gd_buf_adds(out, "| When | Probe | OK | Latency | Detail |\n|---|---|---|---:|---|\n");
			any = 1;
			snprintf(ms, sizeof(ms), "%lld ms", gd_json_num(p, "ms", 0));
			gd_buf_adds(out, "|");
			gd_md_cell(out, phases[k][1]);
			gd_md_cell(out, gd_json_str(p, "name"));
			gd_md_cell(out, json_is_true(json_object_get(p, "ok")) ? "ok" : "FAIL");
			gd_md_cell(out, ms);
			gd_md_cell(out, gd_json_str(p, "detail"));
			gd_buf_adds(out, "\n");
		}
	}
	gd_buf_adds(out, any ? "\n" : "No probe ran.\n\n");
}

static void
section_summary(const json_t *res, const char *base, struct gd_buf *out)
{
	const json_t *sc = json_object_get(res, "scenario");
	char verdict[32], when[64], a[GD_DURATION_LEN];
	time_t started = (time_t)(gd_json_num(res, "started", 0) / 1000);
	struct tm tm;

	gd_report_upper(verdict, gd_json_str(res, "verdict"), sizeof(verdict));
	gmtime_r(&started, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	gd_buf_printf(out, "# HA test: %s\n\n", *gd_json_str(sc, "title") ? gd_json_str(sc, "title") :
	    gd_json_str(sc, "id"));
	gd_buf_adds(out, "## Summary\n\n| | |\n|---|---|\n| Scenario |");
	gd_md_cell(out, gd_json_str(sc, "id"));
	gd_buf_adds(out, "\n| File |");
	gd_md_cell(out, gd_json_str(res, "file"));
	gd_buf_adds(out, "\n| Run |");
	gd_md_cell(out, gd_json_str(res, "run"));
	gd_buf_printf(out, "\n| Started | %s |\n", when);
	gd_buf_printf(out, "| Duration | %s |\n", gd_duration_fmt(gd_json_num(res, "duration_ms", -1), a, sizeof(a)));
	gd_buf_printf(out, "| Verdict | **%s** |\n", verdict);
	if (json_array_size(json_object_get(res, "participants")) > 0) {
		json_t *x;
		size_t i;

		gd_buf_adds(out, "| Participants | ");
		json_array_foreach(json_object_get(res, "participants"), i, x) {
			if (i > 0)
				gd_buf_adds(out, ", ");
			gd_md_text(out, json_string_value(x));
		}
		gd_buf_adds(out, " |\n");
	}
	if (*gd_json_str(sc, "runbook")) {
		gd_buf_adds(out, "| Runbook | ");
		gd_report_link(out, gd_json_str(sc, "runbook"), 1, NULL);
		gd_buf_adds(out, " |\n");
	}
	if (*gd_json_str(res, "error")) {
		gd_buf_adds(out, "| Why |");
		gd_md_cell(out, gd_json_str(res, "error"));
		gd_buf_adds(out, "\n");
	}
	if (base != NULL)
		gd_buf_printf(out, "| Result | [%s.json](%s.json) |\n", base, base);
	gd_buf_adds(out, "\n");
}

static void
section_narrative(const json_t *sc, struct gd_buf *out)
{
	const char *p = gd_json_str(sc, "narrative"), *nl;

	if (*p == '\0')
		return;
	/* a quote block, one "> " per line */
	for (; *p != '\0'; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		gd_buf_adds(out, "> ");
		gd_buf_add(out, p, (size_t)(nl - p));
		gd_buf_adds(out, "\n");
	}
	gd_buf_adds(out, "\n");
}

static void
section_hypothesis(const json_t *res, struct gd_buf *out)
{
	const json_t *sc = json_object_get(res, "scenario"), *hy = json_object_get(res, "hypothesis");

	gd_buf_adds(out, "## Hypothesis\n\n");
	gd_buf_printf(out, "Expected: the steady state should **%s**.\n\n", *gd_json_str(hy, "expect") ?
	    gd_json_str(hy, "expect") : *gd_json_str(sc, "expect") ? gd_json_str(sc, "expect") : "-");
	gd_buf_adds(out, "| Check | Result |\n|---|---|\n");
	gd_buf_printf(out, "| Steady state before | %s |\n", held(json_object_get(hy, "before")));
	gd_buf_printf(out, "| During the fault | %s |\n", held(json_object_get(hy, "during")));
	gd_buf_printf(out, "| After (fault on) | %s |\n", held(json_object_get(hy, "after")));
	gd_buf_printf(out, "| After revert | %s |\n\n", held(json_object_get(hy, "again")));
}

static void
section_faults(const json_t *res, struct gd_buf *out)
{
	char a[GD_DURATION_LEN], b[GD_DURATION_LEN];
	json_t *f;
	size_t i;

	gd_buf_adds(out, "## Hosts and faults\n\n");
	if (json_array_size(json_object_get(res, "faults")) == 0) {
		gd_buf_adds(out, "No fault was injected.\n\n");
		return;
	}
	gd_buf_adds(out, "| # | Host | Fault | Kind | Injected | Reverted | Took effect | Revert verified |\n"
	    "|---:|---|---|---|---:|---:|---|---|\n");
	json_array_foreach(json_object_get(res, "faults"), i, f) {
		gd_buf_printf(out, "| %lld |", gd_json_num(f, "seq", (long long)i + 1));
		gd_md_cell(out, gd_json_str(f, "host"));
		gd_md_cell(out, gd_json_str(f, "label"));
		gd_md_cell(out, gd_json_str(f, "kind"));
		gd_md_cell(out, gd_duration_fmt(gd_json_num(f, "injected_ms", -1), a, sizeof(a)));
		gd_md_cell(out, gd_duration_fmt(gd_json_num(f, "reverted_ms", -1), b, sizeof(b)));
		gd_md_cell(out, yes_no(json_object_get(f, "active")));
		gd_md_cell(out, yes_no(json_object_get(f, "reverted")));
		gd_buf_adds(out, "\n");
	}
	gd_buf_adds(out, "\n");
}

static void
section_reverts(const json_t *res, struct gd_buf *out)
{
	json_t *f;
	size_t i;

	gd_buf_adds(out, "## Reverts verified\n\n");
	if (json_array_size(json_object_get(res, "faults")) == 0) {
		gd_buf_adds(out, "Nothing to revert.\n\n");
		return;
	}
	gd_buf_adds(out, "| Host | Fault | Verified | Detail |\n|---|---|---|---|\n");
	json_array_foreach(json_object_get(res, "faults"), i, f) {
		gd_buf_adds(out, "|");
		gd_md_cell(out, gd_json_str(f, "host"));
		gd_md_cell(out, gd_json_str(f, "label"));
		gd_md_cell(out, yes_no(json_object_get(f, "reverted")));
		gd_md_cell(out, gd_json_str(f, "revert_detail"));
		gd_buf_adds(out, "\n");
	}
	gd_buf_adds(out, "\n");
}

static void
section_findings(const json_t *res, struct gd_buf *out)
{
	json_t *all = gd_report_findings(res), *acts = gd_report_actions(res), *fd;
	size_t i;

	gd_buf_adds(out, "## Findings\n\n");
	json_array_foreach(all, i, fd)
		gd_buf_printf(out, "- **%s**: %s\n", gd_json_str(fd, "kind"), gd_json_str(fd, "text"));
	gd_buf_adds(out, json_array_size(all) ? "\n" : "None.\n\n");
	gd_buf_adds(out, "## Corrective actions\n\n");
	json_array_foreach(acts, i, fd)
		gd_buf_printf(out, "- [ ] %s\n", json_string_value(fd));
	gd_buf_adds(out, json_array_size(acts) ? "\n" : "None.\n\n");
	json_decref(all);
	json_decref(acts);
}

int
gd_report_markdown(const json_t *res, const char *svg_name, struct gd_buf *out, char *err,
    size_t errlen)
{
	if (!json_is_object(res))
		return gd_errf(err, errlen, "report: the result is not a JSON object");
	section_summary(res, svg_name, out);
	section_narrative(json_object_get(res, "scenario"), out);
	section_hypothesis(res, out);
	section_faults(res, out);
	section_timeline(res, svg_name, out);
	section_times(res, out);
	gd_report_monitoring_md(res, out);
	section_probes(res, out);
	section_reverts(res, out);
	section_findings(res, out);
	gd_buf_printf(out, "_Written by gameday %s._\n", GD_VERSION);
	return 0;
}

static const char ha_head[] =
"# HA tests\n"
"\n"
"Game days run by gameday, newest first.\n"
"\n"
"| Date | ID | Verdict | TTD | TTR | Report |\n"
"|---|---|---|---|---|---|\n";

/* the postmortem triggers: a failed revert, an error after injection, a fault never detected */
static int
needs_postmortem(const json_t *res)
{
	json_t *f;
	size_t i;
	int injected = 0;

	json_array_foreach(json_object_get(res, "faults"), i, f) {
		if (json_is_false(json_object_get(f, "reverted")))
			return 1;
		if (json_is_number(json_object_get(f, "injected_ms")))
			injected = 1;
	}
	if (injected && strcmp(gd_json_str(res, "verdict"), "error") == 0)
		return 1;
	json_array_foreach(json_object_get(res, "findings"), i, f)
		if (strcmp(gd_json_str(f, "kind"), "not-detected") == 0 ||
		    strcmp(gd_json_str(f, "kind"), "monitoring-failure") == 0)
			return 1;  /* a monitoring failure is a postmortem trigger too */
	return 0;
}

/* postmortems/BASE.md: the stub a trigger calls for */
static void
postmortem(const json_t *res, const char *date, const char *base, const char *verdict, struct gd_buf *out)
{
	struct gd_result_times t;
	char a[GD_DURATION_LEN], b[GD_DURATION_LEN];
	json_t *acts = gd_report_actions(res);

	gd_result_times(res, &t);
	gd_buf_printf(out, "# Postmortem: %s (%s)\n\n", gd_json_str(json_object_get(res, "scenario"), "title"),
	    date);
	gd_buf_printf(out, "_A stub written by gameday: fill in the blanks._ HA test: "
	    "[%s](../ha-tests/%s.md). Verdict **%s**.\n\n", base, base, verdict);
	gd_buf_printf(out, "## Summary\n\n%s\n\n", *gd_json_str(res, "error") ? gd_json_str(res, "error") : "TODO");
	gd_buf_adds(out, "## Impact\n\nTODO\n\n");
	gd_report_timeline_md(res, out);
	gd_buf_printf(out, "TTD (time to detect): %s. TTR (time to resolve): %s. Both from the first "
	    "injection.\n\n", gd_duration_fmt(t.ttd, a, sizeof(a)), gd_duration_fmt(t.ttr, b, sizeof(b)));
	gd_buf_adds(out, "## Root cause\n\nTODO\n\n## Action items\n\n");
	gd_report_checklist(out, acts);
	json_decref(acts);
}

int
gd_docs_commit_run(const struct gd_docs_opts *o, const json_t *res0, char *err, size_t errlen)
{
	struct gd_buf md = { 0 }, twin = { 0 }, svg = { 0 }, pm = { 0 }, row = { 0 }, msg = { 0 };
	struct gd_docs_change *c = NULL;
	struct gd_result_times t;
	char date[16], base[320], a[GD_DURATION_LEN], b[GD_DURATION_LEN], verdict[16];
	char *workdir = gd_docs_workdir(o->docs);
	const char *id;
	json_t *res;
	int ret = GD_DOCS_ERROR;

	/* the findings that need the doc repo: a runbook link to nowhere */
	res = gd_report_docs_findings(res0, workdir);
	id = *gd_json_str(json_object_get(res, "scenario"), "id") ? gd_json_str(json_object_get(res, "scenario"), "id") :
	    "run";
	gd_report_base(res, id, date, base, sizeof(base));
	if (gd_report_markdown(res, base, &md, err, errlen) != 0 || gd_report_svg(res, &svg, err, errlen) != 0)
		goto out;
	gd_docs_twin(res, &twin);
	gd_report_upper(verdict, gd_json_str(res, "verdict"), sizeof(verdict));
	gd_result_times(res, &t);
	gd_duration_fmt(t.ttd, a, sizeof(a));
	gd_duration_fmt(t.ttr, b, sizeof(b));
	gd_buf_printf(&row, "| %s | %s | %s | %s | %s | [report](%s.md) |\n", date, id, verdict, a, b, base);
	gd_buf_printf(&msg, "gameday: ha-test %s: %s (TTD %s, TTR %s)\n\nrun %s\n", id, verdict, a, b,
	    gd_json_str(res, "run"));
	c = gd_docs_change_new(base, msg.data);
	gd_report_add(c, "ha-tests", base, "md", &md);
	gd_report_add(c, "ha-tests", base, "json", &twin);
	gd_report_add(c, "ha-tests", base, "svg", &svg);
	if (needs_postmortem(res)) {
		postmortem(res, date, base, verdict, &pm);
		gd_report_add(c, "postmortems", base, "md", &pm);
	}
	gd_docs_change_row(c, "ha-tests/README.md", ha_head, row.data);
	ret = gd_report_commit(o, c, err, errlen);
out:
	gd_buf_free(&md);
	gd_buf_free(&twin);
	gd_buf_free(&svg);
	gd_buf_free(&pm);
	gd_buf_free(&row);
	gd_buf_free(&msg);
	json_decref(res);
	free(workdir);
	return ret;
}
