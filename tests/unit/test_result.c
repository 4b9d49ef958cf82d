/* test_result.c: the one result model: kinds by envelope and by shape, the
 * envelope of each kind, TTD/TTM/TTR from the first injection, and the one
 * reader over a doc repo and over a flat directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gd.h"
#include "result.h"

static json_t *
parse(const char *s)
{
	json_error_t je;
	json_t *o = json_loads(s, 0, &je);

	if (o == NULL)
		fail_msg("bad test JSON: %s", je.text);
	return o;
}

static const char run_json[] =
    "{\"scenario\": {\"id\": \"web-killed\", \"title\": \"t\"}, \"verdict\": \"pass\","
    " \"started\": 1714644000000, \"ended\": 1714644009000, \"duration_ms\": 9000,"
    " \"faults\": [{\"host\": \"lab1\", \"injected_ms\": 250}, {\"host\": \"lab2\", \"injected_ms\": 214}],"
    " \"timeline\": [{\"host\": \"lab1\"}, {\"host\": \"lab3\"}],"
    " \"detected_ms\": 232, \"recovered_ms\": 1712}";

static void
test_kinds(void **state)
{
	static const struct { const char *json; enum gd_result_kind kind; } c[] = {
		{ run_json, GD_RESULT_RUN },
		{ "{\"bank\": \"oncall\", \"percent\": 71.5, \"participant\": \"alice\"}", GD_RESULT_QUIZ },
		/* a real `gameday drill --json` result: no drill object */
		{ "{\"id\": \"rad-lab\", \"verdict\": \"pass\", \"rto_ms\": 498, \"backup\": {\"host\": \"lab1\"}}",
		    GD_RESULT_DRILL },
		{ "{\"drill\": {\"id\": \"old\"}, \"verdict\": \"pass\"}", GD_RESULT_DRILL },
		{ "{\"name\": \"alice\", \"ready\": true, \"requirements\": []}", GD_RESULT_READINESS },
		{ "{\"scenario\": \"web-killed\", \"seed\": 42, \"participant\": \"bo\"}", GD_RESULT_WHEEL },
		{ "{\"kind\": \"drill\", \"id\": \"x\"}", GD_RESULT_DRILL },
		{ "{\"hello\": 1}", GD_RESULT_OTHER },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		json_t *o = parse(c[i].json);

		assert_int_equal(gd_result_kind(o), c[i].kind);
		json_decref(o);
	}
	assert_string_equal(gd_result_kind_name(GD_RESULT_READINESS), "readiness");
}

static void
test_times(void **state)
{
	json_t *o = parse(run_json), *live;
	struct gd_result_times t;

	(void)state;
	gd_result_times(o, &t);
	/* from the first injection (214), not the run's start: 232 - 214 */
	assert_int_equal(t.ttd, 18);
	assert_int_equal(t.ttm, -1);
	assert_int_equal(t.ttr, 1712 - 214);
	json_decref(o);
	/* a live session: the game master's marks on the run clock */
	live = parse("{\"scenario\": {\"id\": \"x\"}, \"faults\": [{\"injected_ms\": 1000}],"
	    " \"detected_ms\": 4000, \"mitigated_ms\": 6500, \"resolved_ms\": 9000, \"recovered_ms\": 9000,"
	    " \"live\": {\"detected_ms\": 2999}}");
	gd_result_times(live, &t);
	assert_int_equal(t.ttd, 3000);
	assert_int_equal(t.ttm, 5500);
	assert_int_equal(t.ttr, 8000);
	json_decref(live);
	/* no injection: unknown, unless the result carries its own figure */
	o = parse("{\"scenario\": {\"id\": \"x\"}, \"detected_ms\": 5}");
	gd_result_times(o, &t);
	assert_int_equal(t.ttd, -1);
	json_object_set_new(o, "ttd_ms", json_integer(77));
	gd_result_times(o, &t);
	assert_int_equal(t.ttd, 77);
	json_decref(o);
	/* a mark before the injection reads 0, never negative */
	o = parse("{\"faults\": [{\"injected_ms\": 100}], \"detected_ms\": 90}");
	gd_result_times(o, &t);
	assert_int_equal(t.ttd, 0);
	json_decref(o);
}

static void
test_envelope_run(void **state)
{
	json_t *o = parse(run_json), *copy;
	const char *who[] = { "alice", "bruno", "alice" };

	(void)state;
	gd_result_envelope(o, GD_RESULT_OTHER, who, 3);
	assert_string_equal(json_string_value(json_object_get(o, "kind")), "run");
	assert_string_equal(json_string_value(json_object_get(o, "id")), "web-killed");
	assert_string_equal(json_string_value(json_object_get(o, "verdict")), "pass");
	assert_int_equal(json_integer_value(json_object_get(o, "started")), 1714644000000LL);
	assert_int_equal(json_integer_value(json_object_get(o, "ended")), 1714644009000LL);
	assert_int_equal(json_array_size(json_object_get(o, "participants")), 2);
	assert_int_equal(json_array_size(json_object_get(o, "hosts")), 3);  /* lab1 lab2 lab3 */
	assert_int_equal(json_integer_value(json_object_get(o, "ttd_ms")), 18);
	assert_true(json_is_null(json_object_get(o, "ttm_ms")));
	assert_int_equal(json_integer_value(json_object_get(o, "ttr_ms")), 1498);
	assert_true(gd_result_names(o, "bruno"));
	assert_false(gd_result_names(o, "carol"));
	/* idempotent */
	copy = json_deep_copy(o);
	gd_result_envelope(o, GD_RESULT_RUN, NULL, 0);
	assert_true(json_equal(o, copy));
	json_decref(copy);
	json_decref(o);
}

static void
test_envelope_others(void **state)
{
	json_t *q = parse("{\"bank\": \"oncall\", \"percent\": 60, \"passed\": false,"
	    " \"participant\": \"alice\", \"date\": \"2024-05-02T10:00:00Z\","
	    " \"questions\": [{\"probe\": [{\"host\": \"lab2\"}]}]}");
	json_t *d = parse("{\"id\": \"rad\", \"verdict\": \"fail\", \"started\": 1000, \"duration_ms\": 500,"
	    " \"backup\": {\"host\": \"lab1\"}, \"target\": {\"host\": \"lab2\"}}");
	json_t *r = parse("{\"name\": \"alice\", \"profile\": \"pre-oncall\", \"ready\": true,"
	    " \"requirements\": [], \"date\": \"2024-05-02T10:00:00Z\"}");
	const char *who[] = { "dana" };

	(void)state;
	gd_result_envelope(q, GD_RESULT_OTHER, NULL, 0);
	assert_string_equal(json_string_value(json_object_get(q, "kind")), "quiz");
	assert_string_equal(json_string_value(json_object_get(q, "id")), "oncall");
	assert_string_equal(json_string_value(json_object_get(q, "verdict")), "fail");
	assert_int_equal(json_integer_value(json_object_get(q, "started")), 1714644000000LL);
	assert_string_equal(json_string_value(json_array_get(json_object_get(q, "hosts"), 0)), "lab2");
	assert_null(json_object_get(q, "ttd_ms"));  /* not a run */
	gd_result_envelope(d, GD_RESULT_DRILL, who, 1);
	assert_string_equal(json_string_value(json_object_get(d, "kind")), "drill");
	assert_int_equal(json_integer_value(json_object_get(d, "ended")), 1500);
	assert_int_equal(json_array_size(json_object_get(d, "hosts")), 2);
	assert_true(gd_result_names(d, "dana"));
	gd_result_envelope(r, GD_RESULT_OTHER, NULL, 0);
	assert_string_equal(json_string_value(json_object_get(r, "verdict")), "pass");
	assert_true(gd_result_names(r, "alice"));
	json_decref(q);
	json_decref(d);
	json_decref(r);
}

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_reader(void **state)
{
	char dir[] = "/tmp/gd-result-XXXXXX", p[512], err[GD_ERRLEN];
	json_t *all = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* a flat directory */
	snprintf(p, sizeof(p), "%s/b.json", dir);
	put(p, "{\"id\": \"rad\", \"verdict\": \"pass\", \"rto_ms\": 5, \"participants\": [\"al\"]}");
	snprintf(p, sizeof(p), "%s/a.json", dir);
	put(p, run_json);
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	put(p, "not json, not read");
	assert_int_equal(gd_results_load(dir, &all, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(all), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 0), "kind")), "run");
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 1), "kind")), "drill");
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(all, 1), "__file")), "b.json"));
	json_decref(all);
	/* a doc repo: only its report folders */
	snprintf(p, sizeof(p), "%s/restore-drills", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/restore-drills/2024-05-02-rad.json", dir);
	put(p, "{\"id\": \"rad\", \"verdict\": \"pass\", \"rto_ms\": 9}");
	snprintf(p, sizeof(p), "%s/internal-tests", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/internal-tests/readiness", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/internal-tests/readiness/r.json", dir);
	put(p, "{\"name\": \"al\", \"ready\": false, \"requirements\": []}");
	assert_int_equal(gd_results_load(dir, &all, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(all), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 0), "kind")), "readiness");
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 1), "kind")), "drill");
	json_decref(all);
	/* a bad one is named */
	snprintf(p, sizeof(p), "%s/restore-drills/bad.json", dir);
	put(p, "[1, 2]");
	assert_int_equal(gd_results_load(dir, &all, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "restore-drills/bad.json"));
	assert_null(all);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
	assert_int_equal(gd_results_load(dir, &all, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_envelope_run),
		cmocka_unit_test(test_envelope_others),
		cmocka_unit_test(test_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
