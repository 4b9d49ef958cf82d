/* cmd_drill.c: `gameday drill`, a R.A.D. restore drill from a Lua plan: the
 * options and the outputs, in a session (inventory, journal, connections, the
 * final recover pass); the drill itself is lua/gameday/drill.lua over the
 * restore.stream primitive. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "inventory.h"
#include "report.h"
#include "result.h"
#include "runner.h"
#include "script.h"
#include "session.h"

static const char drill_usage[] =
"usage: gameday drill PLAN.lua -i INVENTORY [options]\n"
"\n"
"Restores a backup as a drill: picks it on the backup host, streams it to the\n"
"target while every entry is hashed and checked against its manifest (hostile\n"
"entries refused), runs the plan's verify probes on the restored data, cleans\n"
"the target, and compares the times with the objectives (RTO, RPO). The\n"
"target's cleanup is journaled first: `gameday recover` cleans a killed drill.\n"
"\n"
"options:\n"
"  -i, --inventory FILE  hosts (YAML or INI)\n"
"  -n, --dry-run         pick the backup and print what would run; change nothing\n"
"      --json            print the result as JSON\n"
"      --state-dir DIR   journals under DIR/runs (default $XDG_STATE_HOME/gameday)\n"
"      --known-hosts F   check host keys against F\n"
"      --accept-new      record unknown host keys\n"
"      --metrics FILE    write a Prometheus textfile (node_exporter's textfile\n"
"                        collector): last success, RTO, backup age, bytes; a\n"
"                        file that cannot be written is warned about and leaves\n"
"                        the exit code to the drill\n"
"      --participant N   who ran the drill (again for more): recorded in the\n"
"                        result, so that readiness counts it for them\n"
"      --docs DIR        commit the report into the doc repo DIR (restore-drills/)\n"
"                        and push it (see below)\n"
"      --junit FILE      write JUnit XML: one testcase per drill phase\n"
"      --lua-memory SIZE the plan's memory limit (default 256M)\n"
"  -q, --quiet           no progress on stderr\n"
"      --debug           a plan error with its Lua traceback\n"
"\n"
"exit: 0 pass, 1 fail (mismatch, probe or objective), 2 bad plan or refused\n"
"archive, 3 host unreachable (or the doc repo), 4 aborted\n\n";

struct drill_opts {
	const char *inventory, *state_dir, *known_hosts, *metrics, *junit;
	struct gd_docs_opts docs;
	const char *participants[GD_RUN_MAX_PARTICIPANTS];
	size_t nparticipants;
	int dry_run, json, quiet, accept_new, debug;
	size_t lua_memory;
};

/* The drill's Prometheus textfile, from its result; a failed drill keeps the
 * last success time the file had. A file that cannot be written is said here
 * and is not an output failure: the drill's exit code is what the restore
 * proved (issue 10), and an alert on a stale last success still tells that
 * drills stopped being recorded. */
static int
write_metrics(const json_t *res, const char *path, const char *author, char *err, size_t errlen)
{
	json_t *m;
	int rc;

	(void)author;
	m = json_pack("{s:O?, s:s, s:I, s:O?, s:O?, s:O?, s:O?}",
	    "id", json_object_get(res, "id"),
	    "verdict", json_is_string(json_object_get(res, "verdict")) &&
	    strcmp(json_string_value(json_object_get(res, "verdict")), "pass") == 0 ? "pass" : "fail",
	    "ended", (json_int_t)gd_epoch_ms(),
	    "rto_ms", json_object_get(res, "rto_ms"),
	    "backup_age_ms", json_object_get(json_object_get(res, "backup"), "age_ms"),
	    "verified_bytes", json_object_get(json_object_get(res, "verify"), "bytes"),
	    "rpo_ms", json_object_get(json_object_get(res, "objectives"), "rpo_ms"));
	rc = m != NULL ? gd_report_drill_metrics_write(m, path, err, errlen) :
	    gd_errf(err, errlen, "no drill result to write");
	if (rc != 0)
		gd_warnx("metrics: not written (the drill's verdict stands): %s", err);
	json_decref(m);
	return 0;
}

static int
write_junit(const json_t *res, const char *path, const char *author, char *err, size_t errlen)
{
	(void)author;
	return gd_report_drill_junit_write(res, path, err, errlen);
}

/* the doc repo, after the other outputs, under the same exit-code policy */
static int
write_docs(const struct drill_opts *d, const json_t *res, int ret)
{
	struct gd_docs_opts o = d->docs;
	char err[4096];

	o.known_hosts = d->known_hosts;
	o.accept_new = d->accept_new;
	o.quiet = d->quiet;
	if (gd_docs_commit_drill(&o, res, err, sizeof(err)) == 0)
		return ret;
	gd_warnx("%s", err);
	return gd_exit_output_failed(ret);
}

static void
print_result(struct gd_session *s, const struct drill_opts *d, const json_t *res)
{
	char err[GD_ERRLEN];
	json_t *t;

	if (d->json) {
		json_dumpf(res, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else if ((t = gd_session_call(s, "gameday.drill", "text", res, err, sizeof(err))) != NULL) {
		fputs(json_string_value(t) != NULL ? json_string_value(t) : "", stdout);
		json_decref(t);
	} else {
		gd_warnx("report: %s", err);
	}
}

static int
drill(const struct drill_opts *d, const char *file)
{
	struct gd_session_opts so = { 0 };
	struct gd_session *s = NULL;
	struct gd_output outs[2] = {
		{ d->metrics, write_metrics, NULL },
		{ d->junit, write_junit, NULL },
	};
	char err[4096];
	json_t *args = NULL, *res = NULL;
	int ret;

	so.what = "drill";
	so.inventory = d->inventory;
	so.state_dir = d->state_dir;
	so.known_hosts = d->known_hosts;
	so.accept_new = d->accept_new;
	so.dry_run = d->dry_run;
	so.quiet = d->quiet;
	so.lua_memory = d->lua_memory;
	if ((ret = gd_session_open(&s, &so, err, sizeof(err))) != GD_EXIT_OK) {
		gd_warnx("%s", err);
		return ret;
	}
	args = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b}", "file", file, "run_id", gd_session_run_id(s),
	    "token", gd_session_token(s), "dry_run", d->dry_run, "quiet", d->quiet, "debug", d->debug);
	gd_abort_on_signals();
	res = gd_session_call(s, "gameday.drill", "run", args, err, sizeof(err));
	if (res == NULL)
		gd_warnx("drill error: %s", err);
	/* whatever the drill did, its target may not stay behind */
	gd_session_recover(s);
	if (res == NULL) {
		ret = gd_abort_signal ? GD_EXIT_ABORTED : GD_EXIT_USAGE;
		goto out;
	}
	ret = (int)json_integer_value(json_object_get(res, "exit"));
	gd_result_envelope(res, GD_RESULT_DRILL, d->participants, d->nparticipants);
	if (!d->dry_run) {
		ret = gd_session_finish(s, ret, res, outs, sizeof(outs) / sizeof(outs[0]));
		if (d->docs.docs != NULL)
			ret = write_docs(d, res, ret);
	}
	if (json_is_string(json_object_get(res, "error")) && ret != GD_EXIT_OK && d->quiet)
		gd_warnx("%s", json_string_value(json_object_get(res, "error")));
	print_result(s, d, res);
out:
	json_decref(args);
	json_decref(res);
	gd_session_close(s);
	return ret;
}

int
gd_cmd_drill(int argc, char **argv)
{
	enum { O_STATE = 256, O_KNOWN, O_ACCEPT, O_JSON, O_METRICS, O_JUNIT, O_WHO, O_LUAMEM, O_DEBUG };
	static const struct option longopts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "metrics", required_argument, NULL, O_METRICS },
		GD_DOCS_LONGOPTS,
		{ "participant", required_argument, NULL, O_WHO },
		{ "junit", required_argument, NULL, O_JUNIT },
		{ "lua-memory", required_argument, NULL, O_LUAMEM },
		{ "json", no_argument, NULL, O_JSON },
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "known-hosts", required_argument, NULL, O_KNOWN },
		{ "accept-new", no_argument, NULL, O_ACCEPT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "debug", no_argument, NULL, O_DEBUG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct drill_opts d = { 0 };
	char err[GD_ERRLEN];
	int ch;

	d.inventory = getenv("GAMEDAY_INVENTORY");
	while ((ch = getopt_long(argc, argv, "i:nqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i': d.inventory = gd_inventory_arg(d.inventory, optarg); break;
		case 'n': d.dry_run = 1; break;
		case 'q': d.quiet = 1; break;
		case O_JSON: d.json = 1; break;
		case O_STATE: d.state_dir = optarg; break;
		case O_KNOWN: d.known_hosts = optarg; break;
		case O_ACCEPT: d.accept_new = 1; break;
		case O_METRICS: d.metrics = optarg; break;
		case O_WHO:
			if (gd_run_participant(d.participants, &d.nparticipants, optarg) != 0)
				return GD_EXIT_USAGE;
			break;
		case O_JUNIT: d.junit = optarg; break;
		case O_DEBUG: d.debug = 1; break;
		case O_LUAMEM:
			if (gd_lua_memory_parse(optarg, &d.lua_memory, err, sizeof(err)) != 0) {
				gd_warnx("drill: %s", err);
				goto usage;
			}
			break;
		case 'h': fputs(drill_usage, stdout); fputs(gd_docs_usage, stdout); return GD_EXIT_OK;
		default:
			if (gd_docs_getopt(ch, optarg, &d.docs))
				break;
			goto usage;
		}
	}
	if (argc - optind != 1) {
		gd_warnx("drill: give one plan file");
		goto usage;
	}
	if (access(argv[optind], R_OK) != 0) {
		gd_warnx("cannot read plan %s: %m", argv[optind]);
		return GD_EXIT_USAGE;
	}
	if (d.inventory == NULL) {
		gd_warnx("drill: no inventory: give -i FILE or set GAMEDAY_INVENTORY");
		goto usage;
	}
	return drill(&d, argv[optind]);
usage:
	fputs("try 'gameday drill --help'\n", stderr);
	return GD_EXIT_USAGE;
}
