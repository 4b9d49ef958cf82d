/* junit.c: a run as JUnit XML for CI: one testsuite per run, one testcase
 * per hypothesis check and per fault revert. */
#include <string.h>
#include <time.h>

#include "report.h"

struct suite {
	struct gd_buf cases;
	int tests, failures, errors, skipped;
};

/* one testcase; how: NULL (passed), "failure", "error" or "skipped" */
static void
add_case(struct suite *s, const char *classname, const char *name, const char *how,
    const char *msg, const char *detail)
{
	struct gd_buf *b = &s->cases;

	s->tests++;
	gd_buf_adds(b, "    <testcase classname=\"");
	gd_report_xml_escape(b, classname);
	gd_buf_adds(b, "\" name=\"");
	gd_report_xml_escape(b, name);
	if (how == NULL) {
		gd_buf_adds(b, "\"/>\n");
		return;
	}
	if (strcmp(how, "failure") == 0)
		s->failures++;
	else if (strcmp(how, "error") == 0)
		s->errors++;
	else
		s->skipped++;
	gd_buf_printf(b, "\">\n      <%s message=\"", how);
	gd_report_xml_escape(b, msg);
	gd_buf_adds(b, "\">");
	gd_report_xml_escape(b, detail);
	gd_buf_printf(b, "</%s>\n    </testcase>\n", how);
}

/* the failed probes of a phase, or of the observe events for "during" */
static void
failed_probes(const json_t *res, const char *phase, struct gd_buf *b)
{
	json_t *list, *p;
	size_t i;

	if (strcmp(phase, "during") == 0)
		list = json_object_get(res, "timeline");
	else
		list = json_object_get(json_object_get(json_object_get(res, "phases"), phase), "probes");
	json_array_foreach(list, i, p) {
		if (strcmp(phase, "during") == 0 && (strcmp(gd_json_str(p, "kind"), "probe") != 0 ||
		    strcmp(gd_json_str(p, "phase"), "observe") != 0))
			continue;
		if (!json_is_false(json_object_get(p, "ok")))
			continue;
		gd_buf_printf(b, "%s: %s\n", gd_json_str(p, "name"), gd_json_str(p, "detail"));
	}
}

static void
check(struct suite *s, const json_t *res, const char *cls, const char *key, const char *name,
    int required)
{
	json_t *v = json_object_get(json_object_get(res, "hypothesis"), key);
	struct gd_buf d = { 0 };

	gd_buf_adds(&d, "");
	if (!json_is_boolean(v)) {
		add_case(s, cls, name, "skipped", "not checked", "");
	} else if (json_is_true(v)) {
		add_case(s, cls, name, NULL, NULL, NULL);
	} else if (!required) {
		add_case(s, cls, name, "skipped", "did not hold, which this scenario's expect allows", "");
	} else {
		failed_probes(res, key, &d);
		add_case(s, cls, name, "failure", "the steady state did not hold", d.data);
	}
	gd_buf_free(&d);
}

int
gd_report_junit(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	struct suite s = { { 0 }, 0, 0, 0, 0 };
	const json_t *sc = json_object_get(res, "scenario");
	const char *expect, *verdict;
	char cls[256], name[512], stamp[32];
	json_t *f;
	time_t started;
	struct tm tm;
	size_t i;
	int hold, recover;

	if (!json_is_object(res))
		return gd_errf(err, errlen, "junit: the result is not a JSON object");
	expect = *gd_json_str(json_object_get(res, "hypothesis"), "expect") ?
	    gd_json_str(json_object_get(res, "hypothesis"), "expect") : gd_json_str(sc, "expect");
	hold = strcmp(expect, "hold") == 0;
	recover = strcmp(expect, "recover") == 0;
	snprintf(cls, sizeof(cls), "gameday.%s", gd_json_str(sc, "id"));

	check(&s, res, cls, "before", "steady state before", 1);
	check(&s, res, cls, "during", "steady state during the fault", hold);
	check(&s, res, cls, "after", "steady state after (fault on)", hold || recover);
	check(&s, res, cls, "again", "steady state after revert", 1);
	json_array_foreach(json_object_get(res, "faults"), i, f) {
		snprintf(name, sizeof(name), "revert of %s on %s", gd_json_str(f, "label"), gd_json_str(f, "host"));
		if (json_is_false(json_object_get(f, "reverted")))
			add_case(&s, cls, name, "failure", "the revert failed or was not verified",
			    gd_json_str(f, "revert_detail"));
		else if (json_is_true(json_object_get(f, "reverted")))
			add_case(&s, cls, name, NULL, NULL, NULL);
		else
			add_case(&s, cls, name, "skipped", "not reverted by this run", gd_json_str(f, "revert_detail"));
	}
	verdict = gd_json_str(res, "verdict");
	if (strcmp(verdict, "error") == 0 || strcmp(verdict, "aborted") == 0)
		add_case(&s, cls, "run completes", "error", verdict, gd_json_str(res, "error"));

	started = (time_t)(json_number_value(json_object_get(res, "started")) / 1000);
	gmtime_r(&started, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	gd_buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\">\n"
	    "  <testsuite name=\"", s.tests, s.failures, s.errors, s.skipped);
	gd_report_xml_escape(out, cls);
	gd_buf_printf(out, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" "
	    "time=\"%.3f\" timestamp=\"%s\" id=\"", s.tests, s.failures, s.errors, s.skipped,
	    json_number_value(json_object_get(res, "duration_ms")) / 1000.0, stamp);
	gd_report_xml_escape(out, gd_json_str(res, "run"));
	gd_buf_adds(out, "\">\n");
	gd_buf_add(out, s.cases.data, s.cases.len);
	gd_buf_adds(out, "  </testsuite>\n</testsuites>\n");
	gd_buf_free(&s.cases);
	return 0;
}

int
gd_report_junit_write(const json_t *res, const char *path, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };
	int ret = -1;

	if (gd_report_junit(res, &b, err, errlen) != 0)
		goto out;
	ret = gd_write_atomic(path, b.data, b.len, 0644, err, errlen);
out:
	gd_buf_free(&b);
	return ret;
}

/* the suites' XML: name, the counts, the cases */
static void
suite_xml(struct suite *s, const char *name, double secs, time_t started, const char *id,
    struct gd_buf *out)
{
	char stamp[32];
	struct tm tm;

	gmtime_r(&started, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	gd_buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\">\n"
	    "  <testsuite name=\"", s->tests, s->failures, s->errors, s->skipped);
	gd_report_xml_escape(out, name);
	gd_buf_printf(out, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" "
	    "time=\"%.3f\" timestamp=\"%s\" id=\"", s->tests, s->failures, s->errors, s->skipped,
	    secs, stamp);
	gd_report_xml_escape(out, id);
	gd_buf_adds(out, "\">\n");
	if (s->cases.data != NULL)
		gd_buf_add(out, s->cases.data, s->cases.len);
	gd_buf_adds(out, "  </testsuite>\n</testsuites>\n");
}

static long long
jcount(const json_t *v)
{
	if (json_is_array(v))
		return (long long)json_array_size(v);
	if (json_is_object(v))
		return (long long)json_object_size(v);
	return json_is_number(v) ? (long long)json_number_value(v) : 0;
}

int
gd_report_drill_junit(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	struct suite s = { { 0 }, 0, 0, 0, 0 };
	const json_t *ph = json_object_get(res, "phases"), *v = json_object_get(res, "verify");
	const json_t *o = json_object_get(res, "objectives"), *x;
	const char *verdict = gd_json_str(res, "verdict"), *e = gd_json_str(res, "error");
	char cls[256], msg[256];
	struct gd_buf d = { 0 };
	json_t *p;
	size_t i;
	int bad;

	if (!json_is_object(res))
		return gd_errf(err, errlen, "junit: the drill result is not a JSON object");
	snprintf(cls, sizeof(cls), "gameday.drill.%s", gd_json_str(res, "id"));

	/* stream and verify */
	if (!json_is_number(json_object_get(ph, "stream_ms"))) {
		add_case(&s, cls, "stream and verify", "skipped", "not reached", e);
	} else if (jcount(json_object_get(v, "missing")) + jcount(json_object_get(v, "extra")) +
	    jcount(json_object_get(v, "mismatched")) > 0) {
		snprintf(msg, sizeof(msg), "the backup does not match its manifest: %lld missing, %lld extra, "
		    "%lld mismatched", jcount(json_object_get(v, "missing")), jcount(json_object_get(v, "extra")),
		    jcount(json_object_get(v, "mismatched")));
		add_case(&s, cls, "stream and verify", "failure", msg, e);
	} else if (!json_is_object(v) || json_is_true(json_object_get(v, "refused")) ||
	    json_is_string(json_object_get(v, "refused")) ||
	    jcount(json_object_get(v, "entries")) == 0 ||
	    jcount(json_object_get(json_object_get(res, "stream"), "dst_exit")) != 0) {
		add_case(&s, cls, "stream and verify", "failure", "the stream failed", e);
	} else {
		add_case(&s, cls, "stream and verify", NULL, NULL, NULL);
	}
	/* the restore hook */
	x = json_object_get(res, "restore");
	if (!json_is_object(x))
		add_case(&s, cls, "restore", "skipped", "no restore hook, or not reached", "");
	else if (json_is_true(json_object_get(x, "ok")))
		add_case(&s, cls, "restore", NULL, NULL, NULL);
	else
		add_case(&s, cls, "restore", "failure", "the restore hook failed", gd_json_str(x, "stderr"));
	/* the verify probes */
	bad = 0;
	json_array_foreach(json_object_get(res, "probes"), i, p) {
		if (json_is_false(json_object_get(p, "ok"))) {
			bad++;
			gd_buf_printf(&d, "%s: %s\n", gd_json_str(p, "name"), gd_json_str(p, "detail"));
		}
	}
	if (json_array_size(json_object_get(res, "probes")) == 0)
		add_case(&s, cls, "verify probes", "skipped", "no probe ran", "");
	else if (bad > 0)
		add_case(&s, cls, "verify probes", "failure", "a verify probe failed", d.data);
	else
		add_case(&s, cls, "verify probes", NULL, NULL, NULL);
	/* teardown and cleanup, when they ran */
	x = json_object_get(res, "teardown");
	if (json_is_object(x)) {
		if (json_is_true(json_object_get(x, "ok")))
			add_case(&s, cls, "teardown", NULL, NULL, NULL);
		else
			add_case(&s, cls, "teardown", "failure", "the teardown hook failed", gd_json_str(x, "stderr"));
	}
	x = json_object_get(res, "target");
	if (json_is_number(json_object_get(ph, "cleanup_ms")) && json_is_true(json_object_get(x, "clean"))) {
		if (json_is_true(json_object_get(x, "cleaned")))
			add_case(&s, cls, "cleanup", NULL, NULL, NULL);
		else
			add_case(&s, cls, "cleanup", "failure", "the target was not removed", "");
	}
	/* the objectives */
	x = json_object_get(o, "rto_met");
	if (!json_is_boolean(x) || !json_is_number(json_object_get(o, "rto_ms")))
		add_case(&s, cls, "objective RTO", "skipped", "no RTO objective, or not reached", "");
	else if (json_is_true(x))
		add_case(&s, cls, "objective RTO", NULL, NULL, NULL);
	else
		add_case(&s, cls, "objective RTO", "failure", "the RTO was missed", e);
	x = json_object_get(o, "rpo_met");
	if (!json_is_boolean(x) || !json_is_number(json_object_get(o, "rpo_ms")))
		add_case(&s, cls, "objective RPO", "skipped", "no RPO objective, or not reached", "");
	else if (json_is_true(x))
		add_case(&s, cls, "objective RPO", NULL, NULL, NULL);
	else
		add_case(&s, cls, "objective RPO", "failure", "the RPO was missed", e);
	if (strcmp(verdict, "error") == 0 || strcmp(verdict, "aborted") == 0)
		add_case(&s, cls, "drill completes", "error", verdict, e);

	suite_xml(&s, cls, json_number_value(json_object_get(res, "duration_ms")) / 1000.0,
	    (time_t)(json_number_value(json_object_get(res, "started")) / 1000), gd_json_str(res, "run"), out);
	gd_buf_free(&d);
	gd_buf_free(&s.cases);
	return 0;
}

int
gd_report_drill_junit_write(const json_t *res, const char *path, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };
	int ret = -1;

	if (gd_report_drill_junit(res, &b, err, errlen) == 0)
		ret = gd_write_atomic(path, b.data, b.len, 0644, err, errlen);
	gd_buf_free(&b);
	return ret;
}

int
gd_report_quiz_junit(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	struct suite s = { { 0 }, 0, 0, 0, 0 };
	char cls[512], name[256], msg[256], detail[1024];
	const char *st, *remedy;
	json_t *q, *g;
	struct tm tm;
	time_t when = 0;
	size_t i, k;

	if (!json_is_object(res))
		return gd_errf(err, errlen, "junit: the quiz result is not a JSON object");
	json_array_foreach(json_object_get(res, "questions"), i, q) {
		snprintf(cls, sizeof(cls), "gameday.quiz.%s.%s", gd_json_str(res, "bank"), gd_json_str(q, "topic"));
		snprintf(name, sizeof(name), "%s", gd_json_str(q, "id"));
		st = gd_json_str(q, "status");
		if (strcmp(st, "right") == 0) {
			add_case(&s, cls, name, NULL, NULL, NULL);
			continue;
		}
		if (strcmp(st, "practical") == 0) {
			add_case(&s, cls, name, "skipped", "practical: graded on the lab", "");
			continue;
		}
		remedy = "";
		json_array_foreach(json_object_get(res, "gaps"), k, g)
			if (strcmp(gd_json_str(g, "id"), gd_json_str(q, "id")) == 0)
				remedy = gd_json_str(g, "remedy");
		snprintf(msg, sizeof(msg), "%s: %g of %g", *st ? st : "not right",
		    json_number_value(json_object_get(q, "score")), json_number_value(json_object_get(q, "max")));
		snprintf(detail, sizeof(detail), "%s%s", *remedy ? "remedy: " : "", remedy);
		add_case(&s, cls, name, "failure", msg, detail);
	}
	memset(&tm, 0, sizeof(tm));
	if (strptime(gd_json_str(res, "date"), "%Y-%m-%dT%H:%M:%S", &tm) != NULL)
		when = timegm(&tm);
	snprintf(cls, sizeof(cls), "gameday.quiz.%s", gd_json_str(res, "bank"));
	suite_xml(&s, cls, 0, when, gd_json_str(res, "participant"), out);
	gd_buf_free(&s.cases);
	return 0;
}

int
gd_report_quiz_junit_write(const json_t *res, const char *path, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };
	int ret = -1;

	if (gd_report_quiz_junit(res, &b, err, errlen) == 0)
		ret = gd_write_atomic(path, b.data, b.len, 0644, err, errlen);
	gd_buf_free(&b);
	return ret;
}
