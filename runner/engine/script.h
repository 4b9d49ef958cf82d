/* script.h: the embedded Lua 5.4 that runs scenarios. The rest of the
 * engine talks to Lua only through these calls, in JSON. Every state has a
 * memory cap, deadlines its scripts cannot catch, and a watchdog that reverts
 * from the journal and exits when Lua cannot be stopped (see script.c). */
#ifndef GD_SCRIPT_H
#define GD_SCRIPT_H

#include <signal.h>
#include <stddef.h>

#include "inventory.h"
#include "journal.h"
#include "pool.h"
#include "ssh.h"

/* What the Lua bindings may use; all borrowed, any may be NULL. */
struct gd_script_env {
	const struct gd_inventory *inv;
	const struct gd_ssh_opts *ssh;
	struct gd_journal *journal;
	struct gd_pool *pool;      /* the session's connections (over inv) */
	size_t lua_memory;         /* the state's memory cap in bytes; 0: GD_LUA_MEMORY */
	const char *fakes;         /* unit tests: a dir whose NAME.lua replaces module
	                            * NAME, C modules included */
};

#define GD_LUA_MEMORY ((size_t)256 << 20)
/* How long Lua may stay past its deadline, or a run past a second signal,
 * before the watchdog reverts from the journal without Lua and exits. */
#define GD_GRACE_MS 3000

struct gd_script;

/* The directory of gameday's own Lua files: $GAMEDAY_LUA_DIR, else lua/ beside
 * the binary (a build tree), else ../share/gameday/lua from it; the shipped
 * scenarios are beside it. Malloc'd. */
char *gd_lua_dir(void);

/* $GAMEDAY_LUA_DIR when set (development: Lua read from there), else NULL. */
const char *gd_lua_override(void);

/* A Lua state for gameday's scripts. Its Lua modules come from the copy of
 * lua/ built into the binary (lua_dir NULL: an installed binary cannot run a
 * stale Lua tree), or from lua_dir. */
struct gd_script *gd_script_new(const char *lua_dir, const struct gd_script_env *env,
    char *err, size_t errlen);

/* Calls MODULE.FN(args) where args is decoded from the JSON text args_json,
 * and encodes what it returns into *result_json (malloc'd). A Lua error
 * comes back as -1 with its message and traceback in err. */
int gd_script_call(struct gd_script *s, const char *module, const char *fn,
    const char *args_json, char **result_json, char *err, size_t errlen);

void gd_script_free(struct gd_script *s);

/* Set by the SIGINT/SIGTERM/SIGHUP handler; scripts see it at their next
 * hook tick. A second signal starts the watchdog's grace period. */
extern volatile sig_atomic_t gd_abort_signal;
void gd_abort_on_signals(void);

/* --lua-memory SIZE for the commands that run Lua: 0 with *bytes set, or -1
 * with err filled ("--lua-memory: ..."). */
int gd_lua_memory_parse(const char *s, size_t *bytes, char *err, size_t errlen);

#endif
