/* runner.c: one scenario run through the Lua engine (lua/gameday/engine.lua),
 * for `gameday run` and `gameday wheel --live`, in a session (session.c):
 * the engine's call, the printed result and the reports. The session always
 * ends with the journal's own recover pass, so that nothing the script left
 * open survives the run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "duration.h"
#include "coverage.h"
#include "report.h"
#include "result.h"
#include "runner.h"
#include "script.h"
#include "session.h"

static long long
ms_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* A live session's own lines, after the report: marks, hints, outcome; the
 * times are the result's TTD/TTM/TTR (result.h), as every output has them. */
static void
print_live(const json_t *res)
{
	const json_t *l = json_object_get(res, "live"), *h, *who = json_object_get(res, "participants");
	static const char *const marks[] = { "detect", "mitigate", "resolve" };
	struct gd_result_times t;
	long long v[3];
	char d[GD_DURATION_LEN];
	size_t i;

	gd_result_times(res, &t);
	v[0] = t.ttd;
	v[1] = t.ttm;
	v[2] = t.ttr;
	printf("\nlive session: %s, played by %s\n", json_string_value(json_object_get(l, "outcome")),
	    json_array_size(who) > 0 ? json_string_value(json_array_get(who, 0)) : "(nobody named)");
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		if (v[i] >= 0)
			printf("  TT%c (time to %s)%*s %s after the first inject\n", marks[i][0] - 32, marks[i],
			    (int)(8 - strlen(marks[i])), "", gd_duration_fmt(v[i], d, sizeof(d)));
		else
			printf("  TT%c (time to %s)%*s never marked\n", marks[i][0] - 32, marks[i],
			    (int)(8 - strlen(marks[i])), "");
	}
	printf("  hints taken: %zu, costing %g point%s\n", json_array_size(json_object_get(l, "hints")),
	    json_number_value(json_object_get(l, "hint_cost")),
	    json_number_value(json_object_get(l, "hint_cost")) == 1 ? "" : "s");
	json_array_foreach(json_object_get(l, "hints"), i, h)
		printf("    +%s: %s\n", gd_duration_fmt(ms_of(h, "at_ms"), d, sizeof(d)),
		    json_string_value(json_object_get(h, "text")));
}

int
gd_run_participant(const char **v, size_t *n, const char *name)
{
	if (name == NULL || *name == '\0') {
		gd_warnx("--participant needs a name");
		return -1;
	}
	if (*n == GD_RUN_MAX_PARTICIPANTS) {
		gd_warnx("--participant: at most %d of them", GD_RUN_MAX_PARTICIPANTS);
		return -1;
	}
	v[(*n)++] = name;
	return 0;
}

static int
write_junit(const json_t *res, const char *path, const char *author, char *err, size_t errlen)
{
	(void)author;
	return gd_report_junit_write(res, path, err, errlen);
}

static int
write_metrics(const json_t *res, const char *path, const char *author, char *err, size_t errlen)
{
	(void)author;
	return gd_report_metrics_write(res, path, err, errlen);
}

/* the doc repo, after the other outputs, under the same exit-code policy;
 * after a run with alert probes also the alert coverage page, with the
 * alerting rules Prometheus named as the alerts to cover */
static int
write_docs(const struct gd_run_opts *ro, const json_t *res, int ret)
{
	const json_t *rules = json_object_get(json_object_get(res, "monitoring"), "rules"), *r;
	struct gd_docs_opts o = ro->docs;
	const char **names;
	char err[4096];
	size_t i, n = 0;
	int rc;

	o.known_hosts = ro->known_hosts;
	o.accept_new = ro->accept_new;
	o.quiet = ro->quiet;
	if ((rc = gd_docs_commit_run(&o, res, err, sizeof(err))) == 0 &&
	    json_array_size(json_object_get(res, "alerts")) > 0) {
		names = gd_xcalloc(json_array_size(rules) + 1, sizeof(*names));
		json_array_foreach(rules, i, r)
			if (json_is_string(r))
				names[n++] = json_string_value(r);
		rc = gd_alert_coverage_commit(&o, names, n, err, sizeof(err));
		free(names);
	}
	if (rc == 0)
		return ret;
	gd_warnx("%s", err);
	return gd_exit_output_failed(ret);
}

/* The result on stdout: JSON, or the text report (and a live session's lines). */
static void
print_result(struct gd_session *s, const struct gd_run_opts *ro, const json_t *res)
{
	char err[GD_ERRLEN];
	json_t *t;

	if (ro->json) {
		json_dumpf(res, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		return;
	}
	if ((t = gd_session_call(s, "gameday.report", "text", res, err, sizeof(err))) != NULL)
		fputs(json_string_value(t) != NULL ? json_string_value(t) : "", stdout);
	else
		gd_warnx("report: %s", err);
	json_decref(t);
	if (json_is_object(json_object_get(res, "live")))
		print_live(res);
}

int
gd_run_scenario(const struct gd_run_opts *ro, const char *file)
{
	struct gd_session_opts so = { 0 };
	struct gd_session *s = NULL;
	struct gd_output outs[2] = {
		{ ro->junit, write_junit, NULL },
		{ ro->metrics, write_metrics, NULL },
	};
	char err[4096];
	json_t *args = NULL, *res = NULL;
	int ret;

	so.what = "run";
	so.inventory = ro->inventory;
	so.state_dir = ro->state_dir;
	so.known_hosts = ro->known_hosts;
	so.accept_new = ro->accept_new;
	so.dry_run = ro->dry_run;
	so.quiet = ro->quiet;
	so.lua_memory = ro->lua_memory;
	if ((ret = gd_session_open(&s, &so, err, sizeof(err))) != GD_EXIT_OK) {
		gd_warnx("%s", err);
		return ret;
	}
	args = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:I, s:b}", "file", file,
	    "run_id", gd_session_run_id(s), "token", gd_session_token(s), "dry_run", ro->dry_run,
	    "yes", ro->yes, "lab", ro->lab, "quiet", ro->quiet, "seed", (json_int_t)ro->seed,
	    "wait", ro->wait);
	if (ro->extra != NULL)
		json_object_update(args, ro->extra);
	gd_abort_on_signals();
	res = gd_session_call(s, "gameday.engine", "run", args, err, sizeof(err));
	if (res == NULL)
		gd_warnx("engine error: %s", err);
	/* whatever the script did or did not do, nothing may stay open */
	gd_session_recover(s);
	if (res == NULL) {
		ret = gd_abort_signal ? GD_EXIT_ABORTED : GD_EXIT_USAGE;
		goto out;
	}
	ret = (int)json_integer_value(json_object_get(res, "exit"));
	/* the one envelope and TTD/TTM/TTR: every output below reads them from here */
	gd_result_envelope(res, GD_RESULT_RUN, ro->participants, ro->nparticipants);
	if (json_is_string(json_object_get(res, "error")) && ret != GD_EXIT_OK)
		gd_warnx("%s", json_string_value(json_object_get(res, "error")));
	json_object_set_new(res, "journal", gd_session_journal_path(s) != NULL ?
	    json_string(gd_session_journal_path(s)) : json_null());
	print_result(s, ro, res);
	/* the reports, for a run that ran (a dry run changed and proved nothing) */
	if (!ro->dry_run) {
		ret = gd_session_finish(s, ret, res, outs, sizeof(outs) / sizeof(outs[0]));
		if (ro->docs.docs != NULL)
			ret = write_docs(ro, res, ret);
	}
out:
	json_decref(args);
	json_decref(res);
	gd_session_close(s);
	return ret;
}
