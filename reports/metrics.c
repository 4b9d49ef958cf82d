/* metrics.c: a run, a drill, a quiz, exec, verify and recover as Prometheus
 * textfiles (node_exporter's textfile collector), written atomically so that
 * a scrape never reads half. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "result.h"

/* a label value: backslash, double quote and newline escaped */
void
gd_prom_label(struct gd_buf *b, const char *s)
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

/* one sample line: name{key="val"} v */
static void
sample(struct gd_buf *b, const char *name, const char *key, const char *val, double v)
{
	gd_buf_printf(b, "%s{%s=\"", name, key);
	gd_prom_label(b, val);
	if (v != v)
		gd_buf_adds(b, "\"} NaN\n");
	else
		gd_buf_printf(b, "\"} %.15g\n", v);
}

void
gd_prom_family(struct gd_buf *b, const char *name, const char *type, const char *help, const char *key,
    const char *val, double v)
{
	gd_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	sample(b, name, key, val, v);
}

/* b written atomically to path, then freed */
int
gd_prom_write(struct gd_buf *b, const char *path, char *err, size_t errlen)
{
	int ret = gd_write_atomic(path, b->data, b->len, 0644, err, errlen);

	gd_buf_free(b);
	return ret;
}

static void
metric(struct gd_buf *b, const char *name, const char *help, const char *scenario, double v)
{
	gd_prom_family(b, name, "gauge", help, "scenario", scenario, v);
}

int
gd_report_metrics(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	const char *id = json_string_value(json_object_get(json_object_get(res, "scenario"), "id"));
	const char *verdict = json_string_value(json_object_get(res, "verdict"));
	struct gd_result_times t;
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
	gd_result_times(res, &t);
	metric(out, "gameday_run_time_to_detect_seconds", "TTD: from the first injection to the first failed "
	    "probe (live: the game master's mark).", id, t.ttd >= 0 ? (double)t.ttd / 1000.0 : __builtin_nan(""));
	metric(out, "gameday_run_time_to_mitigate_seconds", "TTM: from the first injection to the game "
	    "master's mitigated mark (live sessions only).", id, t.ttm >= 0 ? (double)t.ttm / 1000.0 :
	    __builtin_nan(""));
	metric(out, "gameday_run_time_to_recover_seconds", "TTR: from the first injection to the steady "
	    "state back (live: resolved).", id, t.ttr >= 0 ? (double)t.ttr / 1000.0 : __builtin_nan(""));
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

/* The value of name{drill="id"} in a previous textfile; 0 or -1 (absent). */
static int
prev_value(const char *prev, const char *name, const char *id, double *v)
{
	struct gd_buf want = { 0 };
	const char *p = prev;
	char *end;
	int ret = -1;

	gd_buf_printf(&want, "%s{drill=\"", name);
	gd_prom_label(&want, id);
	gd_buf_adds(&want, "\"} ");
	while (p != NULL && strncmp(p, want.data, want.len) != 0)
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	if (p != NULL) {
		errno = 0;
		*v = strtod(p + want.len, &end);
		/* garbage is dropped, not carried over */
		if (errno == 0 && end != p + want.len && (*end == '\n' || *end == '\0') &&
		    *v == *v && *v >= 0)
			ret = 0;
	}
	gd_buf_free(&want);
	return ret;
}

/* ms (a JSON number) as seconds; NaN when absent or negative */
static double
secs(const json_t *j)
{
	return json_is_number(j) && json_number_value(j) >= 0 ? json_number_value(j) / 1000.0 :
	    __builtin_nan("");
}

int
gd_report_drill_metrics(const json_t *drill, const char *prev, struct gd_buf *out, char *err,
    size_t errlen)
{
	const char *id = json_string_value(json_object_get(drill, "id"));
	const char *verdict = json_string_value(json_object_get(drill, "verdict"));
	const json_t *ended = json_object_get(drill, "ended");
	const json_t *vb = json_object_get(drill, "verified_bytes");
	double last_ok, total = 0, bytes;
	int pass, have_ok;

	if (!json_is_object(drill))
		return gd_errf(err, errlen, "metrics: the drill result is not a JSON object");
	if (id == NULL || *id == '\0')
		return gd_errf(err, errlen, "metrics: the drill result has no \"id\"");
	if (verdict == NULL || (strcmp(verdict, "pass") != 0 && strcmp(verdict, "fail") != 0))
		return gd_errf(err, errlen, "metrics: drill %s: \"verdict\" must be \"pass\" or \"fail\"",
		    id);
	if (!json_is_number(ended) || json_number_value(ended) <= 0)
		return gd_errf(err, errlen, "metrics: drill %s: \"ended\" must be epoch milliseconds",
		    id);
	pass = strcmp(verdict, "pass") == 0;
	bytes = json_is_number(vb) && json_number_value(vb) > 0 ? json_number_value(vb) : 0;
	/* a failed drill keeps the last success; so does the counter its bytes */
	if (pass) {
		last_ok = json_number_value(ended) / 1000.0;
		have_ok = 1;
	} else {
		have_ok = prev_value(prev, "gameday_drill_last_success_timestamp_seconds", id,
		    &last_ok) == 0;
	}
	(void)prev_value(prev, "gameday_drill_verified_bytes_total", id, &total);
	/* 0 until the first success: the series exists, so "never passed" alerts */
	gd_prom_family(out, "gameday_drill_last_success_timestamp_seconds", "gauge",
	    "When this drill last passed (carried over while it fails; 0: never).", "drill", id,
	    have_ok ? last_ok : 0);
	gd_prom_family(out, "gameday_drill_last_run_timestamp_seconds", "gauge", "When this drill last ended.",
	    "drill", id, json_number_value(ended) / 1000.0);
	gd_prom_family(out, "gameday_drill_success", "gauge", "1 if the last run of this drill passed, else 0.",
	    "drill", id, pass);
	gd_prom_family(out, "gameday_drill_rto_seconds", "gauge",
	    "Restore time (RTO) of the last run: from picking the backup to the restored data verified, before teardown and cleanup.", "drill", id,
	    secs(json_object_get(drill, "rto_ms")));
	gd_prom_family(out, "gameday_drill_backup_age_seconds", "gauge",
	    "Age of the backup the last run restored (the RPO).", "drill", id,
	    secs(json_object_get(drill, "backup_age_ms")));
	if (json_is_number(json_object_get(drill, "rpo_ms")))
		gd_prom_family(out, "gameday_drill_rpo_objective_seconds", "gauge",
		    "The drill's RPO objective.", "drill", id, secs(json_object_get(drill, "rpo_ms")));
	gd_prom_family(out, "gameday_drill_last_verified_bytes", "gauge",
	    "Bytes the last run of this drill verified.", "drill", id, bytes);
	gd_prom_family(out, "gameday_drill_verified_bytes_total", "counter",
	    "Bytes this drill verified, over all its runs.", "drill", id, total + bytes);
	return 0;
}

int
gd_report_drill_metrics_write(const json_t *drill, const char *path, char *err, size_t errlen)
{
	struct gd_buf prev = { 0 }, b = { 0 };
	int ret = -1;

	/* a textfile is small; past 1 MiB it is not ours */
	prev.data = gd_read_file(path, 1u << 20, &prev.len, err, errlen);
	if (prev.data == NULL && errno != ENOENT)
		goto out;
	if (gd_report_drill_metrics(drill, prev.data, &b, err, errlen) != 0)
		goto out;
	ret = gd_write_atomic(path, b.data, b.len, 0644, err, errlen);
out:
	gd_buf_free(&prev);
	gd_buf_free(&b);
	return ret;
}

/* name{bank="..",participant=".."[,topic=".."]} v */
static void
quiz_sample(struct gd_buf *b, const char *name, const json_t *res, const char *topic, double v)
{
	gd_buf_printf(b, "%s{bank=\"", name);
	gd_prom_label(b, json_string_value(json_object_get(res, "bank")));
	gd_buf_adds(b, "\",participant=\"");
	gd_prom_label(b, json_string_value(json_object_get(res, "participant")));
	if (topic != NULL) {
		gd_buf_adds(b, "\",topic=\"");
		gd_prom_label(b, topic);
	}
	gd_buf_printf(b, "\"} %.15g\n", v);
}

static void
quiz_family(struct gd_buf *b, const char *name, const char *help, const json_t *res, double v)
{
	gd_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	quiz_sample(b, name, res, NULL, v);
}

int
gd_report_quiz_metrics(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	const char *k;
	json_t *t;
	struct tm tm;

	if (!json_is_object(res))
		return gd_errf(err, errlen, "metrics: the quiz result is not a JSON object");
	quiz_family(out, "gameday_quiz_score_percent", "A participant's last score in a quiz bank, "
	    "percent of the maximum.", res, json_number_value(json_object_get(res, "percent")));
	if (json_object_size(json_object_get(res, "topics")) > 0) {
		gd_buf_adds(out, "# HELP gameday_quiz_topic_score_percent A participant's last score in "
		    "a topic, percent of its maximum.\n# TYPE gameday_quiz_topic_score_percent gauge\n");
		json_object_foreach(json_object_get(res, "topics"), k, t)
			quiz_sample(out, "gameday_quiz_topic_score_percent", res, k,
			    json_number_value(json_object_get(t, "percent")));
	}
	quiz_family(out, "gameday_quiz_passed", "1 if the participant's last quiz passed, else 0.", res,
	    json_is_true(json_object_get(res, "passed")));
	quiz_family(out, "gameday_quiz_gaps", "Questions of the last quiz not fully right.", res,
	    (double)json_array_size(json_object_get(res, "gaps")));
	memset(&tm, 0, sizeof(tm));
	if (json_is_string(json_object_get(res, "date")) &&
	    strptime(json_string_value(json_object_get(res, "date")), "%Y-%m-%dT%H:%M:%S", &tm) != NULL)
		quiz_family(out, "gameday_quiz_last_timestamp_seconds", "When the participant last took "
		    "this quiz.", res, (double)timegm(&tm));
	return 0;
}

int
gd_report_quiz_metrics_write(const json_t *res, const char *path, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };
	int ret = -1;

	if (gd_report_quiz_metrics(res, &b, err, errlen) == 0)
		ret = gd_write_atomic(path, b.data, b.len, 0644, err, errlen);
	gd_buf_free(&b);
	return ret;
}

int
gd_report_exec_metrics_write(const char *pattern, size_t hosts, size_t failed, size_t unreachable,
    long long duration_ms, const char *path, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };

	/* not gameday_exec_hosts_total: promtool refuses _total on a gauge */
	gd_prom_family(&b, "gameday_exec_hosts", "gauge", "Hosts the last exec on this pattern ran on.",
	    "pattern", pattern, (double)hosts);
	gd_prom_family(&b, "gameday_exec_hosts_failed", "gauge", "Hosts where the last exec's command failed, "
	    "was killed or timed out.", "pattern", pattern, (double)failed);
	gd_prom_family(&b, "gameday_exec_hosts_unreachable", "gauge", "Hosts the last exec could not reach.",
	    "pattern", pattern, (double)unreachable);
	gd_prom_family(&b, "gameday_exec_duration_seconds", "gauge", "How long the last exec took.", "pattern",
	    pattern, duration_ms >= 0 ? (double)duration_ms / 1000.0 : __builtin_nan(""));
	gd_prom_family(&b, "gameday_exec_last_timestamp_seconds", "gauge", "When the last exec on this pattern "
	    "ended.", "pattern", pattern, (double)time(NULL));
	return gd_prom_write(&b, path, err, errlen);
}

int
gd_report_verify_metrics_write(const char *archive, int success, unsigned long long entries,
    unsigned long long bytes, const char *path, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };

	gd_prom_family(&b, "gameday_verify_success", "gauge", "1 if the last verify of this archive proved it "
	    "whole, else 0.", "archive", archive, success ? 1 : 0);
	gd_prom_family(&b, "gameday_verify_entries", "gauge", "Entries the last verify of this archive read.",
	    "archive", archive, (double)entries);
	gd_prom_family(&b, "gameday_verify_bytes", "gauge", "Uncompressed content bytes the last verify of this "
	    "archive read.", "archive", archive, (double)bytes);
	gd_prom_family(&b, "gameday_verify_last_timestamp_seconds", "gauge", "When this archive was last "
	    "verified.", "archive", archive, (double)time(NULL));
	return gd_prom_write(&b, path, err, errlen);
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
	return gd_prom_write(&b, path, err, errlen);
}
