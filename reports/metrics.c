/* metrics.c: a run as a Prometheus textfile (node_exporter's textfile
 * collector), written atomically so that a scrape never reads half. */
#include <string.h>

#include "report.h"

/* a label value: backslash, double quote and newline escaped */
static void
label(struct gd_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			gd_buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			gd_buf_adds(b, "\\n");
		else
			gd_buf_add(b, s, 1);
	}
}

static void
metric(struct gd_buf *b, const char *name, const char *help, const char *scenario, double v)
{
	gd_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s{scenario=\"", name, help, name, name);
	label(b, scenario);
	if (v != v)
		gd_buf_adds(b, "\"} NaN\n");
	else
		gd_buf_printf(b, "\"} %.15g\n", v);
}

int
gd_report_metrics(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	const char *id = json_string_value(json_object_get(json_object_get(res, "scenario"), "id"));
	const char *verdict = json_string_value(json_object_get(res, "verdict"));
	json_t *f;
	double ended;
	size_t i;
	int failed = 0;

	if (!json_is_object(res))
		return gd_errf(err, errlen, "metrics: the result is not a JSON object");
	if (id == NULL)
		id = "";
	json_array_foreach(json_object_get(res, "faults"), i, f)
		if (json_is_false(json_object_get(f, "reverted")))
			failed++;
	ended = json_number_value(json_object_get(res, "ended"));
	if (ended <= 0)
		ended = json_number_value(json_object_get(res, "started"));
	metric(out, "gameday_run_last_timestamp_seconds", "When the last game day of this scenario ended.",
	    id, ended / 1000.0);
	metric(out, "gameday_run_success", "1 if the last game day passed, else 0.", id,
	    verdict != NULL && strcmp(verdict, "pass") == 0);
	metric(out, "gameday_run_duration_seconds", "How long the last game day took.", id,
	    json_number_value(json_object_get(res, "duration_ms")) / 1000.0);
	/* NaN, not 0, when nothing was detected: 0 would read as instant */
	metric(out, "gameday_run_time_to_detect_seconds", "From the first injection to the first failed probe.",
	    id, gd_report_mttd(res) >= 0 ? (double)gd_report_mttd(res) / 1000.0 : __builtin_nan(""));
	metric(out, "gameday_run_time_to_recover_seconds", "From the first injection to the steady state back.",
	    id, gd_report_mttr(res) >= 0 ? (double)gd_report_mttr(res) / 1000.0 : __builtin_nan(""));
	metric(out, "gameday_run_reverts_failed", "Faults of the last game day whose revert failed.",
	    id, failed);
	return 0;
}

int
gd_report_metrics_write(const json_t *res, const char *path, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };
	int ret = -1;

	if (gd_report_metrics(res, &b, err, errlen) != 0)
		goto out;
	ret = gd_write_atomic(path, b.data, b.len, 0644, err, errlen);
out:
	gd_buf_free(&b);
	return ret;
}
