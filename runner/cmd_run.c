/* cmd_run.c: `gameday run`, a game day from a Lua scenario. The lifecycle is
 * Lua (lua/gameday/engine.lua); this file sets up the inventory, the journal
 * and the signals, and always ends with the journal's own recover pass, so
 * that nothing the script left open survives the run. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "inventory.h"
#include "journal.h"
#include "report.h"
#include "script.h"
#include "ssh.h"

static const char run_usage[] =
"usage: gameday run SCENARIO.lua -i INVENTORY [options]\n"
"\n"
"Runs a game day: preflight (connect, check each fault's tools and privileges),\n"
"steady state before (if it does not hold, nothing is injected), inject,\n"
"observe, steady state after, revert every fault and verify it is gone, steady\n"
"state again, then the verdict against the scenario's `expect`.\n"
"\n"
"Before any command changes a host, its exact revert command is written to the\n"
"run's journal and fsync'd, and a dead-man timer on the host undoes the fault\n"
"when its duration is over even if gameday is killed or cut off. Ctrl-C or\n"
"SIGTERM reverts, then exits 4. After a crash: gameday recover.\n"
"\n"
"options:\n"
"  -i, --inventory FILE    Ansible YAML inventory (default: $GAMEDAY_INVENTORY)\n"
"  -n, --dry-run           connect and run the preflight only; print every command\n"
"                          it would run on every host; change nothing\n"
"  -y, --yes               allow faults on hosts marked production: true\n"
"      --lab               refuse every host marked production: true\n"
"      --seed N            recorded with the run (for reproducible picks)\n"
"      --state-dir DIR     where journals go (default $XDG_STATE_HOME/gameday)\n"
"      --known-hosts FILE  check host keys against FILE\n"
"      --accept-new        record the keys of hosts not yet in known_hosts\n"
"      --json              print the result as JSON (timeline included)\n"
"      --docs DIR          commit the report (Markdown, JSON, SVG timeline) into\n"
"                          the doc repo DIR, a git repository (exit 3 if it refuses)\n"
"      --author 'N <E>'    the commit's author (default: git config, else gameday)\n"
"      --junit FILE        write the hypothesis checks and reverts as JUnit XML\n"
"      --metrics FILE      write a Prometheus textfile (node_exporter textfile)\n"
"  -q, --quiet             no progress on stderr\n"
"  -h, --help              this help\n"
"\n"
"exit status:\n"
"  0  the hypothesis held (verdict pass), or the dry run's preflight passed\n"
"  1  it did not (fail), or the steady state did not hold before injection\n"
"  2  a bad scenario or inventory: the message names the file and line\n"
"  3  a host could not be reached, or lacks a tool or privilege a fault needs\n"
"  4  aborted by a signal or a halt probe, after reverting\n"
"\n"
"examples:\n"
"  gameday run scenarios/disk-full.lua -i .lab/inventory.yaml --dry-run\n"
"  gameday run scenarios/disk-full.lua -i .lab/inventory.yaml\n";

/* Options shared by run-like commands; parsed into a JSON object for Lua. */
struct run_opts {
	const char *inventory, *state_dir, *known_hosts;
	const char *docs, *author, *junit, *metrics;
	int dry_run, yes, lab, json, quiet, accept_new;
	long seed;
};

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

int
gd_cmd_run(int argc, char **argv)
{
	enum { O_LAB = 256, O_SEED, O_STATE, O_KNOWN, O_ACCEPT, O_JSON, O_DOCS, O_AUTHOR, O_JUNIT,
		O_METRICS };
	static const struct option longopts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "lab", no_argument, NULL, O_LAB },
		{ "seed", required_argument, NULL, O_SEED },
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "known-hosts", required_argument, NULL, O_KNOWN },
		{ "accept-new", no_argument, NULL, O_ACCEPT },
		{ "json", no_argument, NULL, O_JSON },
		{ "docs", required_argument, NULL, O_DOCS },
		{ "author", required_argument, NULL, O_AUTHOR },
		{ "junit", required_argument, NULL, O_JUNIT },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts ro = { 0 };
	struct gd_inventory inv = { 0 };
	struct gd_ssh_opts so;
	struct gd_journal *j = NULL;
	struct gd_script *s = NULL;
	struct gd_script_env env = { 0 };
	char err[4096], token[16], *run_id = NULL, *luadir = NULL, *state = NULL;
	char *result = NULL, *text = NULL;
	json_t *args = NULL, *res = NULL;
	const char *file;
	int ch, ret = GD_EXIT_USAGE, rc, kept = 1;

	ro.inventory = getenv("GAMEDAY_INVENTORY");
	optind = 1;
	while ((ch = getopt_long(argc, argv, "i:nyqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i': ro.inventory = optarg; break;
		case 'n': ro.dry_run = 1; break;
		case 'y': ro.yes = 1; break;
		case O_LAB: ro.lab = 1; break;
		case O_SEED: ro.seed = strtol(optarg, NULL, 10); break;
		case O_STATE: ro.state_dir = optarg; break;
		case O_KNOWN: ro.known_hosts = optarg; break;
		case O_ACCEPT: ro.accept_new = 1; break;
		case O_JSON: ro.json = 1; break;
		case O_DOCS: ro.docs = optarg; break;
		case O_AUTHOR: ro.author = optarg; break;
		case O_JUNIT: ro.junit = optarg; break;
		case O_METRICS: ro.metrics = optarg; break;
		case 'q': ro.quiet = 1; break;
		case 'h': fputs(run_usage, stdout); return GD_EXIT_OK;
		default: goto usage;
		}
	}
	if (argc - optind != 1) {
		gd_warnx("run: give one scenario file");
		goto usage;
	}
	file = argv[optind];
	if (access(file, R_OK) != 0) {
		gd_warnx("cannot read scenario %s: %m", file);
		return GD_EXIT_USAGE;
	}
	if (ro.inventory == NULL) {
		gd_warnx("run: no inventory: give -i FILE or set GAMEDAY_INVENTORY");
		goto usage;
	}
	if (gd_inventory_load(&inv, ro.inventory, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		return GD_EXIT_USAGE;
	}

	gd_ssh_opts_default(&so);
	so.known_hosts = ro.known_hosts;
	so.accept_new = ro.accept_new;
	run_id = make_run_id(token);
	state = gd_state_dir(ro.state_dir);
	if (!ro.dry_run && gd_journal_create(state, run_id, &j, err, sizeof(err)) != 0) {
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
	if (!ro.quiet && j != NULL)
		gd_warnx("run %s; journal %s", run_id, gd_journal_path(j));

	args = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:I}", "file", file, "run_id", run_id,
	    "token", token, "dry_run", ro.dry_run, "yes", ro.yes, "lab", ro.lab, "quiet", ro.quiet,
	    "seed", (json_int_t)ro.seed);
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
	if (ro.json) {
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
	}
	/* the reports, for a run that ran (a dry run changed and proved nothing) */
	if (!ro.dry_run) {
		if (ro.junit != NULL && gd_report_junit_write(res, ro.junit, err, sizeof(err)) != 0) {
			gd_warnx("%s", err);
			ret = GD_EXIT_UNREACHABLE;
		}
		if (ro.metrics != NULL && gd_report_metrics_write(res, ro.metrics, err, sizeof(err)) != 0) {
			gd_warnx("%s", err);
			ret = GD_EXIT_UNREACHABLE;
		}
		if (ro.docs != NULL && gd_docs_commit_run(ro.docs, res, ro.author, err, sizeof(err)) != 0) {
			gd_warnx("%s", err);
			ret = GD_EXIT_UNREACHABLE;
		}
	}
	goto out;
usage:
	fputs("try 'gameday run --help'\n", stderr);
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
