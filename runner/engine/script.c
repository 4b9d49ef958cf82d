/* script.c: the Lua state: allow-listed libraries, a require confined to
 * gameday's own Lua (built into the binary, or $GAMEDAY_LUA_DIR), text-only chunks, one protected call with a
 * traceback for everything, the limits of lua_guard.c (a memory cap,
 * deadlines and aborts no pcall catches), and a watchdog thread for what a
 * hook cannot stop (C code that does not return): past a deadline by
 * GD_GRACE_MS, or GD_GRACE_MS after a second signal, it reverts from the
 * journal with no Lua and exits. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "duration.h"
#include "lua_bind.h"
#include "recover.h"
#include "size.h"

#define HOOK_COUNT 10000
#define CLOSE_MS 10000     /* for lua_close (our own finalizers) */
#include "luasrc.h"

volatile sig_atomic_t gd_abort_signal;
static volatile sig_atomic_t nsignals;
static _Atomic long long second_signal_ms;

struct gd_script {
	struct gd_lua_guard g;  /* first: the allocator's ud is the script */
	lua_State *L;
	char *lua_dir;
	struct gd_script_env env;
	pthread_t dog;
	int dog_up, dog_stop, sync_up;
	pthread_cond_t cv;      /* the watchdog's wake-ups, with g.mu */
	_Atomic long long close_by;
};

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);  /* async-signal-safe, unlike most */
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
on_signal(int sig)
{
	static const char again[] = "gameday: a second signal: reverting from the journal in 3 s "
	    "unless the run has stopped by then\n";

	gd_abort_signal = sig;
	if (++nsignals == 2) {
		second_signal_ms = mono_ms();
		(void)!write(2, again, sizeof(again) - 1);
	}
}

void
gd_abort_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int
gd_lua_memory_parse(const char *s, size_t *bytes, char *err, size_t errlen)
{
	unsigned long long v;
	char e[GD_ERRLEN];

	if (gd_size_parse(s, &v, e, sizeof(e)) != 0)
		return gd_errf(err, errlen, "--lua-memory: %s", e);
	if (v < (1 << 20) || v > SIZE_MAX / 2)
		return gd_errf(err, errlen, "--lua-memory: '%s': give at least 1M", s);
	*bytes = (size_t)v;
	return 0;
}

const char *
gd_lua_override(void)
{
	const char *env = getenv("GAMEDAY_LUA_DIR");

	return env != NULL && env[0] != '\0' ? env : NULL;
}

char *
gd_lua_dir(void)
{
	const char *env = getenv("GAMEDAY_LUA_DIR");
	char exe[PATH_MAX], *slash, *p;
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return gd_xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return gd_xstrdup("lua");
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash != NULL)
		*slash = '\0';
	p = gd_xasprintf("%s/lua/gameday/init.lua", exe);
	if (access(p, R_OK) == 0) {
		free(p);
		return gd_xasprintf("%s/lua", exe);
	}
	free(p);
	/* build/gameday in a build tree, or PREFIX/bin/gameday installed */
	p = gd_xasprintf("%s/../lua/gameday/init.lua", exe);
	if (access(p, R_OK) == 0) {
		free(p);
		return gd_xasprintf("%s/../lua", exe);
	}
	free(p);
	return gd_xasprintf("%s/../share/gameday/lua", exe);
}

const struct gd_script_env *
gd_lua_env(lua_State *L)
{
	const struct gd_script_env *env;

	lua_getfield(L, LUA_REGISTRYINDEX, GD_ENV_KEY);
	env = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return env;
}

/* lua_pcall with the traceback handler: the one way C calls into Lua. */
static int
docall(lua_State *L, int narg, int nres)
{
	int base = lua_gettop(L) - narg, rc;

	lua_pushcfunction(L, gd_lua_msghandler);
	lua_insert(L, base);
	rc = lua_pcall(L, narg, nres, base);
	lua_remove(L, base);
	return rc;
}

/* require and load */

/* DIR/a/b/c + suffix for module a.b.c; malloc'd. */
static char *
module_path(const char *dir, const char *name, const char *suffix)
{
	char *path = gd_xasprintf("%s/%s%s", dir, name, suffix);
	size_t i, end = strlen(dir) + 1 + strlen(name);

	for (i = strlen(dir) + 1; i < end; i++)
		if (path[i] == '.')
			path[i] = '/';
	return path;
}

/* Loads module name's Lua file from dir (name/with/slashes.lua, else the
 * package name/init.lua), a text chunk only; pushes the chunk and its path.
 * as_ours: named as the built-in Lua is ("=lua/PATH"), so that the guard
 * trusts it as gameday's own code (a unit test's fakes). Returns LUA_OK,
 * LUA_ERRFILE when there is no such file, or a load error (its message pushed). */
static int
load_from_dir(lua_State *L, const char *dir, const char *name, int as_ours)
{
	char *path = module_path(dir, name, ".lua"), *src, *chunk, e[GD_ERRLEN];
	size_t len;
	int rc;

	if (access(path, R_OK) != 0) {  /* a package: name/init.lua */
		free(path);
		path = module_path(dir, name, "/init.lua");
	}
	if (access(path, R_OK) != 0) {
		free(path);
		return LUA_ERRFILE;
	}
	if (!as_ours) {
		rc = luaL_loadfilex(L, path, "t");
	} else if ((src = gd_read_file(path, 0, &len, e, sizeof(e))) == NULL) {
		lua_pushstring(L, e);
		rc = LUA_ERRERR;  /* there, but unreadable: raised */
	} else {
		chunk = gd_xasprintf("=lua/%s", path);
		rc = luaL_loadbufferx(L, src, len, chunk, "t");
		free(chunk);
		free(src);
	}
	if (rc == LUA_OK)
		lua_pushstring(L, path);
	free(path);
	return rc;
}

/* Loads module name from the copy of lua/ built into the binary. */
static int
load_embedded(lua_State *L, const char *name)
{
	const struct gd_lua_module *m = gd_lua_module(name);
	char *chunk;
	int rc;

	if (m == NULL)
		return LUA_ERRFILE;
	chunk = gd_xasprintf("=%s", m->path);
	rc = luaL_loadbufferx(L, m->src, m->len, chunk, "t");
	free(chunk);
	if (rc == LUA_OK)
		lua_pushstring(L, m->path);
	return rc;
}

/* require(name) for gameday's own modules: a unit test's fakes first, then C
 * modules from the preload table, then Lua ones from the copy built into the
 * binary (or from $GAMEDAY_LUA_DIR), text chunks only. */
static int
safe_require(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	const struct gd_script_env *env = gd_lua_env(L);
	const char *dir = NULL;
	size_t i;
	int rc = LUA_ERRFILE;

	lua_getfield(L, LUA_REGISTRYINDEX, "gameday.loaded");
	lua_getfield(L, -1, name);
	if (!lua_isnil(L, -1))
		return 1;
	lua_pop(L, 1);
	for (i = 0; name[i] != '\0'; i++)
		if (!(name[i] == '.' || name[i] == '_' || (name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9')))
			return luaL_error(L, "require: bad module name '%s'", name);
	if (strstr(name, "..") != NULL || name[0] == '.')
		return luaL_error(L, "require: bad module name '%s'", name);

	if (env != NULL && env->fakes != NULL)
		rc = load_from_dir(L, env->fakes, name, 1);
	if (rc == LUA_ERRFILE) {
		lua_getfield(L, LUA_REGISTRYINDEX, "gameday.preload");
		lua_getfield(L, -1, name);
		lua_remove(L, -2);
		if (lua_iscfunction(L, -1)) {
			lua_pushstring(L, name);
			lua_call(L, 1, 1);
			goto loaded;
		}
		lua_pop(L, 1);
		lua_getfield(L, LUA_REGISTRYINDEX, "gameday.lua_dir");
		dir = lua_tostring(L, -1);
		lua_pop(L, 1);
		rc = dir != NULL ? load_from_dir(L, dir, name, 0) : load_embedded(L, name);
	}
	if (rc == LUA_ERRFILE)
		return luaL_error(L, "module '%s' not found in %s", name,
		    dir != NULL ? dir : "gameday's built-in Lua");
	if (rc != LUA_OK)
		return lua_error(L);
	lua_pushstring(L, name);
	lua_insert(L, -2);  /* chunk, name, path */
	lua_call(L, 2, 1);
loaded:
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, 2, name);  /* gameday.loaded[name] */
	return 1;
}

/* load(chunk [, name [, mode [, env]]]) that takes text only. The chunk is
 * named "=..." so that it never passes for one of gameday's own files. */
static int
safe_load(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, "(load)");
	int env = !lua_isnone(L, 4);

	name = lua_pushfstring(L, "=%s", name[0] == '=' || name[0] == '@' ? name + 1 : name);
	if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	if (env) {
		lua_pushvalue(L, 4);
		if (!lua_setupvalue(L, -2, 1))
			lua_pop(L, 1);
	}
	return 1;
}

static void
register_preload(lua_State *L, const char *name, lua_CFunction f)
{
	lua_getfield(L, LUA_REGISTRYINDEX, "gameday.preload");
	lua_pushcfunction(L, f);
	lua_setfield(L, -2, name);
	lua_pop(L, 1);
}

static int
setup(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base },
		{ LUA_TABLIBNAME, luaopen_table },
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
		{ NULL, NULL },
	};
	static const char *const dropped[] = { "dofile", "loadfile", "load", "require", NULL };
	const luaL_Reg *lib;
	const char *const *d;

	for (lib = libs; lib->func != NULL; lib++) {
		luaL_requiref(L, lib->name, lib->func, 1);
		lua_pop(L, 1);
	}
	for (d = dropped; *d != NULL; d++) {
		lua_pushnil(L);
		lua_setglobal(L, *d);
	}
	gd_lua_bound_libs(L);
	gd_lua_open_pcalls(L);
	lua_pushcfunction(L, safe_load);
	lua_setglobal(L, "load");
	lua_pushcfunction(L, safe_require);
	lua_setglobal(L, "require");
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, "gameday.loaded");
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, "gameday.preload");
	register_preload(L, "gameday.core", luaopen_gameday_core);
	register_preload(L, "gameday.json", luaopen_gameday_json);
	register_preload(L, "gameday.ssh", luaopen_gameday_ssh);
	register_preload(L, "gameday.journal", luaopen_gameday_journal);
	register_preload(L, "gameday.net", luaopen_gameday_net);
	register_preload(L, "gameday.restore", luaopen_gameday_restore);
	return 0;
}

/* The watchdog */

/* Reverts what the journal has open, with no Lua, and exits: for when Lua
 * cannot be stopped. Only write(2) to stderr: the stuck thread may hold stdio. */
static void
emergency(struct gd_script *s, int code, const char *why)
{
	char msg[1024], err[GD_ERRLEN];
	struct gd_recover_opts ro = { 0 };
	struct gd_ssh_opts o;
	FILE *log;
	int n, fd;

	n = snprintf(msg, sizeof(msg), "gameday: %s; %s\n", why, s->env.journal != NULL ?
	    "reverting from the journal without Lua" : "exiting");
	(void)!write(2, msg, n > 0 && (size_t)n < sizeof(msg) ? (size_t)n : strlen(msg));
	if (s->env.journal != NULL) {
		if (s->env.ssh != NULL)
			o = *s->env.ssh;
		else
			gd_ssh_opts_default(&o);
		o.progress = NULL;
		fd = dup(2);
		log = fd >= 0 ? fdopen(fd, "w") : NULL;  /* a stream of our own */
		/* connections of its own: the session's pool may be what is stuck */
		ro.ssh = &o;
		ro.held_by_me = s->env.journal;
		ro.log = log;
		ro.quiet = 1;
		if (gd_recover_journal_report(gd_journal_path(s->env.journal), &ro, err, sizeof(err)) < 0) {
			n = snprintf(msg, sizeof(msg), "gameday: %s\n", err);
			(void)!write(2, msg, n > 0 && (size_t)n < sizeof(msg) ? (size_t)n : strlen(msg));
		}
		if (log != NULL)
			fflush(log);
	}
	_exit(code);
}

/* One look: what must end now, if anything. */
static void
watch(struct gd_script *s)
{
	long long now = mono_ms(), dl = atomic_load(&s->g.deadline_ms);
	long long second = atomic_load(&second_signal_ms), close_by = atomic_load(&s->close_by);
	char why[512], d[GD_DURATION_LEN];

	if (second > 0 && now >= second + GD_GRACE_MS) {
		snprintf(why, sizeof(why), "the run did not stop within %s of a second signal",
		    gd_duration_fmt(GD_GRACE_MS, d, sizeof(d)));
		emergency(s, GD_EXIT_ABORTED, why);
	}
	if (dl > 0 && now >= dl + GD_GRACE_MS) {
		snprintf(why, sizeof(why), "%s%sstill running %s past its deadline, in code that does not "
		    "return to Lua", s->g.what, s->g.what[0] ? ": " : "",
		    gd_duration_fmt(now - dl, d, sizeof(d)));
		emergency(s, GD_EXIT_USAGE, why);
	}
	if (close_by > 0 && now >= close_by)
		emergency(s, GD_EXIT_USAGE, "closing the Lua state did not end (a finalizer that loops?)");
}

static void *
watchdog(void *arg)
{
	struct gd_script *s = arg;
	struct timespec ts;

	pthread_mutex_lock(&s->g.mu);
	while (!s->dog_stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cv, &s->g.mu, &ts);
		if (!s->dog_stop)
			watch(s);
	}
	pthread_mutex_unlock(&s->g.mu);
	return NULL;
}

static int
start_watchdog(struct gd_script *s)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int rc;

	pthread_mutex_init(&s->g.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	s->sync_up = 1;
	sigfillset(&all);  /* signals go to the thread that runs Lua */
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&s->dog, NULL, watchdog, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	s->dog_up = rc == 0;
	return rc == 0 ? 0 : -1;
}

static void
stop_watchdog(struct gd_script *s)
{
	if (!s->dog_up)
		return;
	pthread_mutex_lock(&s->g.mu);
	s->dog_stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->g.mu);
	pthread_join(s->dog, NULL);
	s->dog_up = 0;
}

/* The state */

static int
panic(lua_State *L)
{
	const char *msg = lua_tostring(L, -1);

	gd_warnx("lua: unprotected error: %s", msg != NULL ? msg : "(not a string)");
	return 0;  /* Lua aborts */
}

static void
no_warnings(void *ud, const char *msg, int tocont)
{
	(void)ud;
	(void)msg;
	(void)tocont;
}

struct gd_script *
gd_script_new(const char *lua_dir, const struct gd_script_env *env, char *err, size_t errlen)
{
	struct gd_script *s;
	char *init;

	if (lua_dir != NULL) {
		init = gd_xasprintf("%s/gameday/init.lua", lua_dir);
		if (access(init, R_OK) != 0) {
			gd_errf(err, errlen, "cannot find gameday's Lua files: %s: %s (GAMEDAY_LUA_DIR)",
			    init, strerror(errno));
			free(init);
			return NULL;
		}
		free(init);
	}
	s = gd_xcalloc(1, sizeof(*s));
	if (env != NULL)
		s->env = *env;
	s->g.mem_limit = s->env.lua_memory > 0 ? s->env.lua_memory : GD_LUA_MEMORY;
	s->g.mem_reserve = s->g.mem_limit / 8 > ((size_t)16 << 20) ? s->g.mem_limit / 8 : (size_t)16 << 20;
	s->lua_dir = lua_dir != NULL ? gd_xstrdup(lua_dir) : NULL;
	/* the built-in Lua's chunks are named "=lua/...": no file a scenario
	 * loads is named so (files are "@PATH") */
	s->g.trusted = lua_dir != NULL ? gd_xasprintf("@%s/", lua_dir) : gd_xstrdup("=lua/");
	s->g.ntrusted = strlen(s->g.trusted);
	if (start_watchdog(s) != 0) {
		gd_errf(err, errlen, "cannot start the script's watchdog thread");
		gd_script_free(s);
		return NULL;
	}
	s->L = lua_newstate(gd_lua_alloc, &s->g);
	if (s->L == NULL) {
		gd_errf(err, errlen, "cannot create a Lua state");
		gd_script_free(s);
		return NULL;
	}
	lua_atpanic(s->L, panic);
	lua_setwarnf(s->L, no_warnings, NULL);
	lua_sethook(s->L, gd_lua_hook, LUA_MASKCOUNT, HOOK_COUNT);
	gd_lua_open_stops(s->L);
	lua_pushlightuserdata(s->L, &s->env);
	lua_setfield(s->L, LUA_REGISTRYINDEX, GD_ENV_KEY);
	if (s->lua_dir != NULL) {
		lua_pushstring(s->L, s->lua_dir);
		lua_setfield(s->L, LUA_REGISTRYINDEX, "gameday.lua_dir");
	}
	lua_pushcfunction(s->L, setup);
	if (docall(s->L, 0, 0) != LUA_OK) {
		gd_errf(err, errlen, "%s", lua_tostring(s->L, -1));
		gd_script_free(s);
		return NULL;
	}
	return s;
}

/* err from the error at the top of the stack */
static void
call_error(struct gd_script *s, int rc, char *err, size_t errlen)
{
	char m[GD_SIZE_LEN];

	if (rc == LUA_ERRMEM && s->g.mem_refused)
		gd_errf(err, errlen, "%s%sthe Lua state reached its memory limit of %s (--lua-memory)",
		    s->g.what, s->g.what[0] ? ": " : "", gd_size_fmt(s->g.mem_limit, m, sizeof(m)));
	else
		gd_errf(err, errlen, "%s", gd_lua_error_text(s->L, -1));
}

int
gd_script_call(struct gd_script *s, const char *module, const char *fn,
    const char *args_json, char **result_json, char *err, size_t errlen)
{
	lua_State *L = s->L;
	json_t *args = NULL, *res = NULL;
	json_error_t jerr;
	int top = lua_gettop(L), ret = -1, rc;

	*result_json = NULL;
	s->g.depth++;
	args = json_loads(args_json != NULL ? args_json : "{}", JSON_DECODE_ANY, &jerr);
	if (args == NULL) {
		gd_errf(err, errlen, "bad arguments for %s.%s: %s", module, fn, jerr.text);
		goto out;
	}
	lua_getglobal(L, "require");
	lua_pushstring(L, module);
	if ((rc = docall(L, 1, 1)) != LUA_OK) {
		call_error(s, rc, err, errlen);
		goto out;
	}
	lua_getfield(L, -1, fn);
	if (!lua_isfunction(L, -1)) {
		gd_errf(err, errlen, "%s has no function %s", module, fn);
		goto out;
	}
	gd_lua_push_json(L, args);
	if ((rc = docall(L, 1, 1)) != LUA_OK) {
		call_error(s, rc, err, errlen);
		goto out;
	}
	res = gd_lua_to_json(L, -1, err, errlen);
	if (res == NULL)
		goto out;
	*result_json = json_dumps(res, JSON_COMPACT | JSON_ENCODE_ANY);
	ret = *result_json != NULL ? 0 : gd_errf(err, errlen, "cannot encode the result of %s.%s",
	    module, fn);
out:
	json_decref(args);
	json_decref(res);
	lua_settop(L, top);
	if (--s->g.depth == 0)  /* no Lua runs until the next call: no window either */
		gd_lua_set_window(L, -1, NULL);
	return ret;
}

void
gd_script_free(struct gd_script *s)
{
	if (s == NULL)
		return;
	if (s->L != NULL) {
		atomic_store(&s->close_by, mono_ms() + CLOSE_MS);
		lua_close(s->L);
	}
	stop_watchdog(s);
	if (s->sync_up) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->g.mu);
	}
	free(s->g.trusted);
	free(s->lua_dir);
	free(s);
}
