/* lua_ssh.c: gameday.ssh: the inventory and the SSH transport for scripts,
 * over the session's connection pool (connections stay open between calls). */
#include <stdlib.h>
#include <string.h>

#include "lua_bind.h"

/* The session's connections: one per host, shared with everything else the
 * session runs (drill streams, quiz practicals, the recover pass). */
static struct gd_pool *
pool(lua_State *L)
{
	const struct gd_script_env *env = gd_lua_env(L);

	if (env == NULL || env->inv == NULL || env->pool == NULL)
		luaL_error(L, "no inventory: give -i FILE");
	return env->pool;
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
	set_str(L, "become_user", h->become_user);
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

static void
push_result(lua_State *L, const char *host, const struct gd_ssh_result *r)
{
	lua_createtable(L, 0, 9);
	set_str(L, "host", host);
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
}

/* Item i of the job list at index 1: its host's inventory index and its
 * command (left on the stack, which keeps it alive); raises on a bad item. */
static long
job(lua_State *L, const struct gd_inventory *inv, size_t i, const char **cmd)
{
	const char *name;
	long h;

	lua_rawgeti(L, 1, (lua_Integer)i + 1);
	if (!lua_istable(L, -1))
		return luaL_error(L, "ssh.exec: item %d is not a table", (int)i + 1);
	lua_getfield(L, -1, "host");
	name = lua_tostring(L, -1);
	h = name != NULL ? host_index(inv, name) : -1;
	if (h < 0)
		return luaL_error(L, "ssh.exec: item %d: no host '%s' in the inventory", (int)i + 1,
		    name != NULL ? name : "?");
	lua_getfield(L, -2, "cmd");
	*cmd = lua_tostring(L, -1);
	if (*cmd == NULL)
		return luaL_error(L, "ssh.exec: item %d has no cmd string", (int)i + 1);
	lua_replace(L, -3);  /* the cmd stays, in the item's slot */
	lua_pop(L, 1);
	return h;
}

/* ssh.exec({ {host=, cmd=}, ... } [, { timeout_ms = }]) -> { results } in the same order:
 * { host, status = "ok"|"timeout"|"unreachable", exit, signal, stdout, stderr, ms, error } */
static int
l_exec(lua_State *L)
{
	const struct gd_inventory *inv = inventory(L);
	struct gd_pool *p = pool(L);
	struct gd_ssh_result *res;
	const char **cmds;
	size_t n, i, j, *conn;
	long *which;
	int timeout = -1;

	gd_lua_check_stop(L);  /* nothing new to wait for once an abort or the deadline is due */
	luaL_checktype(L, 1, LUA_TTABLE);
	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "timeout_ms");
		if (!lua_isnil(L, -1))
			timeout = (int)luaL_checkinteger(L, -1);
		lua_pop(L, 1);
	}
	n = lua_rawlen(L, 1);
	luaL_checkstack(L, (int)n + 8, "ssh.exec: too many items");
	/* Lua-owned scratch: a raised error frees it */
	which = lua_newuserdatauv(L, (n + 1) * sizeof(*which), 0);
	conn = lua_newuserdatauv(L, (n + 1) * sizeof(*conn), 0);
	cmds = lua_newuserdatauv(L, (n + 1) * sizeof(*cmds), 0);
	for (i = 0; i < n; i++) {
		which[i] = job(L, inv, i, &cmds[i]);
		for (j = 0; j < i; j++)
			if (which[j] == which[i])
				return luaL_error(L, "ssh.exec: host '%s' twice in one call",
				    inv->hosts[which[i]].name);
		conn[i] = gd_pool_host(p, (size_t)which[i]);
	}
	res = gd_xcalloc(n + 1, sizeof(*res));
	gd_pool_exec(p, conn, cmds, n, timeout, res);
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		push_result(L, inv->hosts[which[i]].name, &res[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	for (i = 0; i < n; i++)
		gd_ssh_result_free(&res[i]);
	free(res);
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
