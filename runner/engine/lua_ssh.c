/* lua_ssh.c: gameday.ssh: the inventory and the SSH transport for scripts.
 * One connection set per Lua state; connections stay open between calls. */
#include <stdlib.h>
#include <string.h>

#include "lua_bind.h"

#define SET_META "gameday.ssh_set"

struct set {
	struct gd_ssh *m;
	const struct gd_inventory *inv;
	size_t *conn;  /* inventory host index -> connection index + 1; 0 when not added */
};

static int
set_gc(lua_State *L)
{
	struct set *s = luaL_checkudata(L, 1, SET_META);

	gd_ssh_free(s->m);
	s->m = NULL;
	free(s->conn);
	s->conn = NULL;
	return 0;
}

/* The state's connection set, made on first use. */
static struct set *
get_set(lua_State *L)
{
	const struct gd_script_env *env = gd_lua_env(L);
	struct set *s;
	struct gd_ssh_opts o;

	lua_getfield(L, LUA_REGISTRYINDEX, SET_META);
	if (!lua_isnil(L, -1)) {
		s = lua_touserdata(L, -1);
		lua_pop(L, 1);
		return s;
	}
	lua_pop(L, 1);
	if (env == NULL || env->inv == NULL)
		luaL_error(L, "no inventory: give -i FILE");
	s = lua_newuserdatauv(L, sizeof(*s), 0);
	memset(s, 0, sizeof(*s));
	if (env->ssh != NULL)
		o = *env->ssh;
	else
		gd_ssh_opts_default(&o);
	o.progress = NULL;
	s->m = gd_ssh_new(&o);
	s->inv = env->inv;
	s->conn = gd_xcalloc(env->inv->nhosts, sizeof(*s->conn));
	if (luaL_newmetatable(L, SET_META)) {
		lua_pushcfunction(L, set_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, SET_META);
	return s;
}

static const struct gd_inventory *
inventory(lua_State *L)
{
	const struct gd_script_env *env = gd_lua_env(L);

	if (env == NULL || env->inv == NULL)
		luaL_error(L, "no inventory: give -i FILE");
	return env->inv;
}

static long
host_index(const struct gd_inventory *inv, const char *name)
{
	size_t i;

	for (i = 0; i < inv->nhosts; i++)
		if (strcmp(inv->hosts[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* ssh.resolve(pattern) -> { names } | nil, err */
static int
l_resolve(lua_State *L)
{
	const struct gd_inventory *inv = inventory(L);
	const char *pattern = luaL_checkstring(L, 1);
	char err[GD_ERRLEN];
	size_t *idx = NULL, n = 0, i;

	if (gd_inventory_match(inv, pattern, &idx, &n, err, sizeof(err)) != 0) {
		luaL_pushfail(L);
		lua_pushfstring(L, "pattern '%s': %s", pattern, err);
		return 2;
	}
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_pushstring(L, inv->hosts[idx[i]].name);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(idx);
	return 1;
}

static void
set_str(lua_State *L, const char *k, const char *v)
{
	if (v == NULL)
		return;
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

/* ssh.host(name) -> { name, addr, port, user, key_file, known_hosts, become, production, vars } | nil */
static int
l_host(lua_State *L)
{
	const struct gd_inventory *inv = inventory(L);
	long i = host_index(inv, luaL_checkstring(L, 1));
	const struct gd_host *h;
	const struct gd_script_env *env = gd_lua_env(L);
	size_t k;

	if (i < 0)
		return 0;
	h = &inv->hosts[i];
	lua_createtable(L, 0, 10);
	set_str(L, "name", h->name);
	set_str(L, "addr", h->addr);
	lua_pushinteger(L, h->port);
	lua_setfield(L, -2, "port");
	set_str(L, "user", h->user);
	set_str(L, "key_file", h->key_file);
	/* the file host keys are really checked against, for recover */
	set_str(L, "known_hosts", env->ssh != NULL && env->ssh->known_hosts != NULL ?
	    env->ssh->known_hosts : h->known_hosts);
	lua_pushboolean(L, h->become);
	lua_setfield(L, -2, "become");
	lua_pushboolean(L, h->production);
	lua_setfield(L, -2, "production");
	lua_createtable(L, 0, (int)h->nvars);
	for (k = 0; k < h->nvars; k++)
		set_str(L, h->vars[k].key, h->vars[k].value);
	lua_setfield(L, -2, "vars");
	return 1;
}

static const char *
status_name(enum gd_ssh_status st)
{
	switch (st) {
	case GD_SSH_OK: return "ok";
	case GD_SSH_TIMEOUT: return "timeout";
	default: return "unreachable";
	}
}

/* ssh.exec({ {host=, cmd=}, ... } [, { timeout_ms = }]) -> { results } in the same order:
 * { host, status = "ok"|"timeout"|"unreachable", exit, signal, stdout, stderr, ms, error } */
static int
l_exec(lua_State *L)
{
	struct set *s;
	const struct gd_inventory *inv;
	const char **cmds;
	struct gd_ssh_result *res;
	size_t n, i, nconn;
	long *which;
	int timeout = -1;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "timeout_ms");
		if (!lua_isnil(L, -1))
			timeout = (int)luaL_checkinteger(L, -1);
		lua_pop(L, 1);
	}
	s = get_set(L);
	inv = s->inv;
	n = lua_rawlen(L, 1);
	which = gd_xcalloc(n, sizeof(*which));
	for (i = 0; i < n; i++) {
		const char *name;
		size_t j;

		lua_rawgeti(L, 1, (lua_Integer)i + 1);
		if (!lua_istable(L, -1)) {
			free(which);
			return luaL_error(L, "ssh.exec: item %d is not a table", (int)i + 1);
		}
		lua_getfield(L, -1, "host");
		name = lua_tostring(L, -1);
		which[i] = name != NULL ? host_index(inv, name) : -1;
		if (which[i] < 0) {
			free(which);
			return luaL_error(L, "ssh.exec: item %d: no host '%s' in the inventory",
			    (int)i + 1, name != NULL ? name : "?");
		}
		lua_pop(L, 2);
		for (j = 0; j < i; j++)
			if (which[j] == which[i]) {
				free(which);
				return luaL_error(L, "ssh.exec: host '%s' twice in one call", name);
			}
		if (s->conn[which[i]] == 0)
			s->conn[which[i]] = gd_ssh_add(s->m, &inv->hosts[which[i]]) + 1;
	}

	/* one slot per connection; hosts not in this call stay NULL */
	for (nconn = 0, i = 0; i < inv->nhosts; i++)
		if (s->conn[i] > nconn)
			nconn = s->conn[i];
	cmds = gd_xcalloc(nconn ? nconn : 1, sizeof(*cmds));
	res = gd_xcalloc(nconn ? nconn : 1, sizeof(*res));
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, 1, (lua_Integer)i + 1);
		lua_getfield(L, -1, "cmd");
		cmds[s->conn[which[i]] - 1] = lua_tostring(L, -1);  /* stays on the stack below */
		lua_remove(L, -2);
		if (cmds[s->conn[which[i]] - 1] == NULL) {
			free(which);
			free(cmds);
			free(res);
			return luaL_error(L, "ssh.exec: item %d has no cmd string", (int)i + 1);
		}
	}
	if (timeout >= 0)
		gd_ssh_set_timeout(s->m, timeout);
	gd_ssh_exec(s->m, cmds, nconn, res);

	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		struct gd_ssh_result *r = &res[s->conn[which[i]] - 1];

		lua_createtable(L, 0, 9);
		set_str(L, "host", inv->hosts[which[i]].name);
		set_str(L, "status", status_name(r->status));
		if (r->status == GD_SSH_OK && r->exit_code >= 0) {
			lua_pushinteger(L, r->exit_code);
			lua_setfield(L, -2, "exit");
		}
		if (r->exit_signal[0] != '\0')
			set_str(L, "signal", r->exit_signal);
		lua_pushlstring(L, r->out.data != NULL ? r->out.data : "", r->out.len);
		lua_setfield(L, -2, "stdout");
		lua_pushlstring(L, r->err.data != NULL ? r->err.data : "", r->err.len);
		lua_setfield(L, -2, "stderr");
		lua_pushinteger(L, r->ms);
		lua_setfield(L, -2, "ms");
		if (r->local_addr[0] != '\0')
			set_str(L, "local_addr", r->local_addr);
		if (r->status != GD_SSH_OK)
			set_str(L, "error", r->errmsg);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	for (i = 0; i < nconn; i++)
		gd_ssh_result_free(&res[i]);
	free(res);
	free(cmds);
	free(which);
	return 1;
}

int
luaopen_gameday_ssh(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "resolve", l_resolve },
		{ "host", l_host },
		{ "exec", l_exec },
		{ NULL, NULL },
	};

	luaL_newlib(L, fns);
	return 1;
}
