/* readiness_wheel.c: a readiness check's and a wheel session's reports
 * (Markdown, JSON twin, index row, committed with gd_docs_commit), and the
 * Prometheus textfiles of readiness, exec and verify. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"

static time_t
date_of(const json_t *res)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (strptime(gd_json_str(res, "date"), "%Y-%m-%dT%H:%M:%S", &tm) != NULL)
		return timegm(&tm);
	return 0;
}

/* Commits FOLDER/BASE.md and .json for res under name. */
static int
commit_two(const char *docs, const char *folder, const char *name, const json_t *res,
    int (*md)(const json_t *, struct gd_buf *, char *, size_t), const char *head,
    const char *row_fmt_tail, const char *msg, const char *author, char *err, size_t errlen)
{
	struct gd_docs d;
	char *paths[2] = { NULL };
	struct gd_buf data[2] = { { 0 } }, row = { 0 };
	size_t i;
	int ret = -1;

	if (gd_docs_open(&d, docs, err, errlen) != 0)
		return -1;
	gd_docs_base(&d, folder, date_of(res), name);
	paths[0] = gd_xasprintf("%s/%s.md", folder, d.base);
	paths[1] = gd_xasprintf("%s/%s.json", folder, d.base);
	if (md(res, &data[0], err, errlen) != 0)
		goto out;
	gd_docs_twin(res, &data[1]);
	gd_buf_printf(&row, "| %s |%s [report](%s.md) |\n", d.date, row_fmt_tail, d.base);
	ret = gd_docs_commit(&d, folder, head, row.data, 2, (const char *const *)paths, data, author,
	    msg, err, errlen);
out:
	for (i = 0; i < 2; i++) {
		free(paths[i]);
		gd_buf_free(&data[i]);
	}
	gd_buf_free(&row);
	gd_docs_close(&d);
	return ret;
}

/* ---- readiness ---- */

int
gd_report_readiness_markdown(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	json_t *r;
	size_t i;
	int ready;

	if (!json_is_object(res))
		return gd_errf(err, errlen, "report: the readiness result is not a JSON object");
	ready = json_is_true(json_object_get(res, "ready"));
	gd_buf_printf(out, "# Readiness check: %s against %s\n\n", gd_json_str(res, "name"), gd_json_str(res, "profile"));
	gd_buf_adds(out, "## Summary\n\n| | |\n|---|---|\n| Participant |");
	gd_md_cell(out, gd_json_str(res, "name"));
	gd_buf_adds(out, "\n| Profile |");
	gd_md_cell(out, gd_json_str(res, "profile"));
	gd_buf_adds(out, "\n| Profile file |");
	gd_md_cell(out, gd_json_str(res, "profile_file"));
	gd_buf_adds(out, "\n| Date |");
	gd_md_cell(out, gd_json_str(res, "date"));
	gd_buf_printf(out, "\n| Verdict | **%s** |\n", ready ? "READY" : "NOT READY");
	gd_buf_printf(out, "| Requirements met | %lld of %lld |\n\n",
	    (long long)(json_integer_value(json_object_get(res, "total")) -
	    json_integer_value(json_object_get(res, "missing"))),
	    (long long)json_integer_value(json_object_get(res, "total")));
	gd_buf_adds(out, "## Requirements\n\n| Requirement | Result | Figures |\n|---|---|---|\n");
	json_array_foreach(json_object_get(res, "requirements"), i, r) {
		char what[300];

		snprintf(what, sizeof(what), "%s %s", gd_json_str(r, "kind"), gd_json_str(r, "name"));
		gd_buf_adds(out, "|");
		gd_md_cell(out, what);
		gd_md_cell(out, json_is_true(json_object_get(r, "ok")) ? "ok" : "**missing**");
		gd_md_cell(out, gd_json_str(r, "text"));
		gd_buf_adds(out, "\n");
	}
	gd_buf_adds(out, "\n## Corrective actions\n\n");
	json_array_foreach(json_object_get(res, "requirements"), i, r)
		if (!json_is_true(json_object_get(r, "ok")))
			gd_buf_printf(out, "- [ ] %s %s: %s\n", gd_json_str(r, "kind"), gd_json_str(r, "name"), gd_json_str(r, "text"));
	gd_buf_adds(out, ready ? "None.\n\n" : "\n");
	gd_buf_printf(out, "_Written by gameday %s._\n", GD_VERSION);
	return 0;
}

static const char readiness_head[] =
"# Readiness checks\n"
"\n"
"Pre-on-call readiness checks run by gameday, newest first.\n"
"\n"
"| Date | Participant | Profile | Verdict | Missing | Report |\n"
"|---|---|---|---|---|---|\n";

int
gd_docs_commit_readiness(const char *docs, const json_t *res, const char *author, char *err,
    size_t errlen)
{
	struct gd_buf tail = { 0 }, msg = { 0 };
	const char *verdict = json_is_true(json_object_get(res, "ready")) ? "READY" : "NOT READY";
	long long miss = (long long)json_integer_value(json_object_get(res, "missing"));
	long long total = (long long)json_integer_value(json_object_get(res, "total"));
	char name[200];
	int ret;

	gd_docs_slug(name, *gd_json_str(res, "name") ? gd_json_str(res, "name") : "anonymous", sizeof(name));
	gd_md_cell(&tail, gd_json_str(res, "name"));
	gd_md_cell(&tail, gd_json_str(res, "profile"));
	gd_buf_printf(&tail, " %s | %lld of %lld |", verdict, miss, total);
	gd_buf_printf(&msg, "gameday: readiness of %s against %s: %s (%lld of %lld missing)\n",
	    gd_json_str(res, "name"), gd_json_str(res, "profile"), verdict, miss, total);
	ret = commit_two(docs, "internal-tests/readiness", name, res, gd_report_readiness_markdown,
	    readiness_head, tail.data, msg.data, author, err, errlen);
	gd_buf_free(&tail);
	gd_buf_free(&msg);
	return ret;
}

/* ---- wheel ---- */

int
gd_report_wheel_markdown(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	const json_t *tt = json_object_get(res, "tabletop"), *x;
	size_t i;

	if (!json_is_object(res))
		return gd_errf(err, errlen, "report: the wheel session is not a JSON object");
	gd_buf_printf(out, "# Wheel of misfortune: %s\n\n", *gd_json_str(res, "title") ? gd_json_str(res, "title") :
	    gd_json_str(res, "scenario"));
	gd_buf_adds(out, "## Summary\n\n| | |\n|---|---|\n| Scenario |");
	gd_md_cell(out, gd_json_str(res, "scenario"));
	gd_buf_adds(out, "\n| Participant |");
	gd_md_cell(out, gd_json_str(res, "participant"));
	gd_buf_printf(out, "\n| Seed | %lld (replay: `gameday wheel --seed %lld`) |\n",
	    (long long)json_integer_value(json_object_get(res, "seed")),
	    (long long)json_integer_value(json_object_get(res, "seed")));
	gd_buf_adds(out, "| Mode |");
	gd_md_cell(out, json_is_object(tt) ? "tabletop" : "pick");
	gd_buf_adds(out, "\n| Date |");
	gd_md_cell(out, gd_json_str(res, "date"));
	gd_buf_adds(out, "\n");
	if (json_array_size(json_object_get(res, "excluded")) > 0) {
		gd_buf_adds(out, "| Not picked (played recently) |");
		json_array_foreach(json_object_get(res, "excluded"), i, x)
			gd_buf_printf(out, "%s%s", i ? ", " : " ", json_string_value(x) ? json_string_value(x) : "?");
		gd_buf_adds(out, " |\n");
	}
	gd_buf_adds(out, "\n");
	if (json_is_object(tt)) {
		gd_buf_printf(out, "## Narrative\n\n%s\n\n", *gd_json_str(tt, "narrative") ? gd_json_str(tt, "narrative") :
		    "(no narrative: describe the first page from the scenario's faults)");
		gd_buf_adds(out, "## Injects\n\n");
		if (json_array_size(json_object_get(tt, "injects")) == 0) {
			gd_buf_adds(out, "None.\n\n");
		} else {
			gd_buf_adds(out, "| At | From | Says |\n|---|---|---|\n");
			json_array_foreach(json_object_get(tt, "injects"), i, x) {
				gd_buf_adds(out, "|");
				gd_md_cell(out, gd_json_str(x, "at"));
				gd_md_cell(out, *gd_json_str(x, "from") ? gd_json_str(x, "from") : "someone");
				gd_md_cell(out, gd_json_str(x, "say"));
				gd_buf_adds(out, "\n");
			}
			gd_buf_adds(out, "\n");
		}
		gd_buf_adds(out, "## Hints\n\n");
		if (json_array_size(json_object_get(tt, "hints")) == 0) {
			gd_buf_adds(out, "None.\n\n");
		} else {
			gd_buf_adds(out, "| After | Cost | Hint |\n|---|---:|---|\n");
			json_array_foreach(json_object_get(tt, "hints"), i, x) {
				gd_buf_adds(out, "|");
				gd_md_cell(out, gd_json_str(x, "after"));
				gd_buf_printf(out, " %g |", json_number_value(json_object_get(x, "cost")));
				gd_md_cell(out, gd_json_str(x, "text"));
				gd_buf_adds(out, "\n");
			}
			gd_buf_adds(out, "\n");
		}
		gd_buf_adds(out, "## Debrief questions\n\n");
		json_array_foreach(json_object_get(tt, "questions"), i, x)
			gd_buf_printf(out, "%zu. %s\n", i + 1, json_string_value(x) ? json_string_value(x) : "");
		gd_buf_adds(out, "\n## Notes\n\n_The game master's notes: what the player did, when, "
		    "and the answers to the questions._\n\n");
	}
	gd_buf_printf(out, "_Written by gameday %s._\n", GD_VERSION);
	return 0;
}

static const char wheel_head[] =
"# Wheel of misfortune\n"
"\n"
"Wheel sessions spun by gameday, newest first. A live session's report is\n"
"in ha-tests/ with the game days.\n"
"\n"
"| Date | Scenario | Participant | Mode | Seed | Report |\n"
"|---|---|---|---|---|---|\n";

int
gd_docs_commit_wheel(const char *docs, const json_t *res, const char *author, char *err,
    size_t errlen)
{
	struct gd_buf tail = { 0 }, msg = { 0 };
	const char *mode = json_is_object(json_object_get(res, "tabletop")) ? "tabletop" : "pick";
	char name[200];
	int ret;

	gd_docs_slug(name, *gd_json_str(res, "scenario") ? gd_json_str(res, "scenario") : "wheel", sizeof(name));
	gd_md_cell(&tail, gd_json_str(res, "scenario"));
	gd_md_cell(&tail, gd_json_str(res, "participant"));
	gd_buf_printf(&tail, " %s | %lld |", mode, (long long)json_integer_value(json_object_get(res, "seed")));
	gd_buf_printf(&msg, "gameday: wheel %s, %s plays %s (seed %lld)\n", mode, gd_json_str(res, "participant"),
	    gd_json_str(res, "scenario"), (long long)json_integer_value(json_object_get(res, "seed")));
	ret = commit_two(docs, "ha-tests/wheel", name, res, gd_report_wheel_markdown, wheel_head,
	    tail.data, msg.data, author, err, errlen);
	gd_buf_free(&tail);
	gd_buf_free(&msg);
	return ret;
}

/* ---- metrics ---- */

static void
family(struct gd_buf *b, const char *name, const char *type, const char *help, const char *key,
    const char *val, double v)
{
	gd_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s{%s=\"", name, help, name, type, name, key);
	gd_prom_label(b, val);
	if (v != v)
		gd_buf_adds(b, "\"} NaN\n");
	else
		gd_buf_printf(b, "\"} %.15g\n", v);
}

static int
write_out(struct gd_buf *b, const char *path, char *err, size_t errlen)
{
	int ret = gd_write_atomic(path, b->data, b->len, 0644, err, errlen);

	gd_buf_free(b);
	return ret;
}

int
gd_report_readiness_metrics(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	const char *who = gd_json_str(res, "name");

	if (!json_is_object(res))
		return gd_errf(err, errlen, "metrics: the readiness result is not a JSON object");
	family(out, "gameday_readiness_ready", "gauge", "1 if the participant's last readiness check "
	    "passed, else 0.", "participant", who, json_is_true(json_object_get(res, "ready")));
	family(out, "gameday_readiness_missing", "gauge", "Requirements the participant's last readiness "
	    "check found missing.", "participant", who,
	    (double)json_integer_value(json_object_get(res, "missing")));
	return 0;
}

int
gd_report_readiness_metrics_write(const json_t *res, const char *path, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };

	if (gd_report_readiness_metrics(res, &b, err, errlen) != 0) {
		gd_buf_free(&b);
		return -1;
	}
	return write_out(&b, path, err, errlen);
}

int
gd_report_exec_metrics_write(const char *pattern, size_t hosts, size_t failed, size_t unreachable,
    long long duration_ms, const char *path, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };

	/* not gameday_exec_hosts_total: promtool refuses _total on a gauge */
	family(&b, "gameday_exec_hosts", "gauge", "Hosts the last exec on this pattern ran on.",
	    "pattern", pattern, (double)hosts);
	family(&b, "gameday_exec_hosts_failed", "gauge", "Hosts where the last exec's command failed, "
	    "was killed or timed out.", "pattern", pattern, (double)failed);
	family(&b, "gameday_exec_hosts_unreachable", "gauge", "Hosts the last exec could not reach.",
	    "pattern", pattern, (double)unreachable);
	family(&b, "gameday_exec_duration_seconds", "gauge", "How long the last exec took.", "pattern",
	    pattern, duration_ms >= 0 ? (double)duration_ms / 1000.0 : __builtin_nan(""));
	family(&b, "gameday_exec_last_timestamp_seconds", "gauge", "When the last exec on this pattern "
	    "ended.", "pattern", pattern, (double)time(NULL));
	return write_out(&b, path, err, errlen);
}

int
gd_report_verify_metrics_write(const char *archive, int success, unsigned long long entries,
    unsigned long long bytes, const char *path, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };

	family(&b, "gameday_verify_success", "gauge", "1 if the last verify of this archive proved it "
	    "whole, else 0.", "archive", archive, success ? 1 : 0);
	family(&b, "gameday_verify_entries", "gauge", "Entries the last verify of this archive read.",
	    "archive", archive, (double)entries);
	family(&b, "gameday_verify_bytes", "gauge", "Uncompressed content bytes the last verify of this "
	    "archive read.", "archive", archive, (double)bytes);
	family(&b, "gameday_verify_last_timestamp_seconds", "gauge", "When this archive was last "
	    "verified.", "archive", archive, (double)time(NULL));
	return write_out(&b, path, err, errlen);
}

int
gd_report_wheel_metrics_write(const char *scenario, const char *participant,
    const char *run_metrics, const char *path, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };

	gd_buf_adds(&b, "# HELP gameday_wheel_last_pick_timestamp_seconds When the wheel last picked "
	    "this scenario for this participant.\n"
	    "# TYPE gameday_wheel_last_pick_timestamp_seconds gauge\n"
	    "gameday_wheel_last_pick_timestamp_seconds{scenario=\"");
	gd_prom_label(&b, scenario);
	gd_buf_adds(&b, "\",participant=\"");
	gd_prom_label(&b, participant);
	gd_buf_printf(&b, "\"} %.15g\n", (double)time(NULL));
	if (run_metrics != NULL)
		gd_buf_adds(&b, run_metrics);
	return write_out(&b, path, err, errlen);
}

int
gd_report_recover_metrics_write(size_t reverted, size_t failed, size_t unreachable,
    const char *path, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };

	gd_buf_printf(&b, "# HELP gameday_recover_reverted Faults the last recover reverted.\n"
	    "# TYPE gameday_recover_reverted gauge\ngameday_recover_reverted %zu\n"
	    "# HELP gameday_recover_failed Faults whose revert failed, or whose check says still "
	    "active, in the last recover.\n"
	    "# TYPE gameday_recover_failed gauge\ngameday_recover_failed %zu\n"
	    "# HELP gameday_recover_unreachable Faults the last recover left open: their host was "
	    "unreachable.\n"
	    "# TYPE gameday_recover_unreachable gauge\ngameday_recover_unreachable %zu\n"
	    "# HELP gameday_recover_last_timestamp_seconds When recover last ran.\n"
	    "# TYPE gameday_recover_last_timestamp_seconds gauge\n"
	    "gameday_recover_last_timestamp_seconds %.15g\n", reverted, failed, unreachable,
	    (double)time(NULL));
	return write_out(&b, path, err, errlen);
}
