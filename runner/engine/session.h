/* session.h: the one session of every command that changes hosts (run,
 * drill, wheel --live, quiz practicals): the inventory, SSH options and one
 * connection per host (the pool), the run id, the journal, the Lua state, and
 * at the end the journal's own recover pass and one exit-code policy for
 * every output the command writes. */
#ifndef GD_SESSION_H
#define GD_SESSION_H

#include <stddef.h>

#include <jansson.h>

#include "inventory.h"
#include "journal.h"
#include "pool.h"
#include "ssh.h"

struct gd_session_opts {
	const char *what;         /* "run", "drill", "quiz": for messages */
	const char *inventory, *state_dir, *known_hosts;
	int accept_new;
	int dry_run;              /* no journal: nothing is changed */
	int quiet;                /* no "run ID; journal PATH" line */
	size_t max_output;        /* bytes kept per stream; 0 for the default */
	size_t lua_memory;        /* the Lua state's memory cap; 0 for GD_LUA_MEMORY */
};

struct gd_session;

/* Opens a session: loads the inventory, makes the run id, creates the
 * journal (unless dry_run), the connection pool and the Lua state. Returns
 * GD_EXIT_OK, or the exit code for what failed (2 a bad inventory, 3 a
 * journal or Lua tree that cannot be used) with err filled; *sp is then NULL. */
int gd_session_open(struct gd_session **sp, const struct gd_session_opts *o, char *err,
    size_t errlen);

/* Calls MODULE.FN(args) in the session's Lua state and returns what it
 * returned (a new reference), or NULL with err filled. */
json_t *gd_session_call(struct gd_session *s, const char *module, const char *fn,
    const json_t *args, char *err, size_t errlen);

/* The journal's recover pass: whatever the script did or did not do, nothing
 * it journaled stays open. Removes a journal that stayed empty. Idempotent. */
void gd_session_recover(struct gd_session *s);

/* An output written after the run: a report, JUnit, metrics, the doc repo.
 * write gets the result, the path and the author, and returns 0 or -1 with
 * err filled. A NULL path is an output not asked for. */
struct gd_output {
	const char *path;
	int (*write)(const json_t *res, const char *path, const char *author, char *err,
	    size_t errlen);
	const char *author;
};

/* Writes each asked-for output of res under that policy (a message for each
 * that fails); returns ret, or the policy's code when one failed. For
 * commands that change no host too (a quiz without a lab). */
int gd_outputs_write(int ret, const json_t *res, const struct gd_output *outs, size_t nouts);

/* Runs the recover pass (if not yet run), then gd_outputs_write. */
int gd_session_finish(struct gd_session *s, int ret, const json_t *res,
    const struct gd_output *outs, size_t nouts);

const char *gd_session_run_id(const struct gd_session *s);
const char *gd_session_token(const struct gd_session *s);   /* 6 hex digits of the run id */
/* The journal's path while it is kept, else NULL (a dry run, or a journal
 * removed because nothing was written to it). */
const char *gd_session_journal_path(const struct gd_session *s);
struct gd_journal *gd_session_journal(struct gd_session *s);
const struct gd_inventory *gd_session_inventory(const struct gd_session *s);
struct gd_pool *gd_session_pool(struct gd_session *s);

/* Closes the journal and every connection, frees the session. */
void gd_session_close(struct gd_session *s);

#endif
