/* lua_bind.h: shared by the Lua binding files (and only them). */
#ifndef GD_LUA_BIND_H
#define GD_LUA_BIND_H

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>

#include "script.h"

/* The script's environment, kept in the registry under this key. */
#define GD_ENV_KEY "gameday.env"
const struct gd_script_env *gd_lua_env(lua_State *L);

/* Lua value at idx to JSON: tables with keys 1..n become arrays, others
 * objects with string keys; functions and userdata are refused. Returns a
 * new reference, or NULL with err filled. */
json_t *gd_lua_to_json(lua_State *L, int idx, char *err, size_t errlen);
/* Pushes the Lua form of j (null becomes nil). */
void gd_lua_push_json(lua_State *L, const json_t *j);

int luaopen_gameday_core(lua_State *L);
int luaopen_gameday_json(lua_State *L);
int luaopen_gameday_ssh(lua_State *L);
int luaopen_gameday_journal(lua_State *L);
int luaopen_gameday_net(lua_State *L);
int luaopen_gameday_restore(lua_State *L);

#endif
