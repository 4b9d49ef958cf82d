/* luacases.h: runs the cases of a Lua test module (tests/unit/lua/NAME.lua,
 * with fake gameday.ssh and gameday.journal beside it) as cmocka tests, on
 * the Lua built into the binary. The module has list() -> { case names }
 * and run{ name = } -> { ok =, msg = }. Included by one test file each. */
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
static const char *lua_module;

static json_t *
call(const char *fn, json_t *args)
{
	char err[4096], *a = json_dumps(args, JSON_COMPACT), *out = NULL;
	json_t *res = NULL;

	if (gd_script_call(S, lua_module, fn, a, &out, err, sizeof(err)) != 0)
		fail_msg("%s.%s: %s", lua_module, fn, err);
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

/* Runs every case of module as the cmocka group group; main's result. */
static int
lua_cases_main(const char *module, const char *group)
{
	struct gd_script_env env = { 0 };
	struct CMUnitTest *tests;
	char err[4096];
	json_t *names, *n;
	size_t i, count;
	int rc;

	lua_module = module;
	env.fakes = "tests/unit/lua";   /* tests run from the repo root */
	S = gd_script_new(NULL, &env, err, sizeof(err));   /* the Lua built into the binary */
	if (S == NULL) {
		fprintf(stderr, "%s: %s\n", group, err);
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
	rc = _cmocka_run_group_tests(group, tests, count, NULL, NULL);
	free(tests);
	json_decref(names);
	gd_script_free(S);
	return rc;
}
