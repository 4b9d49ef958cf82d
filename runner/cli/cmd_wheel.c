/* cmd_wheel.c: `gameday wheel`, the wheel of misfortune: a scenario and a
 * participant picked reproducibly from a seed, and the tabletop script. */
#include <errno.h>
#include <dirent.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "duration.h"
#include "gd.h"
#include "report.h"
#include "runner.h"
#include "script.h"
#include "wheel.h"

static const char wheel_usage[] =
"usage: gameday wheel [--roster FILE] [--catalog DIR] [--history DIR]\n"
"                     [--seed N] [--no-repeat N] [--tabletop] [--json]\n"
"                     [--docs DIR [--author 'N <E>']] [--metrics FILE]\n"
"       gameday wheel --live -i INVENTORY [--limit 15m] [--state-dir DIR]\n"
"                     [--docs DIR] [pick options] [--json]\n"
"\n"
"Spins the wheel of misfortune: picks a scenario from the catalog and the\n"
"participant who plays it.\n"
"\n"
"  scenario     at random, weighted by its tags: the roster's `weights` map\n"
"               gives each tag a weight (1 when not listed) and a scenario\n"
"               weighs the product of its tags' weights, so a tag at 0 takes\n"
"               it off the wheel. The last N distinct scenarios played are\n"
"               never picked again (N: --no-repeat, else the roster's\n"
"               no_repeat, else 3).\n"
"  participant  the one who has played least; a tie is broken at random.\n"
"\n"
"Both come from the seed alone (splitmix64): the same seed, roster, catalog\n"
"and history give the same pick. Without --seed the seed comes from the\n"
"clock, and is printed so that the spin can be replayed.\n"
"\n"
"Who played what comes from the roster (`plays:` at the top or under a\n"
"participant: { scenario, participant, date }) and from --history DIR, where\n"
"every *.json is read: a `gameday run --json` result (scenario.id, started)\n"
"is a play, of the person in its `participant` field when it has one.\n"
"\n"
"On a terminal the pick is shown as a short spin on stderr (not with\n"
"NO_COLOR); otherwise, plain text.\n"
"\n"
"options:\n"
"  -r, --roster FILE   participants, weights, plays (default: roster.yaml in\n"
"                      the catalog)\n"
"  -c, --catalog DIR   the scenarios, every *.lua in DIR (default: those\n"
"                      shipped with gameday)\n"
"      --history DIR   past results, as `gameday readiness` reads them\n"
"  -s, --seed N        replay a spin (0 to 9223372036854775807)\n"
"  -n, --no-repeat N   how many recent scenarios to keep off the wheel\n"
"  -t, --tabletop      then print the tabletop: the narrative, the injects to\n"
"                      read out at their times, the hints with their cost in\n"
"                      points, and the questions for the debrief\n"
"      --live          then play it live on lab hosts: preflight, steady state,\n"
"                      inject its faults (journaled, with dead-man timers), and\n"
"                      sample the steady state every observe.every (2s) while\n"
"                      the game master presses single keys: d detected,\n"
"                      m mitigated, r resolved (taken only once the probes hold\n"
"                      again), h the next hint (its cost is counted), q give up.\n"
"                      Then everything is reverted and verified. Not on a\n"
"                      terminal, keys are read one per line from stdin\n"
"  -i, --inventory F   the lab's inventory (live; default $GAMEDAY_INVENTORY);\n"
"                      hosts marked production: true are refused\n"
"      --limit D       a live session ends unresolved after D (default 15m)\n"
"      --state-dir DIR where journals go (default $XDG_STATE_HOME/gameday)\n"
"      --known-hosts F check host keys against F; --accept-new records new ones\n"
"      --docs DIR      commit the session's report into the doc repo DIR: live,\n"
"                      a game-day report in ha-tests/; otherwise (--tabletop or a\n"
"                      pick) ha-tests/wheel/DATE-SCENARIO.{md,json}: seed,\n"
"                      scenario, participant and, with --tabletop, the\n"
"                      narrative, injects, hints and questions\n"
"      --author 'N <E>' that commit's author\n"
"      --metrics FILE  write a Prometheus textfile (atomically):\n"
"                      gameday_wheel_last_pick_timestamp_seconds{scenario,\n"
"                      participant} and, live, the run's metrics\n"
"      --json          print the pick as JSON: scenario, title, participant,\n"
"                      seed, excluded, and tabletop with --tabletop; with\n"
"                      --live, the session's result: the run's, plus\n"
"                      participant, seed, detected_ms, mitigated_ms,\n"
"                      resolved_ms (run clock) and live (times from the first\n"
"                      inject, hints taken and their cost, outcome)\n"
"  -h, --help          this help\n"
"\n"
"example:\n"
"  gameday wheel --roster scenarios/roster.yaml --tabletop\n"
"  gameday wheel --seed 42 --json\n"
"  gameday wheel --live -i .lab/inventory.yaml --limit 10m\n"
"\n"
"exit status: 0 picked (live: resolved, and every revert verified), 1 no\n"
"scenario left to pick (live: not resolved in time, or a revert failed),\n"
"2 usage or bad input, 3 a host unreachable or unfit, 4 given up (q) or\n"
"aborted by a signal, after reverting\n";

/* Debrief questions for a scenario that brings none of its own. */
static const char *const debrief[] = {
	"What told you something was wrong, and how long after it started?",
	"What did you check first, and why that?",
	"What would have mitigated it soonest, before the root cause was known?",
	"Whom did you tell, and when?",
	"What alert, dashboard or runbook section would have made this faster?",
};

struct scn {
	char *file;
	json_t *desc;          /* engine.describe's answer */
};

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
by_file(const void *a, const void *b)
{
	return strcmp(((const struct scn *)a)->file, ((const struct scn *)b)->file);
}

/* Every valid scenario in dir, sorted by file name so that a seed means the
 * same pick everywhere; invalid ones are named on stderr and left out. */
static int
load_catalog(const char *dir, struct scn **out, size_t *nout, char *err, size_t errlen)
{
	char *luadir = gd_lua_dir(), *res = NULL;
	struct gd_script *s = NULL;
	struct scn *v = NULL;
	size_t n = 0, i;
	struct dirent *e;
	DIR *d;
	int ret = -1;

	if ((d = opendir(dir)) == NULL) {
		gd_errf(err, errlen, "cannot read catalog %s: %s", dir, strerror(errno));
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !ends_with(e->d_name, ".lua"))
			continue;
		v = gd_xrealloc(v, (n + 1) * sizeof(*v));
		v[n].file = gd_xasprintf("%s/%s", dir, e->d_name);
		v[n++].desc = NULL;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), by_file);
	if ((s = gd_script_new(luadir, NULL, err, errlen)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		json_t *args = json_pack("{s:s}", "file", v[i].file), *dj = NULL;
		char *a = json_dumps(args, JSON_COMPACT), cerr[GD_ERRLEN];

		if (gd_script_call(s, "gameday.engine", "describe", a, &res, cerr, sizeof(cerr)) == 0)
			dj = json_loads(res, 0, NULL);
		if (dj == NULL)
			gd_warnx("%s: %s", v[i].file, cerr);
		else if (!json_is_true(json_object_get(dj, "ok")))
			gd_warnx("%s: left off the wheel: %s", v[i].file,
			    json_string_value(json_object_get(dj, "error")));
		else
			v[i].desc = json_incref(dj);
		json_decref(dj);
		json_decref(args);
		free(a);
		free(res);
		res = NULL;
	}
	ret = 0;
out:
	/* keep only the valid ones */
	for (i = 0; ret == 0 && i < n; i++) {
		if (v[i].desc != NULL) {
			v[(*nout)++] = v[i];
		} else {
			free(v[i].file);
		}
	}
	if (ret != 0) {
		for (i = 0; i < n; i++)
			free(v[i].file);
		free(v);
		v = NULL;
	}
	*out = v;
	gd_script_free(s);
	free(luadir);
	return ret;
}

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* The spin on stderr: names going by, slowing down, stopping on the pick. */
static void
spin(const struct gd_wheel_scn *s, size_t ns, size_t pick, uint64_t seed)
{
	static const char frames[] = "|/-\\";
	const int nframes = 14;
	uint64_t st = seed ^ 0x5bd1e995ULL;   /* its own stream: the pick does not depend on it */
	int f;

	for (f = 0; f < nframes; f++) {
		size_t k = f == nframes - 1 ? pick : (size_t)(gd_wheel_rand(&st) % ns);
		struct timespec ts = { 0, (long)(30 + 9 * f) * 1000000L };   /* 30..147 ms, 1.2 s in all */

		if (s[k].weight <= 0 && f != nframes - 1)
			continue;
		fprintf(stderr, "\r\033[K  %c  %s", f == nframes - 1 ? '>' : frames[f % 4], s[k].id);
		fflush(stderr);
		nanosleep(&ts, NULL);
	}
	fputs("\r\033[K", stderr);
}

static void
print_tabletop(const json_t *d, const char *who)
{
	const json_t *inj = json_object_get(d, "injects"), *hints = json_object_get(d, "hints");
	const json_t *qs = json_object_get(d, "questions"), *x;
	const char *narr = jstr(d, "narrative");
	size_t i;

	printf("\n== tabletop: %s: %s\n", jstr(d, "id"), jstr(d, "title"));
	printf("player: %s; the game master reads the narrative, then each inject at its time\n\n", who);
	printf("%s\n", *narr != '\0' ? narr : "(no narrative: describe the first page from the scenario's faults)");
	printf("\ninjects:\n");
	if (json_array_size(inj) == 0)
		printf("  (none)\n");
	json_array_foreach(inj, i, x)
		printf("  [+%s] %s: %s\n", jstr(x, "at"), *jstr(x, "from") ? jstr(x, "from") : "someone",
		    jstr(x, "say"));
	printf("\nhints (offer one when the player is stuck; taking it costs its points):\n");
	if (json_array_size(hints) == 0)
		printf("  (none)\n");
	json_array_foreach(hints, i, x) {
		double c = json_number_value(json_object_get(x, "cost"));

		printf("  [after %s, costs %g point%s] %s\n", jstr(x, "after"), c, c == 1 ? "" : "s",
		    jstr(x, "text"));
	}
	if (json_array_size(qs) > 0) {
		printf("\nquestions:\n");
		json_array_foreach(qs, i, x)
			printf("  %zu. %s\n", i + 1, json_string_value(x));
	} else {
		printf("\nquestions (the standard debrief; the scenario has none of its own):\n");
		for (i = 0; i < sizeof(debrief) / sizeof(debrief[0]); i++)
			printf("  %zu. %s\n", i + 1, debrief[i]);
	}
}

/* --limit: the one duration grammar, from 1 ms to 24 h */
static int
parse_limit(const char *s, long long *ms)
{
	char err[GD_ERRLEN];

	if (gd_duration_parse(s, ms, err, sizeof(err)) != 0) {
		gd_warnx("--limit: %s", err);
		return -1;
	}
	if (*ms <= 0 || *ms > 24LL * 3600000) {
		gd_warnx("--limit must be from 1ms to 24h, not '%s'", s);
		return -1;
	}
	return 0;
}

static int
parse_count(const char *s, const char *what, unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9' || (*v = strtoull(s, &end, 10), errno != 0) || *end != '\0' || *v > max) {
		gd_warnx("%s must be a whole number from 0 to %llu, not '%s'", what, max, s);
		return -1;
	}
	return 0;
}

/* a textfile the run wrote (NULL when it wrote none) */
static char *
read_small(const char *path)
{
	char err[GD_ERRLEN];

	return gd_read_file(path, 1u << 20, NULL, err, sizeof(err));
}

int
gd_cmd_wheel(int argc, char **argv)
{
	enum { O_LIMIT = 256, O_STATE, O_KNOWN, O_ACCEPT, O_DOCS, O_AUTHOR, O_METRICS };
	static const struct option longopts[] = {
		{ "roster", required_argument, NULL, 'r' },
		{ "catalog", required_argument, NULL, 'c' },
		{ "history", required_argument, NULL, 'H' },
		{ "seed", required_argument, NULL, 's' },
		{ "no-repeat", required_argument, NULL, 'n' },
		{ "tabletop", no_argument, NULL, 't' },
		{ "live", no_argument, NULL, 'L' },
		{ "json", no_argument, NULL, 'j' },
		{ "inventory", required_argument, NULL, 'i' },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "known-hosts", required_argument, NULL, O_KNOWN },
		{ "accept-new", no_argument, NULL, O_ACCEPT },
		{ "docs", required_argument, NULL, O_DOCS },
		{ "author", required_argument, NULL, O_AUTHOR },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *roster_opt = NULL, *catalog_opt = NULL, *history = NULL, *metrics = NULL;
	char err[4096], *catalog = NULL, *roster_path = NULL;
	struct gd_roster r = { 0 };
	struct gd_wheel_play *plays = NULL;
	struct gd_wheel_scn *ws = NULL;
	struct gd_wheel_person *wp = NULL;
	struct gd_wheel_pick pick;
	struct scn *cat = NULL;
	size_t ncat = 0, nplays = 0, nrecent = 0, i, j;
	const char **recent = NULL;
	unsigned long long seed = 0, norep = 3, v;
	json_t *hist = NULL, *x;
	int ch, json = 0, tabletop = 0, live = 0, have_seed = 0, have_norep = 0;
	int ret = GD_EXIT_USAGE, docs_failed = 0;
	struct gd_run_opts ro = { 0 };
	long long limit_ms = 15 * 60000;
	char *run_prom = NULL;

	ro.inventory = getenv("GAMEDAY_INVENTORY");
	optind = 1;
	while ((ch = getopt_long(argc, argv, "r:c:s:n:thi:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': roster_opt = optarg; break;
		case 'c': catalog_opt = optarg; break;
		case 'H': history = optarg; break;
		case 's':
			if (parse_count(optarg, "--seed", INT64_MAX, &seed) != 0)
				return GD_EXIT_USAGE;
			have_seed = 1;
			break;
		case 'n':
			if (parse_count(optarg, "--no-repeat", 1000, &norep) != 0)
				return GD_EXIT_USAGE;
			have_norep = 1;
			break;
		case 't': tabletop = 1; break;
		case 'L': live = 1; break;
		case 'j': json = 1; break;
		case 'i': ro.inventory = optarg; break;
		case O_LIMIT:
			if (parse_limit(optarg, &limit_ms) != 0)
				return GD_EXIT_USAGE;
			break;
		case O_STATE: ro.state_dir = optarg; break;
		case O_KNOWN: ro.known_hosts = optarg; break;
		case O_ACCEPT: ro.accept_new = 1; break;
		case O_DOCS: ro.docs = optarg; break;
		case O_AUTHOR: ro.author = optarg; break;
		case O_METRICS: metrics = optarg; break;
		case 'h': fputs(wheel_usage, stdout); return GD_EXIT_OK;
		default: fputs(wheel_usage, stderr); return GD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		gd_warnx("wheel: unexpected argument '%s'", argv[optind]);
		return GD_EXIT_USAGE;
	}
	if (live && tabletop) {
		gd_warnx("wheel: --live and --tabletop are two ways to play: give one");
		return GD_EXIT_USAGE;
	}
	if (live && ro.inventory == NULL) {
		gd_warnx("wheel --live needs the lab's inventory: give -i FILE or set GAMEDAY_INVENTORY");
		return GD_EXIT_USAGE;
	}
	if (catalog_opt != NULL) {
		catalog = gd_xstrdup(catalog_opt);
	} else {
		char *lua = gd_lua_dir();

		catalog = gd_xasprintf("%s/../scenarios", lua);
		free(lua);
	}
	roster_path = roster_opt != NULL ? gd_xstrdup(roster_opt) : gd_xasprintf("%s/roster.yaml", catalog);
	if (gd_roster_load(&r, roster_path, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		if (roster_opt == NULL)
			gd_warnx("give the participants with --roster FILE (see scenarios/roster.yaml)");
		goto out;
	}
	if (!have_norep && r.no_repeat >= 0)
		norep = (unsigned long long)r.no_repeat;

	/* plays: the roster's, then the history's game days */
	plays = gd_xcalloc(r.nplays + 1, sizeof(*plays));
	for (i = 0; i < r.nplays; i++)
		plays[nplays++] = r.plays[i];   /* borrowed from r */
	if (history != NULL) {
		if (gd_history_load(history, &hist, err, sizeof(err)) != 0) {
			gd_warnx("%s", err);
			goto out;
		}
		plays = gd_xrealloc(plays, (nplays + json_array_size(hist) + 1) * sizeof(*plays));
		json_array_foreach(hist, i, x) {
			json_t *p = json_object_get(x, "participant");

			if (gd_history_kind(x) != GD_HIST_RUN)
				continue;
			plays[nplays].scenario = (char *)json_string_value(json_object_get(json_object_get(x,
			    "scenario"), "id"));
			plays[nplays].participant = json_is_string(p) ? (char *)json_string_value(p) : NULL;
			plays[nplays++].when = gd_history_when(x);
		}
	}
	recent = gd_xcalloc(norep + 1, sizeof(*recent));
	nrecent = gd_wheel_recent(plays, nplays, norep, recent);

	if (load_catalog(catalog, &cat, &ncat, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		goto out;
	}
	ws = gd_xcalloc(ncat + 1, sizeof(*ws));
	for (i = 0; i < ncat; i++) {
		json_t *tags = json_object_get(cat[i].desc, "tags");
		const char **tv = gd_xcalloc(json_array_size(tags) + 1, sizeof(*tv));

		json_array_foreach(tags, j, x)
			tv[j] = json_string_value(x);
		ws[i].id = jstr(cat[i].desc, "id");
		ws[i].weight = gd_wheel_weight(tv, json_array_size(tags), r.weights, r.nweights);
		free(tv);
	}
	wp = gd_xcalloc(r.npeople + 1, sizeof(*wp));
	for (i = 0; i < r.npeople; i++) {
		wp[i].name = r.people[i].name;
		for (j = 0; j < nplays; j++)
			wp[i].plays += plays[j].participant != NULL && strcmp(plays[j].participant, wp[i].name) == 0;
	}
	if (!have_seed) {
		uint64_t st = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

		seed = gd_wheel_rand(&st) & INT64_MAX;
	}
	if (gd_wheel_pick(ws, ncat, recent, nrecent, wp, r.npeople, seed, &pick, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		ret = ncat > 0 && r.npeople > 0 ? GD_EXIT_FAIL : GD_EXIT_USAGE;
		goto out;
	}
	if (!json && gd_use_color(stderr)) {
		for (i = 0; i < ncat; i++)   /* the spin shows only what could be picked */
			for (j = 0; j < nrecent; j++)
				if (strcmp(ws[i].id, recent[j]) == 0)
					ws[i].weight = 0;
		spin(ws, ncat, pick.scenario, seed);
	}

	if (live) {
		json_t *extra;

		/* the pick goes to stderr with --json: stdout is the session's result */
		fprintf(json ? stderr : stdout, "seed: %llu  (replay: gameday wheel --seed %llu)\n"
		    "scenario: %s: %s\nparticipant: %s, playing live\n", seed, seed, ws[pick.scenario].id,
		    jstr(cat[pick.scenario].desc, "title"), wp[pick.person].name);
		fflush(stdout);
		ro.lab = 1;
		ro.json = json;
		ro.seed = (long)seed;
		extra = json_pack("{s:b, s:I, s:s}", "live", 1, "limit_ms", (json_int_t)limit_ms,
		    "participant", wp[pick.person].name);
		ro.extra = extra;
		/* the run writes its metrics beside FILE; then FILE gets the pick and them */
		run_prom = metrics != NULL ? gd_xasprintf("%s.run.%ld", metrics, (long)getpid()) : NULL;
		ro.metrics = run_prom;
		ret = gd_run_scenario(&ro, cat[pick.scenario].file);
		json_decref(extra);
		if (metrics != NULL) {
			char *text = read_small(run_prom);

			unlink(run_prom);
			if (gd_report_wheel_metrics_write(ws[pick.scenario].id, wp[pick.person].name, text,
			    metrics, err, sizeof(err)) != 0) {
				gd_warnx("wheel: %s", err);
				if (ret == GD_EXIT_OK)
					ret = GD_EXIT_UNREACHABLE;
			}
			free(text);
		}
		goto out;
	}
	if (json || ro.docs != NULL) {
		json_t *o = json_object(), *ex = json_array(), *d = cat[pick.scenario].desc;

		for (i = 0; i < nrecent; i++)
			json_array_append_new(ex, json_string(recent[i]));
		json_object_set_new(o, "scenario", json_string(ws[pick.scenario].id));
		json_object_set_new(o, "title", json_string(jstr(d, "title")));
		json_object_set_new(o, "file", json_string(cat[pick.scenario].file));
		json_object_set_new(o, "participant", json_string(wp[pick.person].name));
		json_object_set_new(o, "played", json_integer(wp[pick.person].plays));
		json_object_set_new(o, "seed", json_integer((json_int_t)seed));
		json_object_set_new(o, "excluded", ex);
		if (tabletop)
			json_object_set_new(o, "tabletop", json_pack("{s:s, s:O, s:O, s:O}", "narrative",
			    jstr(d, "narrative"), "injects", json_object_get(d, "injects"), "hints",
			    json_object_get(d, "hints"), "questions", json_object_get(d, "questions")));
		if (json) {
			json_dumpf(o, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
		}
		if (ro.docs != NULL) {
			json_t *tt = json_object_get(o, "tabletop");
			char date[32];
			time_t now = time(NULL);
			struct tm tm;

			gmtime_r(&now, &tm);
			strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
			json_object_set_new(o, "date", json_string(date));
			/* the report keeps the debrief asked, the standard one when the scenario has none */
			if (json_is_object(tt) && json_array_size(json_object_get(tt, "questions")) == 0) {
				json_t *qs = json_array();

				for (i = 0; i < sizeof(debrief) / sizeof(debrief[0]); i++)
					json_array_append_new(qs, json_string(debrief[i]));
				json_object_set_new(tt, "questions", qs);
			}
			if (gd_docs_commit_wheel(ro.docs, o, ro.author, err, sizeof(err)) != 0) {
				gd_warnx("wheel: %s", err);
				docs_failed = 1;
			}
		}
		json_decref(o);
	}
	if (metrics != NULL && gd_report_wheel_metrics_write(ws[pick.scenario].id, wp[pick.person].name,
	    NULL, metrics, err, sizeof(err)) != 0) {
		gd_warnx("wheel: %s", err);
		docs_failed = 1;
	}
	if (!json) {
		v = wp[pick.person].plays;
		printf("seed: %llu  (replay: gameday wheel --seed %llu)\n", seed, seed);
		printf("scenario: %s: %s\n", ws[pick.scenario].id, jstr(cat[pick.scenario].desc, "title"));
		printf("participant: %s (played %llu time%s%s)\n", wp[pick.person].name, v, v == 1 ? "" : "s",
		    pick.ties > 1 ? ", a tie broken by the seed" : "");
		if (nrecent > 0) {
			printf("not picked (last %zu played):", nrecent);
			for (i = 0; i < nrecent; i++)
				printf(" %s", recent[i]);
			putchar('\n');
		}
		if (tabletop)
			print_tabletop(cat[pick.scenario].desc, wp[pick.person].name);
		if (ro.docs != NULL && !docs_failed)
			printf("\nreport committed to %s\n", ro.docs);
	}
	ret = docs_failed ? GD_EXIT_USAGE : GD_EXIT_OK;
out:
	for (i = 0; i < ncat; i++) {
		free(cat[i].file);
		json_decref(cat[i].desc);
	}
	free(cat);
	free(ws);
	free(wp);
	free(recent);
	free(plays);
	json_decref(hist);
	gd_roster_free(&r);
	free(roster_path);
	free(catalog);
	free(run_prom);
	return ret;
}
