/* test_coverage.c: alert coverage from results: proven, expected but
 * silent (listed first), never proven, and the last game day that counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "coverage.h"

static json_t *
run(const char *id, long long started, const char *alert, int fired, long long ttd)
{
	json_t *a = json_pack("{s:s, s:s, s:b}", "alert", alert, "expect", "firing", "fired", fired);

	if (ttd >= 0)
		json_object_set_new(a, "ttd_ms", json_integer(ttd));
	return json_pack("{s:s, s:s, s:s, s:I, s:{s:s}, s:[o], s:s}", "kind", "run", "id", id,
	    "verdict", fired ? "pass" : "fail", "started", (json_int_t)started, "scenario", "id", id,
	    "alerts", a, "__file", "ha-tests/x.json");
}

static const json_t *
find(const json_t *cov, const char *alert, size_t *at)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(cov, "alerts"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "alert")), alert) == 0) {
			*at = i;
			return e;
		}
	fail_msg("%s not in the coverage", alert);
	return NULL;
}

static void
test_coverage(void **state)
{
	static const char *const names[] = { "WebDown", "DiskAlmostFull", "HighCPU", "Unplayed" };
	json_t *all = json_array(), *cov;
	const json_t *e;
	struct gd_buf md = { 0 };
	size_t at;

	(void)state;
	json_array_append_new(all, run("web-killed", 1000, "WebDown", 1, 3200));
	json_array_append_new(all, run("web-killed", 5000, "WebDown", 1, 2900));
	json_array_append_new(all, run("disk-full", 2000, "DiskAlmostFull", 1, 4000));
	json_array_append_new(all, run("disk-full", 6000, "DiskAlmostFull", 0, -1));  /* later miss */
	json_array_append_new(all, run("cpu", 3000, "HighCPU", 0, -1));
	json_array_append_new(all, run("cpu", 7000, "HighCPU", 1, 5100));  /* later proof */
	json_array_append_new(all, json_pack("{s:s, s:s}", "kind", "quiz", "id", "oncall"));
	cov = gd_alert_coverage(all, names, 4);
	assert_int_equal(json_integer_value(json_object_get(cov, "game_days")), 6);

	e = find(cov, "DiskAlmostFull", &at);
	assert_int_equal(at, 0);  /* expected but silent: first */
	assert_string_equal(json_string_value(json_object_get(e, "state")), "not-fired");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "last_miss"), "started")), 6000);
	assert_int_equal(json_integer_value(json_object_get(e, "proven")), 1);

	e = find(cov, "Unplayed", &at);
	assert_int_equal(at, 1);
	assert_string_equal(json_string_value(json_object_get(e, "state")), "never");

	e = find(cov, "HighCPU", &at);
	assert_string_equal(json_string_value(json_object_get(e, "state")), "proven");
	e = find(cov, "WebDown", &at);
	assert_int_equal(at, 3);
	assert_int_equal(json_integer_value(json_object_get(e, "proven")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "last_proven"), "ttd_ms")),
	    2900);

	gd_alert_coverage_markdown(cov, &md);
	assert_non_null(strstr(md.data, "## Expected, but did not fire"));
	assert_true(strstr(md.data, "## Expected, but did not fire") < strstr(md.data, "## Never proven"));
	assert_true(strstr(md.data, "## Never proven") < strstr(md.data, "## Proven"));
	assert_non_null(strstr(md.data, "| WebDown | web-killed | 1970-01-01 00:00 | 2.900 s | 2 | [x.md](x.md) |"));
	gd_buf_free(&md);
	json_decref(cov);
	json_decref(all);
}

static void
test_inactive_expectations_prove_nothing(void **state)
{
	json_t *all = json_array(), *cov, *r = run("quiet", 1000, "WebDown", 0, -1);

	(void)state;
	json_object_set_new(json_array_get(json_object_get(r, "alerts"), 0), "expect", json_string("inactive"));
	json_array_append_new(all, r);
	cov = gd_alert_coverage(all, NULL, 0);
	assert_int_equal(json_array_size(json_object_get(cov, "alerts")), 0);
	json_decref(cov);
	json_decref(all);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_inactive_expectations_prove_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
