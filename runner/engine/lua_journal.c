/* lua_journal.c: gameday.journal: the run's crash-safe record, for scripts. */
#include "lua_bind.h"

/* journal.append(record) -> true | nil, err. Every record is fsync'd before
 * this returns: the engine calls it before each change to a host. */
static int
l_append(lua_State *L)
{
	const struct gd_script_env *env = gd_lua_env(L);
	char err[GD_ERRLEN];
	json_t *rec;
	int rc;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (env == NULL || env->journal == NULL) {
		lua_pushboolean(L, 1);  /* a dry run keeps no journal */
		return 1;
	}
	rec = gd_lua_to_json(L, 1, err, sizeof(err));
	if (rec == NULL)
		return luaL_error(L, "journal record: %s", err);
	rc = gd_journal_append(env->journal, rec, err, sizeof(err));
	json_decref(rec);
	if (rc != 0) {
		luaL_pushfail(L);
		lua_pushstring(L, err);
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* journal.path() -> path | nil */
static int
l_path(lua_State *L)
{
	const struct gd_script_env *env = gd_lua_env(L);

	if (env == NULL || env->journal == NULL)
		return 0;
	lua_pushstring(L, gd_journal_path(env->journal));
	return 1;
}

int
luaopen_gameday_journal(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "append", l_append },
		{ "path", l_path },
		{ NULL, NULL },
	};

	luaL_newlib(L, fns);
	return 1;
}
