/* lua_guard.c: the limits every Lua state runs under, whatever its scripts
 * do (see script.c for the state and its watchdog):
 *
 * - an allocator with a cap per state, and a reserve for the engine's own
 *   work once no window is open;
 * - windows: scenario code runs only while a deadline is set. The count
 *   hook raises a stop (abort, deadline) in scenario code at every tick once
 *   one is due, and at once when scenario code runs with no window open;
 *   the engine's own code meets a due stop at its next wait instead;
 * - stops are values of their own, which the sandbox's pcall and xpcall
 *   raise on instead of catching; the engine's own catch them, to revert;
 * - an error object becomes text with its __tostring run only within a
 *   short window of its own. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

#include "duration.h"
#include "lua_bind.h"
#include "size.h"

#define STOP_META "gameday.stop"
#define TOSTRING_MS 1000   /* for an error object's __tostring */

static const char stop_keys[GD_STOP_N];  /* registry keys of the stop values */

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
gd_lua_signame(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	default: return "a signal";
	}
}

/* Memory */

/* for a state gd_script_new did not make (a test's own): no window, no cap */
static struct gd_lua_guard foreign = { .mu = PTHREAD_MUTEX_INITIALIZER };

struct gd_lua_guard *
gd_lua_guard(lua_State *L)
{
	void *ud;

	return lua_getallocf(L, &ud) == gd_lua_alloc ? ud : &foreign;
}

/* realloc within the cap; the reserve is for the engine's own work once
 * the scenario's window is closed (its report, its reverts) */
void *
gd_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct gd_lua_guard *g = ud;
	size_t old = ptr != NULL ? osize : 0, limit;
	void *p;

	if (nsize == 0) {
		free(ptr);
		g->mem_used -= old;
		return NULL;
	}
	limit = g->mem_limit + (atomic_load(&g->deadline_ms) == 0 ? g->mem_reserve : 0);
	if (nsize > old && (g->mem_used > limit || nsize - old > limit - g->mem_used)) {
		g->mem_refused = 1;
		return NULL;
	}
	p = realloc(ptr, nsize);
	if (p != NULL)
		g->mem_used = g->mem_used - old + nsize;
	return p;
}

/* Windows and stops */

void
gd_lua_set_window(lua_State *L, long long ms, const char *what)
{
	struct gd_lua_guard *g = gd_lua_guard(L);

	pthread_mutex_lock(&g->mu);
	snprintf(g->what, sizeof(g->what), "%s", what != NULL ? what : "");
	g->where[0] = '\0';
	g->window_ms = ms >= 0 ? ms : 0;
	g->mem_refused = 0;
	atomic_store(&g->deadline_ms, ms >= 0 ? mono_ms() + ms : 0);
	pthread_mutex_unlock(&g->mu);
}

/* A window as it was, to put back after one of our own inside it. */
struct window {
	long long deadline_ms, window_ms;
	int mem_refused;
	char what[256], where[256];
};

static void
window_save(const struct gd_lua_guard *g, struct window *w)
{
	w->deadline_ms = atomic_load(&g->deadline_ms);
	w->window_ms = g->window_ms;
	w->mem_refused = g->mem_refused;
	memcpy(w->what, g->what, sizeof(w->what));
	memcpy(w->where, g->where, sizeof(w->where));
}

static void
window_restore(lua_State *L, const struct window *w)
{
	struct gd_lua_guard *g = gd_lua_guard(L);

	pthread_mutex_lock(&g->mu);
	memcpy(g->what, w->what, sizeof(w->what));
	memcpy(g->where, w->where, sizeof(w->where));
	g->window_ms = w->window_ms;
	g->mem_refused = w->mem_refused;
	atomic_store(&g->deadline_ms, w->deadline_ms);
	pthread_mutex_unlock(&g->mu);
}

enum gd_stop
gd_lua_stop_due(lua_State *L)
{
	struct gd_lua_guard *g = gd_lua_guard(L);
	long long dl = atomic_load(&g->deadline_ms);

	if (gd_abort_signal && !g->shielded)
		return GD_STOP_ABORT;
	if (dl > 0 && mono_ms() >= dl)
		return GD_STOP_DEADLINE;
	return GD_STOP_NONE;
}

/* What the stop of kind k says, written when it is raised: the window it
 * was raised in may be closed by the time someone reads it. */
static void
stop_say(struct gd_lua_guard *g, enum gd_stop k)
{
	char d[GD_DURATION_LEN], m[GD_SIZE_LEN];
	const char *at = g->where[0] != '\0' ? g->where : g->what;

	switch (k) {
	case GD_STOP_ABORT:
		snprintf(g->said[k], sizeof(g->said[k]), "aborted by %s", gd_lua_signame(gd_abort_signal));
		break;
	case GD_STOP_DEADLINE:
		snprintf(g->said[k], sizeof(g->said[k]), "%s%sran past its deadline of %s: an endless loop?", at,
		    at[0] ? ": " : "", gd_duration_fmt(g->window_ms, d, sizeof(d)));
		break;
	case GD_STOP_MEMORY:
		snprintf(g->said[k], sizeof(g->said[k]), "%s used more than its memory limit of %s (--lua-memory)",
		    g->what[0] ? g->what : "the script", gd_size_fmt(g->mem_limit, m, sizeof(m)));
		break;
	case GD_STOP_OUTSIDE:
		snprintf(g->said[k], sizeof(g->said[k]), "%s%sscenario code ran after its deadline was over (a "
		    "metamethod such as __tostring of a value it left behind?)", g->where, g->where[0] ? ": " : "");
		break;
	default:
		break;
	}
}

static int
push_stop(lua_State *L, enum gd_stop k)
{
	stop_say(gd_lua_guard(L), k);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &stop_keys[k]);  /* made at start: no allocation */
	return 1;
}

static int
raise_stop(lua_State *L, enum gd_stop k)
{
	push_stop(L, k);
	return lua_error(L);
}

static int scenario_on_stack(lua_State *L, const struct gd_lua_guard *g, char *where, size_t len);

void
gd_lua_check_stop(lua_State *L)
{
	struct gd_lua_guard *g = gd_lua_guard(L);
	enum gd_stop k = gd_lua_stop_due(L);
	char where[sizeof(g->where)];

	if (k == GD_STOP_NONE)
		return;
	/* after an abort the engine's own reverts and checks go on (the hook
	 * stops its other code); the scenario's calls stop */
	if (!scenario_on_stack(L, g, where, sizeof(where))) {
		if (k == GD_STOP_ABORT)
			return;
	} else if (k == GD_STOP_DEADLINE && g->where[0] == '\0') {
		memcpy(g->where, where, sizeof(where));  /* the scenario's line, as the hook says it */
	}
	raise_stop(L, k);
}

enum gd_stop
gd_lua_stop_kind(lua_State *L, int idx)
{
	const int *k = luaL_testudata(L, idx, STOP_META);

	return k != NULL ? (enum gd_stop)*k : GD_STOP_NONE;
}

static const char *const stop_names[GD_STOP_N] = { "none", "abort", "deadline", "memory", "outside" };

static int
stop_tostring(lua_State *L)
{
	enum gd_stop k = gd_lua_stop_kind(L, 1);

	lua_pushstring(L, k != GD_STOP_NONE && gd_lua_guard(L)->said[k][0] != '\0' ?
	    gd_lua_guard(L)->said[k] : "stop");
	return 1;
}

/* stop.kind, stop.message */
static int
stop_index(lua_State *L)
{
	const char *key = luaL_checkstring(L, 2);

	if (strcmp(key, "kind") == 0)
		lua_pushstring(L, stop_names[gd_lua_stop_kind(L, 1)]);
	else if (strcmp(key, "message") == 0)
		stop_tostring(L);
	else
		lua_pushnil(L);
	return 1;
}

void
gd_lua_open_stops(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{ "__tostring", stop_tostring },
		{ "__index", stop_index },
		{ NULL, NULL },
	};
	int k;

	luaL_newmetatable(L, STOP_META);
	luaL_setfuncs(L, meta, 0);
	lua_pushliteral(L, STOP_META);
	lua_setfield(L, -2, "__metatable");  /* not to be changed */
	lua_pop(L, 1);
	for (k = GD_STOP_NONE + 1; k < GD_STOP_N; k++) {
		int *v = lua_newuserdatauv(L, sizeof(int), 0);

		*v = k;
		luaL_setmetatable(L, STOP_META);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &stop_keys[k]);
	}
}

/* Whether code of a scenario (a chunk not of gameday's own lua/ directory)
 * is on the stack; fills where with its place. */
static int
scenario_on_stack(lua_State *L, const struct gd_lua_guard *g, char *where, size_t len)
{
	lua_Debug d;
	int level;

	for (level = 0; lua_getstack(L, level, &d); level++) {
		if (!lua_getinfo(L, "Sl", &d) || d.what[0] == 'C')
			continue;
		if (g->trusted != NULL && strncmp(d.source, g->trusted, g->ntrusted) == 0)
			continue;
		snprintf(where, len, "%s:%d", d.short_src, d.currentline);
		return 1;
	}
	return 0;
}

void
gd_lua_hook(lua_State *L, lua_Debug *ar)
{
	struct gd_lua_guard *g = gd_lua_guard(L);
	enum gd_stop k = gd_lua_stop_due(L);
	int window = atomic_load(&g->deadline_ms) != 0;
	char where[sizeof(g->where)];

	if (k == GD_STOP_NONE && window)
		return;
	/* only scenario code is stopped here: the engine's own meets a stop at
	 * its next wait (sleep, key, ssh.exec), and the watchdog is there for
	 * the rest, so that its reverts after one are never cut short */
	if (!scenario_on_stack(L, g, where, sizeof(where)))
		return;
	if (k == GD_STOP_NONE)
		k = GD_STOP_OUTSIDE;
	if (k == GD_STOP_OUTSIDE || (k == GD_STOP_DEADLINE && g->where[0] == '\0'))
		memcpy(g->where, where, sizeof(where));  /* the scenario's line: its loop */
	(void)ar;
	raise_stop(L, k);
}

/* Errors as text */

static int
call_tostring(lua_State *L)
{
	luaL_tolstring(L, 1, NULL);
	return 1;
}

const char *
gd_lua_error_text(lua_State *L, int idx)
{
	struct window w;
	int rc;

	idx = lua_absindex(L, idx);
	if (gd_lua_stop_kind(L, idx) != GD_STOP_NONE || lua_type(L, idx) == LUA_TSTRING ||
	    lua_type(L, idx) == LUA_TNUMBER)
		return luaL_tolstring(L, idx, NULL);  /* no scenario code in these */
	if (luaL_getmetafield(L, idx, "__tostring") == LUA_TNIL)
		return lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, idx));
	lua_pop(L, 1);
	window_save(gd_lua_guard(L), &w);
	gd_lua_set_window(L, TOSTRING_MS, w.what);
	lua_pushcfunction(L, call_tostring);
	lua_pushvalue(L, idx);
	rc = lua_pcall(L, 1, 1, 0);
	if (rc == LUA_OK) {
		window_restore(L, &w);
		return lua_tostring(L, -1);
	}
	/* why, while the window that failed is still there to say it; no more
	 * scenario code for that (its error may have a __tostring too) */
	if (rc == LUA_ERRMEM)
		lua_pushliteral(L, "not enough memory");
	else if (lua_type(L, -1) == LUA_TSTRING || gd_lua_stop_kind(L, -1) != GD_STOP_NONE)
		luaL_tolstring(L, -1, NULL);
	else
		lua_pushfstring(L, "it raised a %s value", luaL_typename(L, -1));
	lua_pushfstring(L, "(error object is a %s value whose __tostring failed: %s)",
	    luaL_typename(L, idx), lua_tostring(L, -1));
	window_restore(L, &w);
	lua_replace(L, -3);
	lua_pop(L, 1);
	return lua_tostring(L, -1);
}

/* Message handler: the error with a traceback (as lua.c's msghandler); a
 * stop goes on as it is. */
int
gd_lua_msghandler(lua_State *L)
{
	if (gd_lua_stop_kind(L, 1) != GD_STOP_NONE)
		return 1;
	luaL_traceback(L, L, gd_lua_error_text(L, 1), 1);
	return 1;
}

/* pcall and xpcall */

/* After a protected call from base + 1 on: true and the results, or false
 * and the error. A cap-refused allocation becomes the memory stop; in the
 * sandbox a stop is raised on, and one that is due is raised. */
static int
finish_pcall(lua_State *L, int rc, int sandbox, int base)
{
	if (rc == LUA_ERRMEM && gd_lua_guard(L)->mem_refused) {
		lua_pop(L, 1);
		push_stop(L, GD_STOP_MEMORY);
	}
	if (sandbox && rc != LUA_OK && gd_lua_stop_kind(L, -1) != GD_STOP_NONE)
		return lua_error(L);
	if (sandbox)
		gd_lua_check_stop(L);
	if (rc == LUA_OK) {
		lua_pushboolean(L, 1);
		lua_insert(L, base + 1);
		return lua_gettop(L) - base;
	}
	lua_pushboolean(L, 0);
	lua_insert(L, -2);
	return 2;
}

/* pcall(f, ...); upvalue 1: whether this is the sandbox's */
static int
guard_pcall(lua_State *L)
{
	int sandbox = lua_toboolean(L, lua_upvalueindex(1));

	luaL_checkany(L, 1);
	if (sandbox)
		gd_lua_check_stop(L);
	return finish_pcall(L, lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0), sandbox, 0);
}

/* xpcall's handler: a stop skips the caller's handler (upvalue 1) */
static int
xhandler(lua_State *L)
{
	if (gd_lua_stop_kind(L, 1) != GD_STOP_NONE)
		return 1;
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* xpcall(f, msgh, ...); upvalue 1: whether this is the sandbox's */
static int
guard_xpcall(lua_State *L)
{
	int sandbox = lua_toboolean(L, lua_upvalueindex(1)), n = lua_gettop(L);

	luaL_checktype(L, 2, LUA_TFUNCTION);
	if (sandbox)
		gd_lua_check_stop(L);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, xhandler, 1);
	lua_replace(L, 2);    /* f, handler, args... */
	lua_pushvalue(L, 1);
	lua_rotate(L, 3, 1);  /* f, handler, f, args... */
	return finish_pcall(L, lua_pcall(L, n - 2, LUA_MULTRET, 2), sandbox, 2);
}

/* setmetatable for scenarios: no __gc, since finalizers run where no hook
 * can stop them (Lua turns hooks off in them) and after every deadline */
static int
sandbox_setmetatable(lua_State *L)
{
	int t = lua_type(L, 2);

	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
	if (t == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "setmetatable: a __gc finalizer is not allowed in a scenario");
		lua_pop(L, 1);
	}
	if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
		return luaL_error(L, "cannot change a protected metatable");
	lua_settop(L, 2);
	lua_setmetatable(L, 1);
	return 1;
}

void
gd_lua_push_sandbox(lua_State *L)
{
	lua_createtable(L, 0, 3);
	lua_pushboolean(L, 1);
	lua_pushcclosure(L, guard_pcall, 1);
	lua_setfield(L, -2, "pcall");
	lua_pushboolean(L, 1);
	lua_pushcclosure(L, guard_xpcall, 1);
	lua_setfield(L, -2, "xpcall");
	lua_pushcfunction(L, sandbox_setmetatable);
	lua_setfield(L, -2, "setmetatable");
}

int
gd_lua_within(lua_State *L)
{
	lua_Integer ms = luaL_checkinteger(L, 1);
	const char *what = luaL_optstring(L, 2, "");
	struct window w;
	enum gd_stop k;
	int rc;

	luaL_argcheck(L, ms >= 0, 1, "a deadline from now, in ms");
	luaL_checktype(L, 3, LUA_TFUNCTION);
	window_save(gd_lua_guard(L), &w);
	gd_lua_set_window(L, ms, what);
	lua_pushcfunction(L, gd_lua_msghandler);  /* a traceback; stops as they are */
	lua_rotate(L, 3, 1);  /* ms, what, handler, fn, args... */
	rc = lua_pcall(L, lua_gettop(L) - 4, LUA_MULTRET, 3);
	if (rc == LUA_OK) {
		window_restore(L, &w);
		lua_pushboolean(L, 1);
		lua_replace(L, 3);
		return lua_gettop(L) - 2;
	}
	if (rc == LUA_ERRMEM && gd_lua_guard(L)->mem_refused) {
		lua_pop(L, 1);
		push_stop(L, GD_STOP_MEMORY);
	}
	k = gd_lua_stop_kind(L, -1);
	gd_lua_error_text(L, -1);  /* while the window's where and what are there */
	window_restore(L, &w);
	lua_pushboolean(L, 0);
	lua_insert(L, -2);
	lua_pushstring(L, k != GD_STOP_NONE ? stop_names[k] : (rc == LUA_ERRMEM ? "memory" : "error"));
	return 3;
}

/* The engine's own pcall and xpcall, in _G: they catch stops (the engine
 * reverts after one) and turn a cap-refused allocation into the memory stop. */
void
gd_lua_open_pcalls(lua_State *L)
{
	lua_pushboolean(L, 0);
	lua_pushcclosure(L, guard_pcall, 1);
	lua_setglobal(L, "pcall");
	lua_pushboolean(L, 0);
	lua_pushcclosure(L, guard_xpcall, 1);
	lua_setglobal(L, "xpcall");
}
