/* lua_json.c: Lua values to and from JSON (jansson): gameday.json. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lua_bind.h"

#define MAX_DEPTH 64

/* A table is an array when its keys are exactly 1..n (and n > 0), or when it is empty. */
static int
is_array(lua_State *L, int idx, size_t *len)
{
	size_t n = lua_rawlen(L, idx), count = 0;

	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		lua_pop(L, 1);
		if (!lua_isinteger(L, -1)) {
			lua_pop(L, 1);
			return 0;
		}
		count++;
	}
	*len = n;
	return count == n;
}

static json_t *
to_json(lua_State *L, int idx, int depth, char *err, size_t errlen)
{
	json_t *j = NULL, *v;
	size_t len, i;
	const char *s;
	char *clean;

	idx = lua_absindex(L, idx);
	if (depth > MAX_DEPTH) {
		gd_errf(err, errlen, "value nested deeper than %d levels (a cycle?)", MAX_DEPTH);
		return NULL;
	}
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return json_null();
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return json_integer((json_int_t)lua_tointeger(L, idx));
		if (!isfinite(lua_tonumber(L, idx)))
			return json_null();
		return json_real(lua_tonumber(L, idx));
	case LUA_TSTRING:
		s = lua_tolstring(L, idx, &len);
		j = json_stringn(s, len);
		if (j == NULL) {  /* not UTF-8, or a NUL inside */
			clean = gd_utf8_clean(s, len);
			j = json_string(clean);
			free(clean);
		}
		return j != NULL ? j : json_string("");
	case LUA_TTABLE:
		if (is_array(L, idx, &len)) {
			j = json_array();
			for (i = 1; i <= len; i++) {
				lua_rawgeti(L, idx, (lua_Integer)i);
				v = to_json(L, -1, depth + 1, err, errlen);
				lua_pop(L, 1);
				if (v == NULL)
					goto bad;
				json_array_append_new(j, v);
			}
			return j;
		}
		j = json_object();
		lua_pushnil(L);
		while (lua_next(L, idx) != 0) {
			if (lua_type(L, -2) != LUA_TSTRING && lua_type(L, -2) != LUA_TNUMBER) {
				lua_pop(L, 2);
				gd_errf(err, errlen, "a table key of type %s cannot be JSON",
				    luaL_typename(L, -2));
				goto bad;
			}
			lua_pushvalue(L, -2);  /* tostring on a copy: lua_next needs the key as it is */
			s = lua_tostring(L, -1);
			v = to_json(L, -2, depth + 1, err, errlen);
			if (v == NULL) {
				lua_pop(L, 3);
				goto bad;
			}
			json_object_set_new(j, s, v);
			lua_pop(L, 2);
		}
		return j;
	default:
		gd_errf(err, errlen, "a %s cannot be JSON", luaL_typename(L, idx));
		return NULL;
	}
bad:
	json_decref(j);
	return NULL;
}

json_t *
gd_lua_to_json(lua_State *L, int idx, char *err, size_t errlen)
{
	return to_json(L, idx, 0, err, errlen);
}

void
gd_lua_push_json(lua_State *L, const json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	luaL_checkstack(L, 4, "JSON too deep");
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		lua_createtable(L, 0, (int)json_object_size(j));
		json_object_foreach((json_t *)j, key, v) {
			gd_lua_push_json(L, v);
			lua_setfield(L, -2, key);
		}
		break;
	case JSON_ARRAY:
		lua_createtable(L, (int)json_array_size(j), 0);
		json_array_foreach(j, i, v) {
			gd_lua_push_json(L, v);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(j));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(j));
		break;
	case JSON_TRUE:
		lua_pushboolean(L, 1);
		break;
	case JSON_FALSE:
		lua_pushboolean(L, 0);
		break;
	default:
		lua_pushnil(L);
		break;
	}
}

/* json.encode(value [, pretty]) -> string | nil, err */
static int
l_encode(lua_State *L)
{
	char err[GD_ERRLEN];
	json_t *j = gd_lua_to_json(L, 1, err, sizeof(err));
	char *s;

	if (j == NULL) {
		luaL_pushfail(L);
		lua_pushstring(L, err);
		return 2;
	}
	s = json_dumps(j, JSON_ENCODE_ANY | (lua_toboolean(L, 2) ? JSON_INDENT(2) : JSON_COMPACT));
	json_decref(j);
	if (s == NULL)
		return luaL_error(L, "cannot encode JSON");
	lua_pushstring(L, s);
	free(s);
	return 1;
}

/* json.decode(string) -> value | nil, err */
static int
l_decode(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	json_error_t jerr;
	json_t *j = json_loadb(s, len, JSON_DECODE_ANY, &jerr);

	if (j == NULL) {
		luaL_pushfail(L);
		lua_pushfstring(L, "line %d: %s", jerr.line, jerr.text);
		return 2;
	}
	gd_lua_push_json(L, j);
	json_decref(j);
	return 1;
}

int
luaopen_gameday_json(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "encode", l_encode },
		{ "decode", l_decode },
		{ NULL, NULL },
	};

	luaL_newlib(L, fns);
	return 1;
}
