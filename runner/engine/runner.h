/* runner.h: one scenario run through the Lua engine, shared by `gameday run`
 * and `gameday wheel --live`: inventory, journal, script, signals, the final
 * recover pass, the printed result and the reports. */
#ifndef GD_RUNNER_H
#define GD_RUNNER_H

#include <stddef.h>

#include <jansson.h>

#include "docs.h"

#define GD_RUN_MAX_PARTICIPANTS 16

struct gd_run_opts {
	const char *inventory, *state_dir, *known_hosts;
	const char *junit, *metrics;
	struct gd_docs_opts docs;   /* docs.docs NULL: no doc repo */
	const char *participants[GD_RUN_MAX_PARTICIPANTS];   /* --participant: who played */
	size_t nparticipants;
	int dry_run, yes, lab, json, quiet, accept_new;
	int wait;               /* wait for hosts another run holds, instead of refusing */
	long seed;
	size_t lua_memory;      /* --lua-memory; 0 for the default */
	json_t *extra;          /* borrowed, may be NULL: more args for engine.run */
};

/* --participant NAME into o's list; -1 (said why) when empty or too many. */
int gd_run_participant(const char **v, size_t *n, const char *name);

/* Runs the scenario FILE and prints its result (JSON with ro->json, else the
 * text report); returns the exit status (GD_EXIT_*). */
int gd_run_scenario(const struct gd_run_opts *ro, const char *file);

#endif
