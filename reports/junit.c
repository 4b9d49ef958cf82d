/* junit.c: a run as JUnit XML for CI: one testsuite per run, one testcase
 * per hypothesis check and per fault revert. */
#include <string.h>
#include <time.h>

#include "report.h"

struct suite {
	struct gd_buf cases;
	int tests, failures, errors, skipped;
};

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

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
		if (strcmp(phase, "during") == 0 && (strcmp(str(p, "kind"), "probe") != 0 ||
		    strcmp(str(p, "phase"), "observe") != 0))
			continue;
		if (!json_is_false(json_object_get(p, "ok")))
			continue;
		gd_buf_printf(b, "%s: %s\n", str(p, "name"), str(p, "detail"));
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
	expect = *str(json_object_get(res, "hypothesis"), "expect") ?
	    str(json_object_get(res, "hypothesis"), "expect") : str(sc, "expect");
	hold = strcmp(expect, "hold") == 0;
	recover = strcmp(expect, "recover") == 0;
	snprintf(cls, sizeof(cls), "gameday.%s", str(sc, "id"));

	check(&s, res, cls, "before", "steady state before", 1);
	check(&s, res, cls, "during", "steady state during the fault", hold);
	check(&s, res, cls, "after", "steady state after (fault on)", hold || recover);
	check(&s, res, cls, "again", "steady state after revert", 1);
	json_array_foreach(json_object_get(res, "faults"), i, f) {
		snprintf(name, sizeof(name), "revert of %s on %s", str(f, "label"), str(f, "host"));
		if (json_is_false(json_object_get(f, "reverted")))
			add_case(&s, cls, name, "failure", "the revert failed or was not verified",
			    str(f, "revert_detail"));
		else if (json_is_true(json_object_get(f, "reverted")))
			add_case(&s, cls, name, NULL, NULL, NULL);
		else
			add_case(&s, cls, name, "skipped", "not reverted by this run", str(f, "revert_detail"));
	}
	verdict = str(res, "verdict");
	if (strcmp(verdict, "error") == 0 || strcmp(verdict, "aborted") == 0)
		add_case(&s, cls, "run completes", "error", verdict, str(res, "error"));

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
	gd_report_xml_escape(out, str(res, "run"));
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
