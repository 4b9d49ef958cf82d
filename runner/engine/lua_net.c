/* lua_net.c: the gameday.net module: probe.c's primitives for Lua.
 *
 *   net.http{ url=, method=, body=, headers={ "K: V" }, timeout_ms=, max_body=, insecure= }
 *     -> { ok=, ms=, status=, body=, body_bytes=, error= }
 *   net.tcp{ host=, port=, timeout_ms= } -> { ok=, ms=, error= }
 *   net.match(regex, subject) -> boolean
 *   net.prom_query{ url=, query=, timeout_ms= }
 *     -> { outcome=, ms=, series={ { labels={}, value= } }, error= }
 *   net.prom_alerts{ url=, source=, timeout_ms= }
 *     -> { outcome=, ms=, source=, alerts={ { labels, annotations, state,
 *          active_at_ms, value } }, error= }
 *   outcome: "ok", "empty", "query-error", "unreachable" or "bad-reply"
 *
 * Misuse raises; a refused or slow service is a result (ok=false, error). */
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua_bind.h"
#include "probe.h"

#define RESULT_MT "gameday.net.result"
#define MAX_HEADERS 256

static const char *const http_fields[] = {
	"url", "method", "body", "headers", "timeout_ms", "max_body", "insecure", NULL,
};
static const char *const tcp_fields[] = { "host", "port", "timeout_ms", NULL };
static const char *const query_fields[] = { "url", "query", "timeout_ms", NULL };
static const char *const alerts_fields[] = { "url", "source", "timeout_ms", NULL };

static int
field_error(lua_State *L, int arg, const char *k, const char *what)
{
	return luaL_argerror(L, arg, lua_pushfstring(L, "field '%s' must be %s", k, what));
}

/* A typo such as timeout= for timeout_ms= must not pass silently. */
static void
check_fields(lua_State *L, int arg, const char *const *names)
{
	size_t i;

	lua_pushnil(L);
	while (lua_next(L, arg) != 0) {
		lua_pop(L, 1);  /* value */
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_argerror(L, arg, "field names must be strings");
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(names[i], lua_tostring(L, -1)) == 0)
				break;
		if (names[i] == NULL)
			luaL_argerror(L, arg, lua_pushfstring(L, "unknown field '%s'", lua_tostring(L, -1)));
	}
}

/* Field k as a string, or NULL when nil. The value stays on the stack so
 * the pointer stays valid until the function returns. */
static const char *
opt_string(lua_State *L, int arg, const char *k, size_t *len)
{
	int t = lua_getfield(L, arg, k);

	if (t == LUA_TNIL)
		return NULL;
	if (t != LUA_TSTRING)
		field_error(L, arg, k, "a string");
	return lua_tolstring(L, -1, len);
}

static lua_Integer
opt_integer(lua_State *L, int arg, const char *k, lua_Integer def, lua_Integer min, lua_Integer max)
{
	lua_Integer v;
	int t = lua_getfield(L, arg, k), isint;

	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return def;
	}
	if (t != LUA_TNUMBER)
		field_error(L, arg, k, "a number");
	v = lua_tointegerx(L, -1, &isint);
	if (!isint)
		field_error(L, arg, k, "an integer");
	if (v < min || v > max)
		luaL_argerror(L, arg, lua_pushfstring(L, "field '%s' must be in %I-%I",
		    k, (LUA_INTEGER)min, (LUA_INTEGER)max));
	lua_pop(L, 1);
	return v;
}

static int
opt_boolean(lua_State *L, int arg, const char *k)
{
	int t = lua_getfield(L, arg, k), v;

	if (t != LUA_TNIL && t != LUA_TBOOLEAN)
		field_error(L, arg, k, "a boolean");
	v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

/* The headers list as a NULL-terminated array in a userdata, so that
 * nothing leaks when a later check raises. Strings are borrowed from the
 * headers table, which stays on the stack. */
static const char **
opt_headers(lua_State *L, int arg)
{
	const char **v;
	lua_Integer i, n;
	int tab;

	if (lua_getfield(L, arg, "headers") == LUA_TNIL)
		return NULL;
	if (!lua_istable(L, -1))
		field_error(L, arg, "headers", "a list of \"Name: value\" strings");
	tab = lua_gettop(L);
	n = (lua_Integer)lua_rawlen(L, tab);
	if (n > MAX_HEADERS)
		field_error(L, arg, "headers", lua_pushfstring(L, "at most %d strings", MAX_HEADERS));
	v = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof(*v), 0);
	for (i = 1; i <= n; i++) {
		if (lua_rawgeti(L, tab, i) != LUA_TSTRING)
			field_error(L, arg, "headers", "a list of \"Name: value\" strings");
		v[i - 1] = lua_tostring(L, -1);
		lua_pop(L, 1);  /* still referenced by the headers table */
	}
	v[n] = NULL;
	return v;
}

/* A probe result owned by Lua: freed by __gc even when a raise skips the
 * explicit free. */
static struct gd_probe_result *
new_result(lua_State *L)
{
	struct gd_probe_result *r = lua_newuserdatauv(L, sizeof(*r), 0);

	memset(r, 0, sizeof(*r));
	luaL_setmetatable(L, RESULT_MT);
	return r;
}

/* __gc and __close: idempotent. */
static int
result_free(lua_State *L)
{
	gd_probe_result_free(luaL_checkudata(L, 1, RESULT_MT));
	return 0;
}

static void
push_common(lua_State *L, const struct gd_probe_result *r)
{
	lua_pushboolean(L, r->ok);
	lua_setfield(L, -2, "ok");
	lua_pushinteger(L, (lua_Integer)r->ms);
	lua_setfield(L, -2, "ms");
	if (!r->ok) {
		lua_pushstring(L, r->error);
		lua_setfield(L, -2, "error");
	}
}

static int
net_http(lua_State *L)
{
	struct gd_http_req req;
	struct gd_probe_result *r;
	size_t len = 0;

	gd_lua_check_stop(L);  /* an abort or deadline due: no new wait */
	luaL_checktype(L, 1, LUA_TTABLE);
	check_fields(L, 1, http_fields);
	memset(&req, 0, sizeof(req));
	req.url = opt_string(L, 1, "url", NULL);
	if (req.url == NULL)
		field_error(L, 1, "url", "a string");
	req.method = opt_string(L, 1, "method", NULL);
	req.body = opt_string(L, 1, "body", &len);
	req.body_len = len;
	req.headers = opt_headers(L, 1);
	req.timeout_ms = (long)opt_integer(L, 1, "timeout_ms", 0, 1, 86400000);
	req.max_body = (size_t)opt_integer(L, 1, "max_body", 0, 1, 256 << 20);
	req.insecure = opt_boolean(L, 1, "insecure");

	r = new_result(L);
	if (gd_probe_http(&req, r) < 0)
		return luaL_argerror(L, 1, r->error);  /* copies r->error; __gc frees r */
	lua_createtable(L, 0, 6);
	push_common(L, r);
	lua_pushinteger(L, (lua_Integer)r->status);
	lua_setfield(L, -2, "status");
	lua_pushlstring(L, r->body.data, r->body.len);
	lua_setfield(L, -2, "body");
	lua_pushinteger(L, (lua_Integer)r->body_total);
	lua_setfield(L, -2, "body_bytes");
	gd_probe_result_free(r);  /* now, rather than at the next collection */
	return 1;
}

static int
net_tcp(lua_State *L)
{
	struct gd_probe_result r;
	const char *host;
	lua_Integer port, timeout;

	gd_lua_check_stop(L);  /* an abort or deadline due: no new wait */
	luaL_checktype(L, 1, LUA_TTABLE);
	check_fields(L, 1, tcp_fields);
	host = opt_string(L, 1, "host", NULL);
	if (host == NULL)
		field_error(L, 1, "host", "a string");
	port = opt_integer(L, 1, "port", 0, 1, 65535);
	if (port == 0)
		field_error(L, 1, "port", "a number");
	timeout = opt_integer(L, 1, "timeout_ms", 0, 1, 86400000);

	/* tcp fills no body: nothing to free before a raise */
	if (gd_probe_tcp(host, (int)port, (long)timeout, &r) < 0)
		return luaL_argerror(L, 1, r.error);
	gd_probe_result_free(&r);
	lua_createtable(L, 0, 3);
	push_common(L, &r);
	return 1;
}

static int
net_match(lua_State *L)
{
	char err[GD_ERRLEN];
	const char *re = luaL_checkstring(L, 1);
	size_t len;
	const char *s = luaL_checklstring(L, 2, &len);
	int rc = gd_regex_match(re, s, len, err, sizeof(err));

	if (rc < 0)
		return luaL_error(L, "%s", err);
	lua_pushboolean(L, rc);
	return 1;
}

/* The result table of a Prometheus API call; r is freed here. */
static int
push_prom(lua_State *L, struct gd_prom_result *r, const char *items)
{
	lua_createtable(L, 0, 5);
	lua_pushstring(L, gd_prom_outcome_name(r->outcome));
	lua_setfield(L, -2, "outcome");
	lua_pushinteger(L, (lua_Integer)r->ms);
	lua_setfield(L, -2, "ms");
	if (r->source[0] != '\0') {
		lua_pushstring(L, r->source);
		lua_setfield(L, -2, "source");
	}
	if (r->error[0] != '\0') {
		lua_pushstring(L, r->error);
		lua_setfield(L, -2, "error");
	}
	if (r->items != NULL)
		gd_lua_push_json(L, r->items);
	else
		lua_newtable(L);
	lua_setfield(L, -2, items);
	gd_prom_result_free(r);
	return 1;
}

static int
net_prom_query(lua_State *L)
{
	struct gd_prom_result r;
	const char *url, *query;
	lua_Integer timeout;

	gd_lua_check_stop(L);  /* an abort or deadline due: no new wait */
	luaL_checktype(L, 1, LUA_TTABLE);
	check_fields(L, 1, query_fields);
	if ((url = opt_string(L, 1, "url", NULL)) == NULL)
		field_error(L, 1, "url", "a string");
	if ((query = opt_string(L, 1, "query", NULL)) == NULL)
		field_error(L, 1, "query", "a string");
	timeout = opt_integer(L, 1, "timeout_ms", 0, 1, 86400000);
	if (gd_prom_query(url, query, (long)timeout, &r) < 0) {
		gd_prom_result_free(&r);
		return luaL_argerror(L, 1, lua_pushstring(L, r.error));
	}
	return push_prom(L, &r, "series");
}

static int
net_prom_alerts(lua_State *L)
{
	struct gd_prom_result r;
	const char *url, *source;
	lua_Integer timeout;

	gd_lua_check_stop(L);  /* an abort or deadline due: no new wait */
	luaL_checktype(L, 1, LUA_TTABLE);
	check_fields(L, 1, alerts_fields);
	if ((url = opt_string(L, 1, "url", NULL)) == NULL)
		field_error(L, 1, "url", "a string");
	source = opt_string(L, 1, "source", NULL);
	timeout = opt_integer(L, 1, "timeout_ms", 0, 1, 86400000);
	if (gd_prom_alerts(url, source, (long)timeout, &r) < 0) {
		gd_prom_result_free(&r);
		return luaL_argerror(L, 1, lua_pushstring(L, r.error));
	}
	return push_prom(L, &r, "alerts");
}

static const luaL_Reg net_funcs[] = {
	{ "http", net_http },
	{ "prom_query", net_prom_query },
	{ "prom_alerts", net_prom_alerts },
	{ "tcp", net_tcp },
	{ "match", net_match },
	{ NULL, NULL },
};

static const luaL_Reg result_meta[] = {
	{ "__gc", result_free },
	{ "__close", result_free },
	{ NULL, NULL },
};

int
luaopen_gameday_net(lua_State *L)
{
	luaL_newmetatable(L, RESULT_MT);
	luaL_setfuncs(L, result_meta, 0);
	lua_pop(L, 1);  /* remove metatable */
	luaL_newlib(L, net_funcs);
	return 1;
}
