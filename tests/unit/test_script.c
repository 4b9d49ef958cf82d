/* test_script.c: the embedded Lua: the sandbox scenario files run in, error
 * messages with file and line, text-only chunks, JSON across the boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "script.h"

static char dir[] = "/tmp/gd-script-XXXXXX";
static struct gd_script *S;

static int
setup(void **state)
{
	char err[4096];

	(void)state;
	setenv("GAMEDAY_LUA_DIR", "lua", 1);  /* tests run from the repo root */
	assert_non_null(mkdtemp(dir));
	S = gd_script_new("lua", NULL, err, sizeof(err));
	if (S == NULL)
		fail_msg("%s", err);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	gd_script_free(S);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* Writes body to DIR/name and returns engine.describe's result for it. */
static json_t *
describe(const char *name, const char *body, size_t len)
{
	char path[256], err[4096], *out = NULL;
	json_t *args, *res;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(body, 1, len, f), len);
	fclose(f);
	args = json_pack("{s:s}", "file", path);
	{
		char *a = json_dumps(args, JSON_COMPACT);

		if (gd_script_call(S, "gameday.engine", "describe", a, &out, err, sizeof(err)) != 0)
			fail_msg("describe: %s", err);
		free(a);
	}
	json_decref(args);
	res = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(res);
	return res;
}

/* The scenario must be refused with a message holding want. */
static void
refused(const char *name, const char *body, const char *want)
{
	json_t *r = describe(name, body, strlen(body));
	const char *e = json_string_value(json_object_get(r, "error"));

	assert_false(json_is_true(json_object_get(r, "ok")));
	assert_non_null(e);
	if (strstr(e, want) == NULL)
		fail_msg("%s: want \"%s\" in:\n%s", name, want, e);
	json_decref(r);
}

static const char good[] =
    "return gameday.scenario {\n"
    "  id = \"ok-1\", title = \"fine\", tags = { \"disk\" },\n"
    "  faults = { fault.disk_fill { on = \"lab\", path = \"/srv\", size = \"1M\" } },\n"
    "}\n";

static void
test_good(void **state)
{
	json_t *r;

	(void)state;
	r = describe("good.lua", good, strlen(good));
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(r, "id")), "ok-1");
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "faults"), 0)),
	    "disk_fill on lab");
	json_decref(r);
}

static void
test_sandbox(void **state)
{
	(void)state;
	refused("os.lua", "os.execute('true')\n", "os.lua:1: nonexistent global 'os'");
	refused("io.lua", "\nlocal f = io.open('/etc/passwd')\n", "io.lua:2: nonexistent global 'io'");
	refused("req.lua", "require('gameday.core')\n", "nonexistent global 'require'");
	refused("load.lua", "load('return 1')\n", "nonexistent global 'load'");
	refused("dofile.lua", "dofile('/etc/passwd')\n", "nonexistent global 'dofile'");
	refused("meta.lua", "getmetatable('').__index.rep = nil\n", "nonexistent global 'getmetatable'");
	refused("debug.lua", "debug.sethook()\n", "nonexistent global 'debug'");
	refused("set.lua", "x = 1\n", "set.lua:1: assignment to undeclared global 'x'");
	refused("typo.lua", "return gameday.scenario { id = idd }\n", "nonexistent global 'idd'");
	/* the string library is a copy: changing it changes nothing for the engine */
	refused("strcopy.lua", "string.format = nil\nreturn 5\n", "must return gameday.scenario");
}

static void
test_binary_chunk(void **state)
{
	static const char chunk[] = "\x1bLua\x54\x00\x19\x93\r\n\x1a\n";

	(void)state;
	{
		json_t *r = describe("bin.lua", chunk, sizeof(chunk) - 1);

		assert_false(json_is_true(json_object_get(r, "ok")));
		assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "binary chunk"));
		json_decref(r);
	}
}

static void
test_errors_name_file_and_line(void **state)
{
	(void)state;
	refused("syntax.lua", "return gameday.scenario {\n  id = \"x\",\n  title = \n", "syntax.lua:4:");
	refused("runtime.lua", "local t\n\nreturn t.x\n", "runtime.lua:3: attempt to index a nil value");
	refused("field.lua", "return gameday.scenario { id = 'x', title = 'y', expect = 'maybe' }\n",
	    "field.lua: scenario: 'expect' must be recover, degrade or hold");
	refused("fault.lua", "local f = fault.disk_fill { on = 'lab', path = '/srv' }\nreturn f\n",
	    "fault.lua:1: fault.disk_fill: give exactly one of 'percent' or 'size'");
	refused("probe.lua", "local p = probe.http { name = 'x', url = 'http://a', body = '(' }\n",
	    "probe.lua:1:");
	refused("unknown.lua", "local f = fault.disk_fill { on = 'lab', path = '/srv', size = '1M', colour = 1 }\n",
	    "unknown field 'colour'");
	refused("traceback.lua", "error('boom')\n", "stack traceback");
}

static void
test_json_round_trip(void **state)
{
	static const char in[] =
	    "{\"s\":\"za\\u017c\\u00f3\\u0142\\u0107 \\u2603\",\"i\":9007199254740993,\"f\":1.5,"
	    "\"a\":[1,2,[3]],\"t\":true,\"nested\":{\"k\":\"v\"}}";
	char err[GD_ERRLEN], *out = NULL;
	json_t *want, *got, *inner;

	(void)state;
	assert_int_equal(gd_script_call(S, "gameday.json", "encode", in, &out, err, sizeof(err)), 0);
	got = json_loads(out, JSON_DECODE_ANY, NULL);  /* a JSON string holding JSON */
	assert_true(json_is_string(got));
	inner = json_loads(json_string_value(got), 0, NULL);
	want = json_loads(in, 0, NULL);
	assert_true(json_equal(inner, want));  /* integers stay integers, utf-8 stays */
	json_decref(got);
	json_decref(inner);
	json_decref(want);
	free(out);
}

static void
test_missing_module(void **state)
{
	char err[GD_ERRLEN], *out = NULL;

	(void)state;
	assert_int_equal(gd_script_call(S, "gameday.nosuch", "f", "{}", &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "module 'gameday.nosuch' not found"));
	assert_int_equal(gd_script_call(S, "../../etc/passwd", "f", "{}", &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad module name"));
	assert_null(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_sandbox),
		cmocka_unit_test(test_binary_chunk),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_missing_module),
	};

	return cmocka_run_group_tests_name("script", tests, setup, teardown);
}
