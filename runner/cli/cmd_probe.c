/* cmd_probe.c: `gameday probe`, the synthetic user on demand: a scenario's
 * steady-state probes, or one HTTP probe, sampled every D for D, with the
 * SLIs each saw (availability, latency percentiles). Changes nothing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "duration.h"
#include "gd.h"
#include "inventory.h"
#include "script.h"
#include "ssh.h"

static const char usage_text[] =
	"usage: gameday probe SCENARIO.lua -i INV [--every D] [--for D] [--json]\n"
	"       gameday probe --http URL [--status N] [--max-ms N] [--every D] [--for D] [--json]\n";

static const char help_text[] =
	"\n"
	"The synthetic user on demand. Samples the scenario's steady-state probes\n"
	"(http, tcp, exec, prometheus, alert) or one HTTP GET of URL, every D for D,\n"
	"injecting nothing, and prints each probe's SLIs: samples, availability (the\n"
	"share of good samples) and latency percentiles p50, p90, p95, p99 and max\n"
	"(nearest rank, over the good samples). Ctrl-C stops early and still prints.\n"
	"\n"
	"options:\n"
	"  -i, --inventory FILE  Ansible inventory (default: $GAMEDAY_INVENTORY);\n"
	"                        needed for a scenario\n"
	"  --http URL            probe URL instead of a scenario\n"
	"  --status N            (--http) the status that counts as good (200)\n"
	"  --max-ms N            (--http) slower than N ms counts as bad\n"
	"  --every D             between samples (default 1s), as 500ms, 2s, 1m\n"
	"  --for D               how long to sample (default 10s)\n"
	"  --known-hosts FILE    known_hosts for probe.exec (default: the inventory's)\n"
	"  --json                the SLIs as JSON\n"
	"  -q, --quiet           no line per sample on stderr\n"
	"\n"
	"examples:\n"
	"  gameday probe --http http://10.231.0.2:8080/health --every 500ms --for 30s\n"
	"  gameday probe scenarios/web-killed.lua -i .lab/inventory.yaml --for 1m --json\n"
	"\n"
	"exit codes:\n"
	"  0  every sample was good\n"
	"  1  some samples were bad\n"
	"  2  usage, a bad scenario or inventory\n"
	"  4  stopped by a signal (the SLIs so far are printed)\n";

static int
duration_opt(const char *opt, const char *v, long long *ms)
{
	char err[GD_ERRLEN];

	if (gd_duration_parse(v, ms, err, sizeof(err)) == -1 || *ms <= 0) {
		gd_warnx("probe: %s: %s", opt, *ms <= 0 && err[0] == '\0' ? "must be above 0" : err);
		return -1;
	}
	return 0;
}

struct probe_opts {
	const char *file, *http, *inventory, *known_hosts;
	long long every_ms, for_ms;
	long status, max_ms;
	int json, quiet;
};

static int
run(const struct probe_opts *po)
{
	struct gd_inventory inv = { 0 };
	struct gd_ssh_opts so;
	struct gd_script_env env = { 0 };
	struct gd_script *s = NULL;
	char err[4096], *luadir = NULL, *text = NULL, *result = NULL;
	json_t *args = NULL, *res = NULL, *t;
	int ret = GD_EXIT_USAGE;

	if (po->inventory != NULL && gd_inventory_load(&inv, po->inventory, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		goto out;
	}
	gd_ssh_opts_default(&so);
	so.known_hosts = po->known_hosts;
	env.inv = po->inventory != NULL ? &inv : NULL;
	env.ssh = &so;
	luadir = gd_lua_dir();
	if ((s = gd_script_new(gd_lua_override(), &env, err, sizeof(err))) == NULL) {
		gd_warnx("%s", err);
		ret = GD_EXIT_UNREACHABLE;
		goto out;
	}
	args = json_pack("{s:I, s:I, s:b}", "every_ms", (json_int_t)po->every_ms, "for_ms",
	    (json_int_t)po->for_ms, "quiet", po->quiet);
	if (po->file != NULL)
		json_object_set_new(args, "file", json_string(po->file));
	if (po->http != NULL)
		json_object_set_new(args, "http", json_string(po->http));
	if (po->status > 0)
		json_object_set_new(args, "status", json_integer(po->status));
	if (po->max_ms > 0)
		json_object_set_new(args, "max_ms", json_integer(po->max_ms));
	text = json_dumps(args, JSON_COMPACT);
	gd_abort_on_signals();
	if (gd_script_call(s, "gameday.synthetic", "run", text, &result, err, sizeof(err)) != 0) {
		gd_warnx("probe: %s", err);
		goto out;
	}
	res = json_loads(result, 0, NULL);
	ret = (int)json_integer_value(json_object_get(res, "exit"));
	if (json_is_string(json_object_get(res, "error"))) {
		gd_warnx("%s", json_string_value(json_object_get(res, "error")));
		goto out;
	}
	if (po->json) {
		json_object_del(res, "exit");
		json_dumpf(res, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		goto out;
	}
	free(text);
	text = NULL;
	if (gd_script_call(s, "gameday.synthetic", "text", result, &text, err, sizeof(err)) != 0) {
		gd_warnx("probe: %s", err);
		ret = GD_EXIT_USAGE;
		goto out;
	}
	t = json_loads(text, JSON_DECODE_ANY, NULL);
	fputs(json_string_value(t) != NULL ? json_string_value(t) : "", stdout);
	json_decref(t);
out:
	json_decref(args);
	json_decref(res);
	free(text);
	free(result);
	gd_script_free(s);
	free(luadir);
	if (po->inventory != NULL)
		gd_inventory_free(&inv);
	return ret;
}

int
gd_cmd_probe(int argc, char **argv)
{
	enum { O_HTTP = 256, O_STATUS, O_MAXMS, O_EVERY, O_FOR, O_JSON, O_KNOWN };
	static const struct option longopts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "http", required_argument, NULL, O_HTTP },
		{ "status", required_argument, NULL, O_STATUS },
		{ "max-ms", required_argument, NULL, O_MAXMS },
		{ "every", required_argument, NULL, O_EVERY },
		{ "for", required_argument, NULL, O_FOR },
		{ "known-hosts", required_argument, NULL, O_KNOWN },
		{ "json", no_argument, NULL, O_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_opts po = { .every_ms = 1000, .for_ms = 10000 };
	char *end;
	int ch;

	po.inventory = getenv("GAMEDAY_INVENTORY");
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "i:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i': po.inventory = gd_inventory_arg(po.inventory, optarg); break;
		case O_HTTP: po.http = optarg; break;
		case O_KNOWN: po.known_hosts = optarg; break;
		case O_JSON: po.json = 1; break;
		case 'q': po.quiet = 1; break;
		case O_EVERY:
			if (duration_opt("--every", optarg, &po.every_ms) == -1)
				return GD_EXIT_USAGE;
			break;
		case O_FOR:
			if (duration_opt("--for", optarg, &po.for_ms) == -1)
				return GD_EXIT_USAGE;
			break;
		case O_STATUS:
		case O_MAXMS: {
			long v = strtol(optarg, &end, 10);

			if (end == optarg || *end != '\0' || v < 1 || v > (ch == O_STATUS ? 599 : 86400000)) {
				gd_warnx("probe: %s must be a number%s, not %s", ch == O_STATUS ? "--status" :
				    "--max-ms", ch == O_STATUS ? " from 100 to 599" : " of ms", optarg);
				return GD_EXIT_USAGE;
			}
			if (ch == O_STATUS)
				po.status = v;
			else
				po.max_ms = v;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			return GD_EXIT_OK;
		default:
			gd_warnx("probe: unknown option or missing value: %s", argv[optind - 1]);
			fputs(usage_text, stderr);
			return GD_EXIT_USAGE;
		}
	}
	if (optind < argc)
		po.file = argv[optind++];
	if (optind < argc) {
		gd_warnx("probe: unexpected argument %s", argv[optind]);
		return GD_EXIT_USAGE;
	}
	if ((po.file == NULL) == (po.http == NULL)) {
		gd_warnx("probe: give a scenario or --http URL (one of them)");
		fputs(usage_text, stderr);
		return GD_EXIT_USAGE;
	}
	if (po.http == NULL && (po.status > 0 || po.max_ms > 0)) {
		gd_warnx("probe: --status and --max-ms are for --http");
		return GD_EXIT_USAGE;
	}
	if (po.file != NULL && po.inventory == NULL) {
		gd_warnx("probe: no inventory: give -i FILE or set GAMEDAY_INVENTORY");
		return GD_EXIT_USAGE;
	}
	if (po.every_ms > po.for_ms) {
		gd_warnx("probe: --every is longer than --for: there would be one sample");
		return GD_EXIT_USAGE;
	}
	return run(&po);
}
