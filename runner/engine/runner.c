/* runner.c: one scenario run through the Lua engine (lua/gameday/engine.lua),
 * for `gameday run` and `gameday wheel --live`. This sets up the inventory,
 * the journal and the signals, and always ends with the journal's own recover
 * pass, so that nothing the script left open survives the run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "duration.h"
#include "inventory.h"
#include "journal.h"
#include "report.h"
#include "runner.h"
#include "script.h"
#include "ssh.h"

static char *
make_run_id(char token[16])
{
	char rnd[8];
	FILE *f = fopen("/dev/urandom", "r");
	unsigned char b[3] = { 0, 0, 0 };
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	if (f != NULL) {
		if (fread(b, 1, sizeof(b), f) != sizeof(b))
			b[0] = (unsigned char)getpid();
		fclose(f);
	}
	snprintf(rnd, sizeof(rnd), "%02x%02x%02x", b[0], b[1], b[2]);
	snprintf(token, 16, "%s", rnd);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	return gd_xasprintf("%s-%s", stamp, rnd);
}

static long long
ms_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* A live session's own lines, after the report: marks, hints, outcome. */
static void
print_live(const json_t *res)
{
	const json_t *l = json_object_get(res, "live"), *h;
	static const char *const marks[] = { "detected", "mitigated", "resolved" };
	char key[32], d[GD_DURATION_LEN];
	size_t i;

	printf("\nlive session: %s, played by %s\n", json_string_value(json_object_get(l, "outcome")),
	    json_is_string(json_object_get(res, "participant")) ?
	    json_string_value(json_object_get(res, "participant")) : "(nobody named)");
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		snprintf(key, sizeof(key), "%s_ms", marks[i]);
		if (ms_of(l, key) >= 0)
			printf("  time to %-9s %s after the first inject\n", marks[i],
			    gd_duration_fmt(ms_of(l, key), d, sizeof(d)));
		else
			printf("  time to %-9s never marked\n", marks[i]);
	}
	printf("  hints taken: %zu, costing %g point%s\n", json_array_size(json_object_get(l, "hints")),
	    json_number_value(json_object_get(l, "hint_cost")),
	    json_number_value(json_object_get(l, "hint_cost")) == 1 ? "" : "s");
	json_array_foreach(json_object_get(l, "hints"), i, h)
		printf("    +%s: %s\n", gd_duration_fmt(ms_of(h, "at_ms"), d, sizeof(d)),
		    json_string_value(json_object_get(h, "text")));
}

int
gd_run_scenario(const struct gd_run_opts *ro, const char *file)
{
	struct gd_inventory inv = { 0 };
	struct gd_ssh_opts so;
	struct gd_journal *j = NULL;
	struct gd_script *s = NULL;
	struct gd_script_env env = { 0 };
	char err[4096], token[16], *run_id = NULL, *luadir = NULL, *state = NULL;
	char *result = NULL, *text = NULL;
	json_t *args = NULL, *res = NULL;
	int ret = GD_EXIT_USAGE, rc, kept = 1;

	if (gd_inventory_load(&inv, ro->inventory, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		goto out;
	}
	gd_ssh_opts_default(&so);
	so.known_hosts = ro->known_hosts;
	so.accept_new = ro->accept_new;
	run_id = make_run_id(token);
	state = gd_state_dir(ro->state_dir);
	if (!ro->dry_run && gd_journal_create(state, run_id, &j, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		ret = GD_EXIT_UNREACHABLE;
		goto out;
	}
	env.inv = &inv;
	env.ssh = &so;
	env.journal = j;
	luadir = gd_lua_dir();
	s = gd_script_new(luadir, &env, err, sizeof(err));
	if (s == NULL) {
		gd_warnx("%s", err);
		ret = GD_EXIT_UNREACHABLE;
		goto out;
	}
	if (!ro->quiet && j != NULL)
		gd_warnx("run %s; journal %s", run_id, gd_journal_path(j));

	args = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:I}", "file", file, "run_id", run_id,
	    "token", token, "dry_run", ro->dry_run, "yes", ro->yes, "lab", ro->lab, "quiet", ro->quiet,
	    "seed", (json_int_t)ro->seed);
	if (ro->extra != NULL)
		json_object_update(args, ro->extra);
	text = json_dumps(args, JSON_COMPACT);
	gd_abort_on_signals();
	rc = gd_script_call(s, "gameday.engine", "run", text, &result, err, sizeof(err));
	free(text);
	text = NULL;
	if (rc != 0)
		gd_warnx("engine error: %s", err);

	/* whatever the script did or did not do, nothing may stay open */
	if (j != NULL) {
		char rerr[GD_ERRLEN];

		if (gd_recover_journal_report(gd_journal_path(j), &so, j, stderr, 1, NULL, NULL, rerr,
		    sizeof(rerr)) < 0)
			gd_warnx("%s", rerr);
	}
	/* a run that stopped before its first record (a bad scenario) leaves no journal */
	if (j != NULL) {
		struct stat st;

		if (stat(gd_journal_path(j), &st) == 0 && st.st_size == 0 &&
		    unlink(gd_journal_path(j)) == 0)
			kept = 0;
	}
	if (rc != 0) {
		ret = gd_abort_signal ? GD_EXIT_ABORTED : GD_EXIT_USAGE;
		goto out;
	}
	res = json_loads(result, 0, NULL);
	ret = (int)json_integer_value(json_object_get(res, "exit"));
	if (json_is_string(json_object_get(res, "error")) && ret != GD_EXIT_OK)
		gd_warnx("%s", json_string_value(json_object_get(res, "error")));
	json_object_set_new(res, "journal", j != NULL && kept ? json_string(gd_journal_path(j)) : json_null());
	if (ro->json) {
		json_dumpf(res, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		char *rj = json_dumps(res, JSON_COMPACT);

		if (gd_script_call(s, "gameday.report", "text", rj, &text, err, sizeof(err)) == 0) {
			json_t *t = json_loads(text, JSON_DECODE_ANY, NULL);

			fputs(json_string_value(t) != NULL ? json_string_value(t) : "", stdout);
			json_decref(t);
		} else {
			gd_warnx("report: %s", err);
		}
		free(rj);
		if (json_is_object(json_object_get(res, "live")))
			print_live(res);
	}
	/* the reports, for a run that ran (a dry run changed and proved nothing) */
	if (!ro->dry_run) {
		if (ro->junit != NULL && gd_report_junit_write(res, ro->junit, err, sizeof(err)) != 0) {
			gd_warnx("%s", err);
			ret = GD_EXIT_UNREACHABLE;
		}
		if (ro->metrics != NULL && gd_report_metrics_write(res, ro->metrics, err, sizeof(err)) != 0) {
			gd_warnx("%s", err);
			ret = GD_EXIT_UNREACHABLE;
		}
		if (ro->docs != NULL && gd_docs_commit_run(ro->docs, res, ro->author, err, sizeof(err)) != 0) {
			gd_warnx("%s", err);
			ret = GD_EXIT_UNREACHABLE;
		}
	}
out:
	json_decref(args);
	json_decref(res);
	free(result);
	free(text);
	gd_script_free(s);
	gd_journal_close(j);
	free(luadir);
	free(state);
	free(run_id);
	gd_inventory_free(&inv);
	return ret;
}
