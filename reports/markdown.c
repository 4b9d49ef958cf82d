/* markdown.c: a run's result as a Markdown HA test report, and the figures
 * (findings, corrective actions) every report format shares. */
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "duration.h"
#include "report.h"
#include "result.h"

const char *
gd_json_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

long long
gd_json_num(const json_t *o, const char *key, long long dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? (long long)json_number_value(v) : dflt;
}

void
gd_report_xml_escape(struct gd_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': gd_buf_adds(b, "&amp;"); break;
		case '<': gd_buf_adds(b, "&lt;"); break;
		case '>': gd_buf_adds(b, "&gt;"); break;
		case '"': gd_buf_adds(b, "&quot;"); break;
		case '\'': gd_buf_adds(b, "&apos;"); break;
		default:
			/* XML 1.0 allows no control bytes but tab and newlines */
			if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n' || *s == '\r')
				gd_buf_add(b, s, 1);
		}
	}
}

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
	char *file, *hash, *full;
	struct stat st;

	if (copy == NULL)
		copy = json_object();
	if (*rb == '\0' || workdir == NULL || strstr(rb, "://") != NULL)
		return copy;
	file = gd_xstrdup(rb);
	if ((hash = strchr(file, '#')) != NULL)
		*hash = '\0';
	full = gd_xasprintf("%s%s%s", workdir, workdir[strlen(workdir) - 1] == '/' ? "" : "/",
	    file[0] == '/' ? file + 1 : file);
	if (*file != '\0' && stat(full, &st) != 0) {
		fd = json_object_get(copy, "findings");
		if (!json_is_array(fd)) {
			fd = json_array();
			json_object_set_new(copy, "findings", fd);
		}
		json_array_append_new(fd, json_pack("{s:s, s:s}", "kind", "runbook-missing",
		    "text", ""));
		json_object_set_new(json_array_get(fd, json_array_size(fd) - 1), "text",
		    json_sprintf("runbook %s is missing from the doc repo", file));
	}
	free(full);
	free(file);
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

/* a table cell: pipes escaped, newlines as <br> */
void
gd_md_cell(struct gd_buf *b, const char *s)
{
	gd_buf_adds(b, " ");
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '|')
			gd_buf_adds(b, "\\|");
		else if (*s == '\n')
			gd_buf_adds(b, "<br>");
		else if (*s != '\r')
			gd_buf_add(b, s, 1);
	}
	gd_buf_adds(b, " |");
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
upper(char *d, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && s[i] != '\0'; i++)
		d[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
	d[i] = '\0';
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

int
gd_report_markdown(const json_t *res, const char *svg_name, struct gd_buf *out, char *err,
    size_t errlen)
{
	const json_t *sc = json_object_get(res, "scenario"), *hy = json_object_get(res, "hypothesis");
	char verdict[32], when[64], a[32], b[32];
	json_t *fd, *all = NULL, *acts = NULL, *f;
	time_t started;
	struct tm tm;
	size_t i;
	int ret = -1;

	if (!json_is_object(res)) {
		gd_errf(err, errlen, "report: the result is not a JSON object");
		goto out;
	}
	upper(verdict, gd_json_str(res, "verdict"), sizeof(verdict));
	started = (time_t)(gd_json_num(res, "started", 0) / 1000);
	gmtime_r(&started, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);

	gd_buf_printf(out, "# HA test: %s\n\n", *gd_json_str(sc, "title") ? gd_json_str(sc, "title") : gd_json_str(sc, "id"));
	gd_buf_adds(out, "## Summary\n\n| | |\n|---|---|\n");
	gd_buf_adds(out, "| Scenario |");
	gd_md_cell(out, gd_json_str(sc, "id"));
	gd_buf_adds(out, "\n| File |");
	gd_md_cell(out, gd_json_str(res, "file"));
	gd_buf_adds(out, "\n| Run |");
	gd_md_cell(out, gd_json_str(res, "run"));
	gd_buf_printf(out, "\n| Started | %s |\n", when);
	gd_buf_printf(out, "| Duration | %s |\n", gd_duration_fmt(gd_json_num(res, "duration_ms", -1), a, sizeof(a)));
	gd_buf_printf(out, "| Verdict | **%s** |\n", verdict);
	if (*gd_json_str(sc, "runbook")) {
		gd_buf_adds(out, "| Runbook |");
		gd_md_cell(out, gd_json_str(sc, "runbook"));
		gd_buf_adds(out, "\n");
	}
	if (*gd_json_str(res, "error")) {
		gd_buf_adds(out, "| Why |");
		gd_md_cell(out, gd_json_str(res, "error"));
		gd_buf_adds(out, "\n");
	}
	gd_buf_adds(out, "\n");
	if (*gd_json_str(sc, "narrative")) {
		const char *p = gd_json_str(sc, "narrative"), *nl;

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

	gd_buf_adds(out, "## Hypothesis\n\n");
	gd_buf_printf(out, "Expected: the steady state should **%s**.\n\n", *gd_json_str(hy, "expect") ?
	    gd_json_str(hy, "expect") : *gd_json_str(sc, "expect") ? gd_json_str(sc, "expect") : "-");
	gd_buf_adds(out, "| Check | Result |\n|---|---|\n");
	gd_buf_printf(out, "| Steady state before | %s |\n", held(json_object_get(hy, "before")));
	gd_buf_printf(out, "| During the fault | %s |\n", held(json_object_get(hy, "during")));
	gd_buf_printf(out, "| After (fault on) | %s |\n", held(json_object_get(hy, "after")));
	gd_buf_printf(out, "| After revert | %s |\n\n", held(json_object_get(hy, "again")));

	gd_buf_adds(out, "## Hosts and faults\n\n");
	if (json_array_size(json_object_get(res, "faults")) == 0) {
		gd_buf_adds(out, "No fault was injected.\n\n");
	} else {
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

	section_timeline(res, svg_name, out);

	section_times(res, out);

	section_probes(res, out);

	gd_buf_adds(out, "## Reverts verified\n\n");
	if (json_array_size(json_object_get(res, "faults")) == 0) {
		gd_buf_adds(out, "Nothing to revert.\n\n");
	} else {
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

	gd_buf_adds(out, "## Findings\n\n");
	all = gd_report_findings(res);
	json_array_foreach(all, i, fd)
		gd_buf_printf(out, "- **%s**: %s\n", gd_json_str(fd, "kind"), gd_json_str(fd, "text"));
	gd_buf_adds(out, json_array_size(all) ? "\n" : "None.\n\n");

	gd_buf_adds(out, "## Corrective actions\n\n");
	acts = gd_report_actions(res);
	json_array_foreach(acts, i, fd)
		gd_buf_printf(out, "- [ ] %s\n", json_string_value(fd));
	gd_buf_adds(out, json_array_size(acts) ? "\n" : "None.\n\n");
	gd_buf_printf(out, "_Written by gameday %s._\n", GD_VERSION);
	ret = 0;
out:
	json_decref(all);
	json_decref(acts);
	return ret;
}
