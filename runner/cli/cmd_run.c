/* cmd_run.c: `gameday run`, a game day from a Lua scenario: the options;
 * the run itself is gd_run_scenario (runner.c) over lua/gameday/engine.lua. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "docs.h"
#include "gd.h"
#include "inventory.h"
#include "runner.h"
#include "script.h"

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
"One run per host: before the first fault goes on, the run takes a lease on\n"
"each host it changes (/run/gameday/lease on the host: run id, runner, pid,\n"
"expiry). A host another run holds refuses this one (exit 3, naming that run)\n"
"unless --wait; a lease ends with its run, or by itself once the run's\n"
"dead-man timers have all fired.\n"
"\n"
"options:\n"
"  -i, --inventory FILE    Ansible YAML inventory (default: $GAMEDAY_INVENTORY)\n"
"  -n, --dry-run           connect and run the preflight only; print every command\n"
"                          it would run on every host; change nothing\n"
"  -y, --yes               allow faults on hosts marked production: true\n"
"      --lab               refuse every host marked production: true\n"
"      --wait              wait for hosts another run holds, instead of refusing\n"
"      --seed N            recorded with the run (for reproducible picks)\n"
"      --state-dir DIR     where journals go (default $XDG_STATE_HOME/gameday)\n"
"      --known-hosts FILE  check host keys against FILE\n"
"      --accept-new        record the keys of hosts not yet in known_hosts\n"
"      --json              print the result as JSON (timeline included)\n"
"      --participant NAME  who played (again for more): recorded in the result,\n"
"                          so that readiness counts the game day for them\n"
"      --docs DIR          commit the report (Markdown, JSON, SVG timeline) into\n"
"                          the doc repo DIR, and push it (exit 3 if it refuses;\n"
"                          see below)\n"
"      --junit FILE        write the hypothesis checks and reverts as JUnit XML\n"
"      --metrics FILE      write a Prometheus textfile (node_exporter textfile)\n"
"      --lua-memory SIZE   the scenario's memory limit (default 256M); past it,\n"
"                          the run stops, reverts and exits 2\n"
"  -q, --quiet             no progress on stderr\n"
"  -h, --help              this help\n"
"\n"
"exit status:\n"
"  0  the hypothesis held (verdict pass), or the dry run's preflight passed\n"
"  1  it did not (fail), or the steady state did not hold before injection\n"
"  2  a bad scenario or inventory: the message names the file and line\n"
"  3  a host could not be reached, or lacks a tool or privilege a fault needs,\n"
"     or another run holds it\n"
"  4  aborted by a signal or a halt probe, after reverting\n"
"\n"
"examples:\n"
"  gameday run scenarios/disk-full.lua -i .lab/inventory.yaml --dry-run\n"
"  gameday run scenarios/disk-full.lua -i .lab/inventory.yaml\n"
"\n";

int
gd_cmd_run(int argc, char **argv)
{
	enum { O_LAB = 256, O_WAIT, O_SEED, O_STATE, O_KNOWN, O_ACCEPT, O_JSON, O_JUNIT, O_METRICS, O_WHO,
		O_LUAMEM };
	static const struct option longopts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "lab", no_argument, NULL, O_LAB },
		{ "wait", no_argument, NULL, O_WAIT },
		{ "seed", required_argument, NULL, O_SEED },
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "known-hosts", required_argument, NULL, O_KNOWN },
		{ "accept-new", no_argument, NULL, O_ACCEPT },
		{ "json", no_argument, NULL, O_JSON },
		GD_DOCS_LONGOPTS,
		{ "participant", required_argument, NULL, O_WHO },
		{ "junit", required_argument, NULL, O_JUNIT },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "lua-memory", required_argument, NULL, O_LUAMEM },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gd_run_opts ro = { 0 };
	const char *file;
	char err[GD_ERRLEN];
	int ch;

	ro.inventory = getenv("GAMEDAY_INVENTORY");
	optind = 1;
	while ((ch = getopt_long(argc, argv, "i:nyqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i': ro.inventory = gd_inventory_arg(ro.inventory, optarg); break;
		case 'n': ro.dry_run = 1; break;
		case 'y': ro.yes = 1; break;
		case O_LAB: ro.lab = 1; break;
		case O_WAIT: ro.wait = 1; break;
		case O_SEED: ro.seed = strtol(optarg, NULL, 10); break;
		case O_STATE: ro.state_dir = optarg; break;
		case O_KNOWN: ro.known_hosts = optarg; break;
		case O_ACCEPT: ro.accept_new = 1; break;
		case O_JSON: ro.json = 1; break;
		case O_WHO:
			if (gd_run_participant(ro.participants, &ro.nparticipants, optarg) != 0)
				return GD_EXIT_USAGE;
			break;
		case O_JUNIT: ro.junit = optarg; break;
		case O_METRICS: ro.metrics = optarg; break;
		case O_LUAMEM:
			if (gd_lua_memory_parse(optarg, &ro.lua_memory, err, sizeof(err)) != 0) {
				gd_warnx("run: %s", err);
				goto usage;
			}
			break;
		case 'q': ro.quiet = 1; break;
		case 'h': fputs(run_usage, stdout); fputs(gd_docs_usage, stdout); return GD_EXIT_OK;
		default:
			if (gd_docs_getopt(ch, optarg, &ro.docs))
				break;
			goto usage;
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
	return gd_run_scenario(&ro, file);
usage:
	fputs("try 'gameday run --help'\n", stderr);
	return GD_EXIT_USAGE;
}
