/* runner.h: one scenario run through the Lua engine, shared by `gameday run`
 * and `gameday wheel --live`: inventory, journal, script, signals, the final
 * recover pass, the printed result and the reports. */
#ifndef GD_RUNNER_H
#define GD_RUNNER_H

#include <jansson.h>

struct gd_run_opts {
	const char *inventory, *state_dir, *known_hosts;
	const char *docs, *author, *junit, *metrics;
	int dry_run, yes, lab, json, quiet, accept_new;
	long seed;
	json_t *extra;          /* borrowed, may be NULL: more args for engine.run */
};

/* Runs the scenario FILE and prints its result (JSON with ro->json, else the
 * text report); returns the exit status (GD_EXIT_*). */
int gd_run_scenario(const struct gd_run_opts *ro, const char *file);

#endif
