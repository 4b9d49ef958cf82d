/* script.c: the Lua state: allow-listed libraries, a require confined to
 * gameday's lua/ directory, text-only chunks, a count hook for deadlines and
 * abort, and one protected call with a traceback for everything. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "lua_bind.h"

volatile sig_atomic_t gd_abort_signal;

struct gd_script {
	lua_State *L;
	char *lua_dir;
	struct gd_script_env env;
};

static void
on_signal(int sig)
{
	gd_abort_signal = sig;
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

/* Message handler: the error with a traceback (as lua.c's msghandler). */
static int
msghandler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* lua_pcall with the traceback handler: the one way C calls into Lua. */
static int
docall(lua_State *L, int narg, int nres)
{
	int base = lua_gettop(L) - narg, rc;

	lua_pushcfunction(L, msghandler);
	lua_insert(L, base);
	rc = lua_pcall(L, narg, nres, base);
	lua_remove(L, base);
	return rc;
}

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

/* require(name) for gameday's own modules: C modules from the preload
 * table, Lua ones from LUA_DIR/name/with/slashes.lua, text chunks only. */
static int
safe_require(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	const char *dir;
	char *path;
	size_t i;
	int rc;

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

	lua_getfield(L, LUA_REGISTRYINDEX, "gameday.preload");
	lua_getfield(L, -1, name);
	if (lua_iscfunction(L, -1)) {
		lua_pushstring(L, name);
		lua_call(L, 1, 1);
	} else {
		lua_pop(L, 1);
		lua_getfield(L, LUA_REGISTRYINDEX, "gameday.lua_dir");
		dir = lua_tostring(L, -1);
		path = module_path(dir, name, ".lua");
		if (access(path, R_OK) != 0) {  /* a package: name/init.lua */
			free(path);
			path = module_path(dir, name, "/init.lua");
		}
		rc = luaL_loadfilex(L, path, "t");
		if (rc != LUA_OK) {
			free(path);
			if (rc == LUA_ERRFILE)
				return luaL_error(L, "module '%s' not found in %s", name, dir);
			return lua_error(L);
		}
		lua_pushstring(L, name);
		lua_pushstring(L, path);
		free(path);
		lua_call(L, 2, 1);
	}
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, 2, name);  /* gameday.loaded[name] */
	return 1;
}

/* load(chunk [, name [, mode [, env]]]) that takes text only. */
static int
safe_load(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, "=(load)");
	int env = !lua_isnone(L, 4);

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

struct gd_script *
gd_script_new(const char *lua_dir, const struct gd_script_env *env, char *err, size_t errlen)
{
	struct gd_script *s;
	char *init;

	init = gd_xasprintf("%s/gameday/init.lua", lua_dir);
	if (access(init, R_OK) != 0) {
		gd_errf(err, errlen, "cannot find gameday's Lua files: %s: %s (set GAMEDAY_LUA_DIR)",
		    init, strerror(errno));
		free(init);
		return NULL;
	}
	free(init);
	s = gd_xcalloc(1, sizeof(*s));
	s->L = luaL_newstate();
	if (s->L == NULL) {
		free(s);
		gd_errf(err, errlen, "cannot create a Lua state");
		return NULL;
	}
	s->lua_dir = gd_xstrdup(lua_dir);
	if (env != NULL)
		s->env = *env;
	lua_pushlightuserdata(s->L, &s->env);
	lua_setfield(s->L, LUA_REGISTRYINDEX, GD_ENV_KEY);
	lua_pushstring(s->L, s->lua_dir);
	lua_setfield(s->L, LUA_REGISTRYINDEX, "gameday.lua_dir");
	lua_pushcfunction(s->L, setup);
	if (docall(s->L, 0, 0) != LUA_OK) {
		gd_errf(err, errlen, "%s", lua_tostring(s->L, -1));
		gd_script_free(s);
		return NULL;
	}
	return s;
}

int
gd_script_call(struct gd_script *s, const char *module, const char *fn,
    const char *args_json, char **result_json, char *err, size_t errlen)
{
	lua_State *L = s->L;
	json_t *args = NULL, *res = NULL;
	json_error_t jerr;
	int top = lua_gettop(L), ret = -1;

	*result_json = NULL;
	args = json_loads(args_json != NULL ? args_json : "{}", JSON_DECODE_ANY, &jerr);
	if (args == NULL) {
		gd_errf(err, errlen, "bad arguments for %s.%s: %s", module, fn, jerr.text);
		goto out;
	}
	lua_getglobal(L, "require");
	lua_pushstring(L, module);
	if (docall(L, 1, 1) != LUA_OK) {
		gd_errf(err, errlen, "%s", lua_tostring(L, -1));
		goto out;
	}
	lua_getfield(L, -1, fn);
	if (!lua_isfunction(L, -1)) {
		gd_errf(err, errlen, "%s has no function %s", module, fn);
		goto out;
	}
	gd_lua_push_json(L, args);
	if (docall(L, 1, 1) != LUA_OK) {
		gd_errf(err, errlen, "%s", lua_tostring(L, -1));
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
	return ret;
}

void
gd_script_free(struct gd_script *s)
{
	if (s == NULL)
		return;
	if (s->L != NULL)
		lua_close(s->L);
	free(s->lua_dir);
	free(s);
}
