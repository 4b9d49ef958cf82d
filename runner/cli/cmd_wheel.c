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
#include "inventory.h"
#include "report.h"
#include "runner.h"
#include "script.h"
#include "docs.h"
#include "result.h"
#include "roster.h"
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
"participant: { scenario, participant, date }) and from --history DIR (a doc\n"
"repo, or a directory of results, read by the one reader): every game day,\n"
"live session and wheel spin is a play of its scenario, by each of its\n"
"participants (by nobody when it names none).\n"
"\n"
"On a terminal the pick is shown as a short spin on stderr (not with\n"
"NO_COLOR); otherwise, plain text.\n"
"\n"
"options:\n"
"  -r, --roster FILE   participants, weights, plays (default: roster.yaml in\n"
"                      the catalog)\n"
"  -c, --catalog DIR   the scenarios, every *.lua in DIR (default: those\n"
"                      shipped with gameday)\n"
"      --history DIR   past results (a doc repo), as `gameday readiness` reads them\n"
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
	if ((s = gd_script_new(gd_lua_override(), NULL, err, errlen)) == NULL)
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

/* What a spin needs and makes: the options, the roster, the catalog, the pick. */
struct wheel {
	const char *roster_opt, *catalog_opt, *history, *metrics;
	int json, tabletop, live, have_seed, have_norep;
	unsigned long long seed, norep;
	struct gd_run_opts ro;
	struct gd_docs_opts docs;
	long long limit_ms;
	char *catalog, *roster_path;
	struct gd_roster r;
	struct gd_wheel_play *plays;
	size_t nplays;
	json_t *hist;
	const char **recent;
	size_t nrecent;
	struct scn *cat;
	size_t ncat;
	struct gd_wheel_scn *ws;
	struct gd_wheel_person *wp;
	struct gd_wheel_pick pick;
};

/* 0 to go on, else 1 + the exit status (help, bad usage) */
static int
wheel_args(struct wheel *w, int argc, char **argv)
{
	enum { O_LIMIT = 256, O_STATE, O_KNOWN, O_ACCEPT, O_METRICS };
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
		GD_DOCS_LONGOPTS,
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "r:c:s:n:thi:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': w->roster_opt = optarg; break;
		case 'c': w->catalog_opt = optarg; break;
		case 'H': w->history = optarg; break;
		case 's':
			if (parse_count(optarg, "--seed", INT64_MAX, &w->seed) != 0)
				return 1 + GD_EXIT_USAGE;
			w->have_seed = 1;
			break;
		case 'n':
			if (parse_count(optarg, "--no-repeat", 1000, &w->norep) != 0)
				return 1 + GD_EXIT_USAGE;
			w->have_norep = 1;
			break;
		case 't': w->tabletop = 1; break;
		case 'L': w->live = 1; break;
		case 'j': w->json = 1; break;
		case 'i': w->ro.inventory = gd_inventory_arg(w->ro.inventory, optarg); break;
		case O_LIMIT:
			if (parse_limit(optarg, &w->limit_ms) != 0)
				return 1 + GD_EXIT_USAGE;
			break;
		case O_STATE: w->ro.state_dir = optarg; break;
		case O_KNOWN: w->ro.known_hosts = optarg; break;
		case O_ACCEPT: w->ro.accept_new = 1; break;
		case O_METRICS: w->metrics = optarg; break;
		case 'h': fputs(wheel_usage, stdout); fputs(gd_docs_usage, stdout); return 1 + GD_EXIT_OK;
		default:
			if (gd_docs_getopt(ch, optarg, &w->docs))
				break;
			fputs(wheel_usage, stderr);
			return 1 + GD_EXIT_USAGE;
		}
	}
	w->docs.known_hosts = w->ro.known_hosts;
	w->docs.accept_new = w->ro.accept_new;
	w->ro.docs = w->docs;      /* live: the run's report */
	if (optind < argc) {
		gd_warnx("wheel: unexpected argument '%s'", argv[optind]);
		return 1 + GD_EXIT_USAGE;
	}
	if (w->live && w->tabletop) {
		gd_warnx("wheel: --live and --tabletop are two ways to play: give one");
		return 1 + GD_EXIT_USAGE;
	}
	if (w->live && w->ro.inventory == NULL) {
		gd_warnx("wheel --live needs the lab's inventory: give -i FILE or set GAMEDAY_INVENTORY");
		return 1 + GD_EXIT_USAGE;
	}
	return 0;
}

/* Plays: the roster's, then every game day and wheel session of the history
 * (one per participant it names; one of nobody when it names none). */
static int
wheel_plays(struct wheel *w, char *err, size_t errlen)
{
	json_t *x, *p;
	size_t i, j, n = w->r.nplays + 1;

	if (w->history != NULL) {
		if (gd_results_load(w->history, &w->hist, err, errlen) != 0)
			return -1;
		json_array_foreach(w->hist, i, x)
			n += json_array_size(json_object_get(x, "participants")) + 1;
	}
	w->plays = gd_xcalloc(n, sizeof(*w->plays));
	for (i = 0; i < w->r.nplays; i++)
		w->plays[w->nplays++] = w->r.plays[i];   /* borrowed from r */
	json_array_foreach(w->hist, i, x) {
		enum gd_result_kind k = gd_result_kind(x);
		const json_t *who = json_object_get(x, "participants");
		struct gd_wheel_play pl;

		if (k != GD_RESULT_RUN && k != GD_RESULT_WHEEL)
			continue;
		pl.scenario = (char *)json_string_value(json_object_get(x, "id"));
		pl.participant = NULL;
		pl.when = gd_result_started(x) / 1000;
		if (json_array_size(who) == 0)
			w->plays[w->nplays++] = pl;
		json_array_foreach(who, j, p) {
			pl.participant = (char *)json_string_value(p);
			w->plays[w->nplays++] = pl;
		}
	}
	return 0;
}

/* The roster, the plays, the catalog and the pick; an exit status when it
 * cannot pick, else -1. */
static int
wheel_spin(struct wheel *w)
{
	char err[4096];
	size_t i, j;
	json_t *x;

	if (w->catalog_opt != NULL) {
		w->catalog = gd_xstrdup(w->catalog_opt);
	} else {
		char *lua = gd_lua_dir();

		w->catalog = gd_xasprintf("%s/../scenarios", lua);
		free(lua);
	}
	w->roster_path = w->roster_opt != NULL ? gd_xstrdup(w->roster_opt) :
	    gd_xasprintf("%s/roster.yaml", w->catalog);
	if (gd_roster_load(&w->r, w->roster_path, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		if (w->roster_opt == NULL)
			gd_warnx("give the participants with --roster FILE (see scenarios/roster.yaml)");
		return GD_EXIT_USAGE;
	}
	if (!w->have_norep && w->r.no_repeat >= 0)
		w->norep = (unsigned long long)w->r.no_repeat;
	if (wheel_plays(w, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		return GD_EXIT_USAGE;
	}
	w->recent = gd_xcalloc(w->norep + 1, sizeof(*w->recent));
	w->nrecent = gd_wheel_recent(w->plays, w->nplays, w->norep, w->recent);
	if (load_catalog(w->catalog, &w->cat, &w->ncat, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		return GD_EXIT_USAGE;
	}
	w->ws = gd_xcalloc(w->ncat + 1, sizeof(*w->ws));
	for (i = 0; i < w->ncat; i++) {
		json_t *tags = json_object_get(w->cat[i].desc, "tags");
		const char **tv = gd_xcalloc(json_array_size(tags) + 1, sizeof(*tv));

		json_array_foreach(tags, j, x)
			tv[j] = json_string_value(x);
		w->ws[i].id = jstr(w->cat[i].desc, "id");
		w->ws[i].weight = gd_wheel_weight(tv, json_array_size(tags), w->r.weights, w->r.nweights);
		free(tv);
	}
	w->wp = gd_xcalloc(w->r.npeople + 1, sizeof(*w->wp));
	for (i = 0; i < w->r.npeople; i++) {
		w->wp[i].name = w->r.people[i].name;
		for (j = 0; j < w->nplays; j++)
			w->wp[i].plays += w->plays[j].participant != NULL &&
			    strcmp(w->plays[j].participant, w->wp[i].name) == 0;
	}
	if (!w->have_seed) {
		uint64_t st = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

		w->seed = gd_wheel_rand(&st) & INT64_MAX;
	}
	if (gd_wheel_pick(w->ws, w->ncat, w->recent, w->nrecent, w->wp, w->r.npeople, w->seed, &w->pick,
	    err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		return w->ncat > 0 && w->r.npeople > 0 ? GD_EXIT_FAIL : GD_EXIT_USAGE;
	}
	if (!w->json && gd_use_color(stderr)) {
		for (i = 0; i < w->ncat; i++)   /* the spin shows only what could be picked */
			for (j = 0; j < w->nrecent; j++)
				if (strcmp(w->ws[i].id, w->recent[j]) == 0)
					w->ws[i].weight = 0;
		spin(w->ws, w->ncat, w->pick.scenario, w->seed);
	}
	return -1;
}

/* The picked scenario played live on the lab: a run of the one engine. */
static int
wheel_live(struct wheel *w)
{
	const struct gd_wheel_pick *pick = &w->pick;
	char err[GD_ERRLEN], *run_prom, *text;
	json_t *extra;
	int ret;

	/* the pick goes to stderr with --json: stdout is the session's result */
	fprintf(w->json ? stderr : stdout, "seed: %llu  (replay: gameday wheel --seed %llu)\n"
	    "scenario: %s: %s\nparticipant: %s, playing live\n", w->seed, w->seed, w->ws[pick->scenario].id,
	    jstr(w->cat[pick->scenario].desc, "title"), w->wp[pick->person].name);
	fflush(stdout);
	w->ro.lab = 1;
	w->ro.json = w->json;
	w->ro.seed = (long)w->seed;
	extra = json_pack("{s:b, s:I, s:s}", "live", 1, "limit_ms", (json_int_t)w->limit_ms,
	    "participant", w->wp[pick->person].name);
	w->ro.extra = extra;
	/* the run writes its metrics beside FILE; then FILE gets the pick and them */
	run_prom = w->metrics != NULL ? gd_xasprintf("%s.run.%ld", w->metrics, (long)getpid()) : NULL;
	w->ro.metrics = run_prom;
	ret = gd_run_scenario(&w->ro, w->cat[pick->scenario].file);
	json_decref(extra);
	if (w->metrics != NULL) {
		text = read_small(run_prom);
		unlink(run_prom);
		if (gd_report_wheel_metrics_write(w->ws[pick->scenario].id, w->wp[pick->person].name, text,
		    w->metrics, err, sizeof(err)) != 0) {
			gd_warnx("wheel: %s", err);
			if (ret == GD_EXIT_OK)
				ret = GD_EXIT_UNREACHABLE;
		}
		free(text);
	}
	free(run_prom);
	return ret;
}

/* The spin as a result: pick, exclusions and, with --tabletop, the script. */
static json_t *
wheel_result(const struct wheel *w)
{
	json_t *o = json_object(), *ex = json_array(), *d = w->cat[w->pick.scenario].desc;
	const struct gd_wheel_person *who = &w->wp[w->pick.person];
	size_t i;

	for (i = 0; i < w->nrecent; i++)
		json_array_append_new(ex, json_string(w->recent[i]));
	json_object_set_new(o, "scenario", json_string(w->ws[w->pick.scenario].id));
	json_object_set_new(o, "title", json_string(jstr(d, "title")));
	json_object_set_new(o, "file", json_string(w->cat[w->pick.scenario].file));
	json_object_set_new(o, "participant", json_string(who->name));
	json_object_set_new(o, "played", json_integer(who->plays));
	json_object_set_new(o, "seed", json_integer((json_int_t)w->seed));
	json_object_set_new(o, "excluded", ex);
	if (w->tabletop)
		json_object_set_new(o, "tabletop", json_pack("{s:s, s:O, s:O, s:O}", "narrative",
		    jstr(d, "narrative"), "injects", json_object_get(d, "injects"), "hints",
		    json_object_get(d, "hints"), "questions", json_object_get(d, "questions")));
	json_object_set_new(o, "started", json_integer((json_int_t)gd_epoch_ms()));
	gd_result_envelope(o, GD_RESULT_WHEEL, NULL, 0);
	return o;
}

/* --docs: the report keeps the debrief asked, the standard one when the
 * scenario has none. 0, or what gd_docs_write says (said why). */
static int
wheel_commit(const struct wheel *w, json_t *o)
{
	json_t *tt = json_object_get(o, "tabletop");
	char date[32], err[4096];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	int rc;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, "date", json_string(date));
	if (json_is_object(tt) && json_array_size(json_object_get(tt, "questions")) == 0) {
		json_t *qs = json_array();

		for (i = 0; i < sizeof(debrief) / sizeof(debrief[0]); i++)
			json_array_append_new(qs, json_string(debrief[i]));
		json_object_set_new(tt, "questions", qs);
	}
	if ((rc = gd_docs_commit_wheel(&w->docs, o, err, sizeof(err))) != 0)
		gd_warnx("wheel: %s", err);
	return rc;
}

static void
wheel_print(const struct wheel *w, int committed)
{
	const struct gd_wheel_person *who = &w->wp[w->pick.person];
	unsigned long long v = who->plays;
	size_t i;

	printf("seed: %llu  (replay: gameday wheel --seed %llu)\n", w->seed, w->seed);
	printf("scenario: %s: %s\n", w->ws[w->pick.scenario].id, jstr(w->cat[w->pick.scenario].desc, "title"));
	printf("participant: %s (played %llu time%s%s)\n", who->name, v, v == 1 ? "" : "s",
	    w->pick.ties > 1 ? ", a tie broken by the seed" : "");
	if (w->nrecent > 0) {
		printf("not picked (last %zu played):", w->nrecent);
		for (i = 0; i < w->nrecent; i++)
			printf(" %s", w->recent[i]);
		putchar('\n');
	}
	if (w->tabletop)
		print_tabletop(w->cat[w->pick.scenario].desc, who->name);
	if (committed)
		printf("\nreport committed to %s\n", w->docs.docs);
}

/* A spin that is not played live: the pick (and tabletop) printed, as JSON,
 * into the doc repo and the metrics. */
static int
wheel_report(const struct wheel *w)
{
	char err[4096];
	json_t *o = NULL;
	int rc = 0, failed = 0;

	if (w->json || w->docs.docs != NULL) {
		o = wheel_result(w);
		if (w->json) {
			json_dumpf(o, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
		}
		if (w->docs.docs != NULL && (rc = wheel_commit(w, o)) != 0)
			failed = 1;
		json_decref(o);
	}
	if (w->metrics != NULL && gd_report_wheel_metrics_write(w->ws[w->pick.scenario].id,
	    w->wp[w->pick.person].name, NULL, w->metrics, err, sizeof(err)) != 0) {
		gd_warnx("wheel: %s", err);
		failed = 1;
	}
	if (!w->json)
		wheel_print(w, w->docs.docs != NULL && (rc == 0 || rc == GD_DOCS_UNPUSHED));
	return failed ? GD_EXIT_UNREACHABLE : GD_EXIT_OK;
}

static void
wheel_free(struct wheel *w)
{
	size_t i;

	for (i = 0; i < w->ncat; i++) {
		free(w->cat[i].file);
		json_decref(w->cat[i].desc);
	}
	free(w->cat);
	free(w->ws);
	free(w->wp);
	free(w->recent);
	free(w->plays);
	json_decref(w->hist);
	gd_roster_free(&w->r);
	free(w->roster_path);
	free(w->catalog);
}

int
gd_cmd_wheel(int argc, char **argv)
{
	struct wheel w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.norep = 3;
	w.limit_ms = 15 * 60000;
	w.ro.inventory = getenv("GAMEDAY_INVENTORY");
	if ((ret = wheel_args(&w, argc, argv)) != 0)
		return ret - 1;
	ret = wheel_spin(&w);
	if (ret < 0)
		ret = w.live ? wheel_live(&w) : wheel_report(&w);
	wheel_free(&w);
	return ret;
}
