/* test_slo.c: gameday.slo, the SLIs, nearest-rank percentiles, SLO
 * judgement and error budget of SLO steady states and `gameday probe`. Each
 * case of tests/unit/lua/slotest.lua is one cmocka test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "script.h"

static struct gd_script *S;

static json_t *
call(const char *fn, json_t *args)
{
	char err[4096], *a = json_dumps(args, JSON_COMPACT), *out = NULL;
	json_t *res = NULL;

	if (gd_script_call(S, "slotest", fn, a, &out, err, sizeof(err)) != 0)
		fail_msg("slotest.%s: %s", fn, err);
	res = json_loads(out, JSON_DECODE_ANY, NULL);
	free(out);
	free(a);
	json_decref(args);
	return res;
}

static void
run_case(void **state)
{
	json_t *res = call("run", json_pack("{s:s}", "name", (const char *)*state));

	if (!json_is_true(json_object_get(res, "ok")))
		fail_msg("%s: %s", (const char *)*state, json_string_value(json_object_get(res, "msg")));
	json_decref(res);
}

int
main(void)
{
	struct gd_script_env env = { 0 };
	struct CMUnitTest *tests;
	char err[4096];
	json_t *names, *n;
	size_t i, count;
	int rc;

	env.fakes = "tests/unit/lua";   /* tests run from the repo root */
	S = gd_script_new(NULL, &env, err, sizeof(err));   /* the Lua built into the binary */
	if (S == NULL) {
		fprintf(stderr, "test_slo: %s\n", err);
		return 1;
	}
	names = call("list", json_object());
	count = json_array_size(names);
	tests = calloc(count + 1, sizeof(*tests));
	json_array_foreach(names, i, n) {
		tests[i].name = json_string_value(n);
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)json_string_value(n);
	}
	rc = _cmocka_run_group_tests("slo", tests, count, NULL, NULL);
	free(tests);
	json_decref(names);
	gd_script_free(S);
	return rc;
}
