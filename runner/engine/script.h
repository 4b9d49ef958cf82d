/* script.h: the embedded Lua 5.4 that runs scenarios. The rest of the
 * engine talks to Lua only through these calls, in JSON. */
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
};

struct gd_script;

/* The directory of gameday's own Lua files: $GAMEDAY_LUA_DIR, else lua/ beside
 * the binary (a build tree), else ../share/gameday/lua from it. Malloc'd. */
char *gd_lua_dir(void);

struct gd_script *gd_script_new(const char *lua_dir, const struct gd_script_env *env,
    char *err, size_t errlen);

/* Calls MODULE.FN(args) where args is decoded from the JSON text args_json,
 * and encodes what it returns into *result_json (malloc'd). A Lua error
 * comes back as -1 with its message and traceback in err. */
int gd_script_call(struct gd_script *s, const char *module, const char *fn,
    const char *args_json, char **result_json, char *err, size_t errlen);

void gd_script_free(struct gd_script *s);

/* Set by the SIGINT/SIGTERM handler; scripts see it at their next hook. */
extern volatile sig_atomic_t gd_abort_signal;
void gd_abort_on_signals(void);

#endif
