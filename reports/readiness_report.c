/* readiness_report.c: a readiness check's report (Markdown, its filing in
 * internal-tests/readiness/) and its Prometheus textfile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docs.h"
#include "report.h"

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
gd_docs_commit_readiness(const struct gd_docs_opts *o, const json_t *res, char *err, size_t errlen)
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
	ret = gd_report_commit_md(o, "internal-tests/readiness", name, res, gd_report_readiness_markdown,
	    readiness_head, tail.data, msg.data, err, errlen);
	gd_buf_free(&tail);
	gd_buf_free(&msg);
	return ret;
}

int
gd_report_readiness_metrics(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	const char *who = gd_json_str(res, "name");

	if (!json_is_object(res))
		return gd_errf(err, errlen, "metrics: the readiness result is not a JSON object");
	gd_prom_family(out, "gameday_readiness_ready", "gauge", "1 if the participant's last readiness check "
	    "passed, else 0.", "participant", who, json_is_true(json_object_get(res, "ready")));
	gd_prom_family(out, "gameday_readiness_missing", "gauge", "Requirements the participant's last readiness "
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
	return gd_prom_write(&b, path, err, errlen);
}
