/* test_script.c: the embedded Lua: the sandbox scenario files run in, error
 * messages with file and line, text-only chunks, JSON across the boundary;
 * and the limits no scenario gets out of: deadlines and aborts through
 * pcall, patterns and C loops that cannot hang, finalizers, error objects,
 * code run after its deadline, the memory cap, the watchdog. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

/* a plain Lua of the same version, to hold our patterns to Lua's own */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "gd.h"
#include "script.h"

static char dir[] = "/tmp/gd-script-XXXXXX";
static char luadir[64];
static struct gd_script *S;  /* over lua/ */
static struct gd_script *T;  /* over DIR/lua: lua/gameday and the gdtest module */

static int
setup(void **state)
{
	char err[4096];

	char cwd[512], cmd[1400];

	(void)state;
	setenv("GAMEDAY_LUA_DIR", "lua", 1);  /* tests run from the repo root */
	assert_non_null(mkdtemp(dir));
	S = gd_script_new("lua", NULL, err, sizeof(err));
	if (S == NULL)
		fail_msg("%s", err);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(luadir, sizeof(luadir), "%s/lua", dir);
	snprintf(cmd, sizeof(cmd), "mkdir %s && ln -s %s/lua/gameday %s/gameday && "
	    "ln -s %s/tests/unit/fixtures/lua/gdtest.lua %s/gdtest.lua", luadir, cwd, luadir, cwd, luadir);
	assert_int_equal(system(cmd), 0);
	T = gd_script_new(luadir, NULL, err, sizeof(err));
	if (T == NULL)
		fail_msg("%s", err);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	gd_script_free(S);
	gd_script_free(T);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* MODULE.FN(args) on s, its result decoded; takes args' reference. */
static json_t *
call(struct gd_script *s, const char *module, const char *fn, json_t *args)
{
	char err[4096], *out = NULL, *a = json_dumps(args, JSON_COMPACT);
	json_t *r;

	if (gd_script_call(s, module, fn, a, &out, err, sizeof(err)) != 0)
		fail_msg("%s.%s %s: %s", module, fn, a, err);  /* with its arguments, should it ever fail */
	free(a);
	json_decref(args);
	r = json_loads(out, 0, NULL);  /* no NUL inside: see ser() in the corpus */
	free(out);
	assert_non_null(r);
	return r;
}

/* Writes body to DIR/name and returns engine.describe's result for it. */
static json_t *
describe(const char *name, const char *body, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(body, 1, len, f), len);
	fclose(f);
	return call(S, "gameday.engine", "describe", json_pack("{s:s}", "file", path));
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

/* The limits */

/* Writes body to DIR/name and returns its path (static). */
static const char *
put(const char *name, const char *body)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(body, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* gdtest.FN { file = DIR/name (holding body), ms = ms } on s, decoded */
static json_t *
gdtest(struct gd_script *s, const char *fn, const char *name, const char *body, long ms)
{
	return call(s, "gdtest", fn, json_pack("{s:s, s:i}", "file", put(name, body), "ms", (json_int_t)ms));
}

/* The last gdtest run stopped as kind, saying want, in under max_ms (a
 * bound for "it stopped at all", wide for a loaded machine). */
static void
stopped(json_t *r, const char *name, const char *kind, const char *want, long max_ms)
{
	const char *text = json_string_value(json_object_get(r, "text"));
	const char *k = json_string_value(json_object_get(r, "kind"));
	long ms = (long)json_integer_value(json_object_get(r, "ms"));

	if (json_is_true(json_object_get(r, "ok")))
		fail_msg("%s: not stopped, returned %s", name, text);
	if (k == NULL || strcmp(k, kind) != 0)
		fail_msg("%s: stopped as '%s', want '%s': %s", name, k ? k : "?", kind, text ? text : "");
	if (text == NULL || strstr(text, want) == NULL)
		fail_msg("%s: want \"%s\" in:\n%s", name, want, text ? text : "");
	if (ms > max_ms)
		fail_msg("%s: stopped after %ld ms, more than %ld", name, ms, max_ms);
	json_decref(r);
}

static void
returned(json_t *r, const char *name, const char *want)
{
	const char *text = json_string_value(json_object_get(r, "text"));

	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("%s: failed: %s", name, text ? text : "");
	if (want != NULL && (text == NULL || strcmp(text, want) != 0))
		fail_msg("%s: returned \"%s\", want \"%s\"", name, text ? text : "", want);
	json_decref(r);
}

/* What a constructor checked stays as it was checked: read-only views,
 * tables read without their metamethods, parameters whitelisted. */
static void
test_validated_stays_validated(void **state)
{
	json_t *r;

	(void)state;
	refused("frozen.lua", "local f = fault.file_mode { on = 'lab', path = '/srv/x' }\n"
	    "f.mode = '000; touch /tmp/pwned'\n",
	    "frozen.lua:2: fault.file_mode is read-only once made: 'mode' cannot be set");
	refused("frozenp.lua", "local p = probe.exec { name = 'x', on = 'lab', cmd = 'true' }\np.cmd = 'reboot'\n",
	    "frozenp.lua:2: probe.exec is read-only once made: 'cmd' cannot be set");
	refused("unmeta.lua", "setmetatable(fault.file_mode { on = 'lab', path = '/x' }, nil)\n",
	    "cannot change a protected metatable");
	refused("fake.lua", "return gameday.scenario { id = 'x', title = 'x', faults = { { __fault = true, "
	    "kind = 'file_mode', on = 'lab', path = '/x', mode = '0; touch /tmp/pwned' } } }\n",
	    "scenario: faults[1] must be a fault");
	refused("fakep.lua", "return gameday.scenario { id = 'x', title = 'x', run = function() end, "
	    "steady_state = { { __probe = true, kind = 'exec', name = 'x', on = 'lab', cmd = 'reboot' } } }\n",
	    "scenario: steady_state[1] must be a probe");
	refused("signal.lua", "fault.process_kill { on = 'lab', name = 'x', signal = 'KILL; touch /tmp/pwned' }\n",
	    "signal.lua:1: fault.process_kill: 'signal' must be a signal's name like KILL, TERM or HUP");
	refused("signal2.lua", "fault.process_kill { on = 'lab', name = 'x', signal = setmetatable({}, "
	    "{ __tostring = function() return 'KILL' end, __concat = function() return 'KILL; reboot' end }) }\n",
	    "fault.process_kill: 'signal' must be a string or a number, not a table");
	refused("pid.lua", "fault.process_stop { on = 'lab', pid = 1.5 }\n", "'pid' must be a whole number above 0");
	refused("nan.lua", "fault.net_loss { on = 'lab', percent = 0/0 }\n", "'percent' must be a percent from 0 to 100");
	refused("nan2.lua", "fault.disk_fill { on = 'lab', path = '/srv', percent = 0/0 }\n",
	    "'percent' must be a number from 1 to 100");
	refused("label.lua", "fault.disk_fill { on = 'lab', path = '/srv', size = '1M', label = {} }\n",
	    "fault.disk_fill: 'label' must be a string, not a table");
	/* a table's __index and __pairs are not what a constructor reads */
	returned(gdtest(T, "within", "pairs.lua", "local t = setmetatable({ on = 'lab', path = '/x' }, {\n"
	    "  __index = function(_, k) if k == 'mode' then return '000; touch /tmp/pwned' end end,\n"
	    "  __pairs = function() return next, { on = 'lab', path = '/x', mode = '1; reboot' } end })\n"
	    "return fault.file_mode(t).mode\n", 5000), "pairs.lua", "000");
	returned(gdtest(T, "within", "pairs2.lua", "local f = fault.file_mode { on = 'lab', path = '/x', mode = '640' }\n"
	    "local n = 0 for k, v in pairs(f) do n = n + 1 end return f.mode .. ' ' .. n\n", 5000), "pairs2.lua", "640 5");
	/* nor a scenario table's: describe never runs this loop */
	{
		static const char meta[] = "return gameday.scenario(setmetatable({ id = 'm', title = 't',\n"
		    "  faults = { fault.disk_fill { on = 'lab', path = '/srv', size = '1M' } } },\n"
		    "  { __index = function() while true do end end }))\n";

		r = describe("meta.lua", meta, strlen(meta));
	}
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(r, "expect")), "recover");
	json_decref(r);
}

/* A deadline passes every pcall, xpcall and message handler a scenario puts in its way. */
static void
test_deadline_through_pcall(void **state)
{
	static const struct { const char *name, *body; } loops[] = {
		{ "pcall.lua", "while true do pcall(function() while true do end end) end\n" },
		{ "xpcall.lua", "while true do xpcall(function() while true do end end, function(e) return e end) end\n" },
		{ "nested.lua", "while true do pcall(pcall, pcall, function() while true do end end) end\n" },
		{ "handler.lua", "xpcall(function() while true do end end, function() while true do end end)\n" },
		{ "error.lua", "while true do pcall(error, 'again') end\n" },
		{ "short.lua", "while true do pcall(function() local x = 0 for i = 1, 10 do x = x + i end end) end\n" },
		{ "rethrow.lua", "while true do local ok, e = pcall(function() while true do end end) "
		    "pcall(error, e) end\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(loops) / sizeof(loops[0]); i++)
		stopped(gdtest(T, "within", loops[i].name, loops[i].body, 300), loops[i].name, "deadline",
		    "ran past its deadline of 300 ms", 5000);
	/* and it says where the loop was */
	stopped(gdtest(T, "within", "where.lua", "local x = 0\nwhile true do x = x + 1 end\n", 200),
	    "where.lua", "deadline", "where.lua:2: ran past its deadline", 5000);
	/* within a window, a pcall still catches what it should */
	returned(gdtest(T, "within", "caught.lua", "local ok, e = pcall(error, 'x', 0) return e\n", 1000),
	    "caught.lua", "x");
}

static json_t *
sleep_for(const char *args)
{
	return call(T, "gdtest", "sleep", json_loads(args, 0, NULL));
}

/* whatever the abort test did, the others run with no abort pending */
static int
no_abort(void **state)
{
	(void)state;
	gd_abort_signal = 0;
	return 0;
}

/* An abort goes through the same; the shield holds it back. */
static void
test_abort_through_pcall(void **state)
{
	json_t *r;

	(void)state;
	gd_abort_signal = SIGINT;
	stopped(gdtest(T, "within", "abort.lua", "while true do pcall(function() while true do end end) end\n",
	    600000), "abort.lua", "abort", "aborted by SIGINT", 5000);
	stopped(gdtest(T, "within", "abort2.lua", "while true do pcall(function() end) end\n", 600000),
	    "abort2.lua", "abort", "aborted by SIGINT", 5000);
	/* core.sleep returns false at once (the engine then stops), unless shielded */
	r = sleep_for("{\"ms\": 600000}");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_true(json_is_false(json_object_get(r, "slept")));
	json_decref(r);
	r = sleep_for("{\"ms\": 100, \"shield\": true}");
	assert_true(json_is_true(json_object_get(r, "slept")));  /* reverts sleep on */
	json_decref(r);
	gd_abort_signal = 0;
	/* a deadline that passes while it sleeps raises its stop */
	r = sleep_for("{\"ms\": 600000, \"window\": 200}");
	assert_false(json_is_true(json_object_get(r, "ok")));
	assert_non_null(strstr(json_string_value(json_object_get(r, "text")), "ran past its deadline of 200 ms"));
	json_decref(r);
}

/* Patterns and the C loops of string and table end, whatever they are given. */
static void
test_c_loops_end(void **state)
{
	static const struct { const char *name, *body, *want; } bombs[] = {
		{ "find.lua", "return string.find(('a'):rep(40), ('a*'):rep(40) .. 'b')\n", "string.find: the pattern backtracks" },
		{ "match.lua", "return (('a'):rep(40)):match(('a*'):rep(40) .. 'b')\n", "string.match: the pattern backtracks" },
		{ "gsub.lua", "return (('a'):rep(40)):gsub(('a*'):rep(40) .. 'b', '')\n", "string.gsub: the pattern backtracks" },
		{ "gmatch.lua", "for x in (('a'):rep(40)):gmatch(('a*'):rep(40) .. 'b') do end\n", "string.gmatch: the pattern backtracks" },
		{ "lazy.lua", "return ('x'):rep(30):find(('.-'):rep(30) .. 'y')\n", "backtracks too much" },
		{ "tremove.lua", "table.remove(setmetatable({}, { __len = function() return 1 << 60 end }), 1)\n",
		    "tremove.lua:1: table.remove: a table with a __len metamethod" },
		{ "tinsert.lua", "table.insert(setmetatable({}, { __len = function() return 1 << 60 end }), 1, 0)\n",
		    "table.insert: a table with a __len" },
		{ "tsort.lua", "table.sort(setmetatable({}, { __len = function() return (1 << 31) - 2 end, __index = type }))\n",
		    "table.sort: a table with a __len" },
		{ "tmove.lua", "table.move({}, 1, 1 << 60, 2)\n", "tmove.lua:1: table.move: more than 16777216 elements" },
		{ "targ.lua", "table.insert(nil, 1)\n", "targ.lua:1: bad argument #1 to 'insert' (table expected, got nil)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bombs) / sizeof(bombs[0]); i++)
		stopped(gdtest(T, "within", bombs[i].name, bombs[i].body, 600000), bombs[i].name, "error",
		    bombs[i].want, 10000);
	/* behind a pcall loop, the deadline still comes */
	stopped(gdtest(T, "within", "bombloop.lua", "while true do pcall(string.find, ('a'):rep(40), "
	    "('a*'):rep(40) .. 'b') end\n", 300), "bombloop.lua", "deadline", "ran past its deadline", 5000);
	returned(gdtest(T, "within", "rep.lua", "return #string.rep('', math.maxinteger) + #(''):rep(1 << 62, '')\n",
	    600000), "rep.lua", "0");
	returned(gdtest(T, "within", "move.lua", "return table.concat(table.move({ 1, 2, 3 }, 1, 3, 2), ',')\n",
	    600000), "move.lua", "1,1,2,3");
	returned(gdtest(T, "within", "sort.lua", "local t = { 3, 1, 2 } table.sort(t) table.insert(t, 4) "
	    "table.remove(t, 1) return table.concat(t, ',') .. ('x'):rep(3, '-')\n", 600000), "sort.lua", "2,3,4x-x-x");
}

/* The same text through our string library and Lua's own. */
static const char pattern_corpus[] =
    "local cases = {\n"
    "  { 'hello world', 'o' }, { 'hello world', 'l+' }, { 'hello', '^h' }, { 'hello', 'o$' },\n"
    "  { 'hello', '^(h)(e)' }, { 'key = value', '^(%w+)%s*=%s*(.-)$' }, { 'a,b,,c', '([^,]*)' },\n"
    "  { 'THE (quick) fox', '%((%a+)%)' }, { 'f(a(b)c)d', '%b()' }, { 'THE (quick) fox', '%f[%a]%a+' },\n"
    "  { 'abcabc', '(abc)%1' }, { 'x = 1, y = 22', '()(%d+)()' }, { '  trim  ', '^%s*(.-)%s*$' },\n"
    "  { 'a.b.c', '.', }, { 'a.b.c', '%.' }, { 'aaa', 'a-' }, { 'aaa', 'a-$' }, { 'aaab', 'a*b' },\n"
    "  { 'ab', 'a?b?c?' }, { '[x]', '[]]' }, { '[x]', '[^]]+' }, { 'a-b', '[a-]+' }, { 'x%y', '%%' },\n"
    "  { '', '' }, { '', '.*' }, { 'abc', '' }, { 'abc', '()' }, { 'a\\0b', '%z' }, { 'a\\0b', '\\0' },\n"
    "  { 'Hello', '%u%l+' }, { 'x1y22', '%d+' }, { 'a b\\tc', '%S+' }, { 'fooBAR', '%U+' },\n"
    "  { 'a+b', 'a+b' }, { 'a+b', 'a%+b' }, { '$x', '$x' }, { 'x$', 'x$' }, { '^x', 'x^' },\n"
    "  { 'abc', '[%a-z]' }, { 'abc', '[b-]' }, { 'a]', '[%]]' }, { 'hello', '(h)(e)(l)(l)(o)' },\n"
    "  { 'hello', '((h)(e))' }, { 'abc', '(' }, { 'abc', ')' }, { 'abc', '%' }, { 'abc', '[a' },\n"
    "  { 'abc', '%b' }, { 'abc', '%bx' }, { 'abc', '%f' }, { 'abc', '%fa' }, { 'abc', '%1' },\n"
    "  { 'abc', '(a)%2' }, { 'abc', '(a%1)' }, { 'abc', '%0' }, { 'a.b', '[.]' }, { 'a-b', '%-' },\n"
    "  { 'THE END', '%f[%w]%w+%f[%W]' }, { 'aXb', '%f[%u]' }, { 'ab', 'a()b' }, { 'abab', '(ab)*' },\n"
    "}\n"
    "local out = {}\n"
    "local function ser(...)\n"
    "  local t = {}\n"
    "  for i = 1, select('#', ...) do local v = select(i, ...) t[#t + 1] = type(v) .. ':' .. ('%q'):format(tostring(v)) end\n"
    "  return table.concat(t, '|')\n"
    "end\n"
    "local function all(s, p, init)\n"
    "  local t, n = {}, 0\n"
    "  for a, b, c in string.gmatch(s, p, init) do n = n + 1 t[n] = ser(a, b, c) if n > 50 then break end end\n"
    "  return table.concat(t, ';')\n"
    "end\n"
    "local repl = { '<%0>', '%1-%1', '%%', 'x', { hello = 'H', a = false }, function(a, b) return b or a end,\n"
    "  function() return nil end, 7, '%2', '%9', '%x', '%' }\n"
    "local inits = { nil, 1, 2, -1, -100, 100, 0 }\n"
    "local function case(s, p)\n"
    "  for k = 1, 7 do\n"
    "    local i = inits[k]\n"
    "    out[#out + 1] = ser(pcall(string.find, s, p, i)) .. ' ' .. ser(pcall(string.find, s, p, i, true)) ..\n"
    "      ' ' .. ser(pcall(string.match, s, p, i)) .. ' ' .. ser(pcall(all, s, p, i))\n"
    "  end\n"
    "  for _, r in ipairs(repl) do\n"
    "    out[#out + 1] = ser(pcall(string.gsub, s, p, r)) .. ' ' .. ser(pcall(string.gsub, s, p, r, 1))\n"
    "  end\n"
    "end\n"
    "for _, c in ipairs(cases) do case(c[1], c[2]) end\n"
    "math.randomseed(42)\n"
    "local atoms = { 'a', 'b', '.', '%a', '%d', '%s', '[ab]', '[^a]', '[a-c]', '*', '+', '-', '?', '(', ')',\n"
    "  '()', '%1', '%2', '^', '$', '%b()', '%f[%w]', '%f[%W]', '[%d]', '%', '[', ']', ' ', '%b', '%f', '[]',\n"
    "  '[^]', '[%a-]', '%z', '%A', '[a-]', '-]', '%)', '%(', '.-', '.*', '%w+', '[^%s]' }\n"
    "local chars = { 'a', 'b', 'c', '1', ' ', '(', ')', 'ab', 'ba' }\n"
    "for n = 1, 8000 do\n"
    "  local p, s = {}, {}\n"
    "  for i = 1, math.random(1, 7) do p[i] = atoms[math.random(#atoms)] end\n"
    "  for i = 1, math.random(0, 10) do s[i] = chars[math.random(#chars)] end\n"
    "  p, s = table.concat(p), table.concat(s)\n"
    "  out[#out + 1] = ('%q ~ %q -> '):format(s, p) .. ser(pcall(string.find, s, p)) .. ' ' ..\n"
    "    ser(pcall(string.match, s, p, 2)) .. ' ' .. ser(pcall(all, s, p)) .. ' ' ..\n"
    "    ser(pcall(string.gsub, s, p, '<%0>')) .. ' ' .. ser(pcall(string.gsub, s, p, '%1')) .. ' ' ..\n"
    "    ser(pcall(string.gsub, s, p, function(x) return #x > 1 and x:upper() end, 3))\n"
    "end\n"
    "return table.concat(out, '\\n')\n";

static void
test_patterns_like_lua(void **state)
{
	json_t *r;
	const char *ours, *theirs, *o, *t;
	lua_State *L;
	size_t line = 1;

	(void)state;
	L = luaL_newstate();
	luaL_openlibs(L);
	if (luaL_loadbuffer(L, pattern_corpus, strlen(pattern_corpus), "=eval") != LUA_OK ||
	    lua_pcall(L, 0, 1, 0) != LUA_OK)
		fail_msg("lua: %s", lua_tostring(L, -1));
	theirs = lua_tostring(L, -1);
	r = call(T, "gdtest", "eval", json_pack("{s:s}", "code", pattern_corpus));
	ours = json_string_value(json_object_get(r, "out"));
	assert_non_null(ours);
	for (o = ours, t = theirs; *o != '\0' && *o == *t; o++, t++)
		if (*o == '\n')
			line++;
	if (*o != *t) {
		const char *ol = strchr(o, '\n'), *tl = strchr(t, '\n');

		fprintf(stderr, "line %zu differs:\n  ours: %.*s\n   lua: %.*s\n", line,
		    (int)(ol ? ol - o : (long)strlen(o)), o, (int)(tl ? tl - t : (long)strlen(t)), t);
		fail_msg("our patterns differ from Lua's at line %zu", line);
	}
	assert_true(line > 8000);
	json_decref(r);
	lua_close(L);
}

/* A finalizer would run where no hook reaches, after every deadline: refused. */
static void
test_no_finalizers(void **state)
{
	(void)state;
	stopped(gdtest(T, "within", "gc.lua", "setmetatable({}, { __gc = function() while true do end end })\n", 600000),
	    "gc.lua", "error", "gc.lua:1: setmetatable: a __gc finalizer is not allowed in a scenario", 5000);
	stopped(gdtest(T, "within", "prot.lua", "setmetatable(setmetatable({}, { __metatable = 1 }), {})\n", 600000),
	    "prot.lua", "error", "cannot change a protected metatable", 5000);
	/* one added later is never called (Lua marks objects at setmetatable): the
	 * teardown's lua_close would hang on it, and the watchdog end the test */
	returned(gdtest(T, "within", "late.lua", "local mt = {} local t = setmetatable({}, mt) "
	    "mt.__gc = function() while true do end end return 'ok'\n", 600000), "late.lua", "ok");
}

/* An error object's __tostring runs within a short window of its own. */
static void
test_error_object(void **state)
{
	(void)state;
	stopped(gdtest(T, "within", "tostr.lua", "error(setmetatable({}, { __tostring = function() "
	    "while true do end end }))\n", 600000), "tostr.lua", "error",
	    "tostr.lua:1: ran past its deadline of 1.000 s", 6000);
	stopped(gdtest(T, "within", "tostr2.lua", "error(setmetatable({}, { __tostring = function() "
	    "return 'a custom error' end }))\n", 600000), "tostr2.lua", "error", "a custom error", 5000);
	stopped(gdtest(T, "within", "tostr3.lua", "error(setmetatable({}, { __tostring = function() "
	    "error(setmetatable({}, { __tostring = function() while true do end end })) end }))\n", 600000),
	    "tostr3.lua", "error", "__tostring failed: it raised a table value", 6000);
}

/* The engine's errors.of reads what a run raised after its deadline is
 * cleared: stops as their kinds (saying what they said when raised), error
 * objects through core.error_text. */
static void
test_engine_reads_errors(void **state)
{
	(void)state;
	stopped(gdtest(T, "engine_error", "eloop.lua", "local x = 0\nwhile true do pcall(function() x = x + 1 end) end\n",
	    200), "eloop.lua", "deadline", "eloop.lua:2: ran past its deadline of 200 ms", 5000);
	stopped(gdtest(T, "engine_error", "eobj.lua", "error(setmetatable({}, { __tostring = function() "
	    "while true do end end }))\n", 5000), "eobj.lua", "scenario",
	    "__tostring failed: " , 8000);
	stopped(gdtest(T, "engine_error", "eobj2.lua", "error(setmetatable({}, { __tostring = function() "
	    "return 'the database is down' end }))\n", 5000), "eobj2.lua", "scenario", "the database is down", 5000);
	stopped(gdtest(T, "engine_error", "emem.lua", "local s = ('x'):rep(1 << 30)\n", 5000), "emem.lua", "memory",
	    "emem.lua used more than its memory limit of 256 MiB", 5000);
	stopped(gdtest(T, "engine_error", "estr.lua", "error('plain', 0)\n", 5000), "estr.lua", "scenario", "plain", 5000);
}

/* Scenario code left behind (a closure, a metamethod) stops at once when
 * called after its window closed. */
static void
test_outside_its_window(void **state)
{
	(void)state;
	stopped(gdtest(T, "later", "later.lua", "return function() while true do end end\n", 1000), "later.lua",
	    "outside", "later.lua:1: scenario code ran after its deadline was over", 5000);
	stopped(gdtest(T, "later", "later2.lua", "local t = setmetatable({}, { __index = function() "
	    "while true do end end })\nreturn function() return t.x end\n", 1000), "later2.lua", "outside",
	    "later2.lua:1: scenario code ran after its deadline", 5000);
}

/* The cap holds however memory is taken, and the state works on after it. */
static void
test_memory_cap(void **state)
{
	struct gd_script_env env = { 0 };
	struct gd_script *u;
	char err[GD_ERRLEN], *out = NULL;
	json_t *r;

	(void)state;
	env.lua_memory = (size_t)32 << 20;
	u = gd_script_new(luadir, &env, err, sizeof(err));
	assert_non_null(u);
	stopped(gdtest(u, "within", "grow.lua", "local t, i = {}, 0\nwhile true do i = i + 1 t[i] = ('x'):rep(64) .. i end\n",
	    600000), "grow.lua", "memory", "grow.lua used more than its memory limit of 32 MiB (--lua-memory)", 30000);
	stopped(gdtest(u, "within", "growp.lua", "local t = {}\nwhile true do pcall(function() local i = #t "
	    "while true do i = i + 1 t[i] = ('x'):rep(64) .. i end end) end\n", 600000), "growp.lua", "memory",
	    "memory limit of 32 MiB", 30000);
	stopped(gdtest(u, "within", "big.lua", "return ('x'):rep(1 << 30)\n", 600000), "big.lua", "memory",
	    "memory limit of 32 MiB", 30000);
	returned(gdtest(u, "within", "after.lua", "return 1 + 1\n", 600000), "after.lua", "2");
	assert_int_equal(gd_script_call(u, "gdtest", "memory", "{}", &out, err, sizeof(err)), 0);
	r = json_loads(out, 0, NULL);
	free(out);
	assert_int_equal(json_integer_value(json_object_get(r, "cap")), 32 << 20);
	assert_true(json_integer_value(json_object_get(r, "used")) < (8 << 20));  /* all given back */
	json_decref(r);
	gd_script_free(u);
}

/* A child that runs fn(), with its stderr into *errfd. */
static pid_t
child_start(void (*fn)(void), int *errfd)
{
	int ep[2];
	pid_t pid;

	assert_int_equal(pipe(ep), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(ep[1], 2);
		close(ep[0]);
		fn();
		_exit(99);
	}
	close(ep[1]);
	*errfd = ep[0];
	return pid;
}

/* Its exit status once it ends, and its stderr; one still alive after 30 s
 * is killed and fails the test. *ms: from t0 to its end. */
static int
child_wait(pid_t pid, int errfd, long long t0, char *errbuf, size_t errlen, long long *ms)
{
	int status = -1;
	ssize_t n;
	size_t got = 0;

	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (gd_now_ms() - t0 > 30000) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("the child did not end within 30 s");
		}
		usleep(50000);
	}
	*ms = gd_now_ms() - t0;
	while (got + 1 < errlen && (n = read(errfd, errbuf + got, errlen - 1 - got)) > 0)
		got += (size_t)n;
	errbuf[got] = '\0';
	close(errfd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* in the child: blocks in a read() inside a window of 200 ms */
static void
stuck_in_c(void)
{
	int in[2];
	char err[GD_ERRLEN], *out = NULL;
	struct gd_script *u;

	if (pipe(in) != 0 || write(in[1], "x", 1) != 1)  /* half a line, and the pipe stays open */
		_exit(98);
	dup2(in[0], 0);
	u = gd_script_new(luadir, NULL, err, sizeof(err));
	if (u == NULL)
		_exit(97);
	gd_script_call(u, "gdtest", "stuck", "{\"ms\": 200}", &out, err, sizeof(err));
	_exit(96);  /* not reached: the watchdog exits first */
}

/* in the child: signals on, then stuck in C outside Lua for good */
static void
deaf_to_signals(void)
{
	char err[GD_ERRLEN];

	if (gd_script_new(luadir, NULL, err, sizeof(err)) == NULL)
		_exit(97);
	gd_abort_on_signals();
	if (write(2, "ready\n", 6) != 6)
		_exit(98);
	for (;;)
		sleep(60);
}

/* Past its deadline in C, where no hook reaches: the watchdog ends it. */
static void
test_watchdog(void **state)
{
	char err[4096];
	long long ms, t0 = gd_now_ms();
	int fd, rc;
	pid_t pid;

	(void)state;
	pid = child_start(stuck_in_c, &fd);
	rc = child_wait(pid, fd, t0, err, sizeof(err), &ms);
	if (rc != 2 || strstr(err, "stuck.lua: still running") == NULL || strstr(err, "past its deadline") == NULL)
		fail_msg("stuck in C: exit %d after %lld ms, stderr:\n%s", rc, ms, err);
}

/* Deaf to a first signal: the second starts a grace period, then exit 4. */
static void
test_watchdog_second_signal(void **state)
{
	char err[4096];
	long long ms, t0;
	int fd, rc;
	pid_t pid;

	(void)state;
	pid = child_start(deaf_to_signals, &fd);
	assert_int_equal(read(fd, err, 6), 6);  /* "ready": its handlers are on */
	kill(pid, SIGINT);
	usleep(200000);
	t0 = gd_now_ms();
	kill(pid, SIGTERM);
	rc = child_wait(pid, fd, t0, err, sizeof(err), &ms);
	if (rc != 4 || strstr(err, "did not stop within 3.000 s of a second signal") == NULL)
		fail_msg("exit %d after %lld ms, stderr:\n%s", rc, ms, err);
	assert_true(ms >= 2500);  /* the grace period came first */
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
		cmocka_unit_test(test_validated_stays_validated),
		cmocka_unit_test(test_deadline_through_pcall),
		cmocka_unit_test_teardown(test_abort_through_pcall, no_abort),
		cmocka_unit_test(test_c_loops_end),
		cmocka_unit_test(test_patterns_like_lua),
		cmocka_unit_test(test_no_finalizers),
		cmocka_unit_test(test_error_object),
		cmocka_unit_test(test_engine_reads_errors),
		cmocka_unit_test(test_outside_its_window),
		cmocka_unit_test(test_memory_cap),
		cmocka_unit_test(test_watchdog),
		cmocka_unit_test(test_watchdog_second_signal),
	};

	return cmocka_run_group_tests_name("script", tests, setup, teardown);
}
