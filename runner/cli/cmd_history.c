/* cmd_history.c: `gameday history`: the doc repo's results, read by the one
 * reader, as distributions (TTD, TTM, TTR, RTO; quiz scores). */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "date.h"
#include "gd.h"
#include "duration.h"
#include "history.h"
#include "result.h"

#define NBUCKETS 8
#define BARWIDTH 24

static const char history_usage[] =
"usage: gameday history [--docs DIR] [--since YYYY-MM-DD] [--scenario ID] [--json]\n"
"       gameday history --alerts RULES.yml... [--docs DIR] [--json]   (alert coverage)\n"
"\n"
"Reads the results that `--docs DIR` wrote into the doc repo and shows how the\n"
"team really does, as distributions rather than averages (one slow night hides\n"
"in a mean; it shows in p90, max and the histogram):\n"
"\n"
"  ha-tests/*.json         game days and live wheel sessions, per scenario and\n"
"                          overall: TTD (time to detect), TTM (to mitigate: live\n"
"                          sessions only, when the game master said so) and TTR\n"
"                          (to resolve: the steady state back), each measured\n"
"                          from the first fault injected, as in every report\n"
"  restore-drills/*.json   restore drills, per drill and overall: the RTO of the\n"
"                          drills that passed; the durations of failed drills\n"
"                          are shown apart, never mixed into the RTO\n"
"  internal-tests/*.json   quizzes: each topic's score per month (count, p50, min)\n"
"\n"
"Each distribution shows count, p50, p90, max and a histogram of up to 8\n"
"equal-width buckets running from the minimum to the maximum (fewer when\n"
"narrower buckets would print the same label twice). Percentiles use the\n"
"nearest-rank method: pN is the value at rank ceil(N/100 * count) in sorted\n"
"order, so it is always a value that was measured (of 2 values, p50 is the\n"
"smaller one and p90 the larger). Dry runs are left out.\n"
"\n"
"options:\n"
"      --docs DIR        the doc repo (default: the current directory)\n"
"      --since DATE      only results on or after DATE (YYYY-MM-DD, UTC, the\n"
"                        day the result started)\n"
"      --scenario ID     only game days of scenario ID and drills with that id\n"
"      --json            the same figures as JSON (times in ms, percents as numbers)\n"
"  -h, --help            this help\n"
"\n"
"examples:\n"
"  gameday history --docs ~/ops-docs\n"
"  gameday history --docs ~/ops-docs --since 2026-01-01 --scenario web-killed\n"
"  gameday history --docs ~/ops-docs --json | jq '.game_days.overall.ttd.p90'\n"
"\n"
"exit status: 0 shown, 1 no results in DIR (after the filters), 2 usage or a\n"
"result that is not valid JSON (the message names the file)\n";

/* game days: TTD, TTM, TTR; drills: RTO (passed), duration (failed) */
#define NSERIES 3
static const char *const game_keys[NSERIES] = { "ttd", "ttm", "ttr" };
static const char *const drill_keys[2] = { "rto", "failed" };

struct series {
	char *id, *title;
	size_t runs;
	struct gd_dist d[NSERIES];
};

struct monthly {
	char *topic, month[8];
	struct gd_dist pct;  /* percent * 100, in whole hundredths */
};

struct history {
	const char *docs, *since, *scenario;
	struct series *games, *drills;
	size_t ngames, ndrills, nquizzes;
	struct monthly *months;
	size_t nmonths;
};

static struct series *
series_get(struct series **v, size_t *n, const char *id, const char *title)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].id, id) == 0)
			return &(*v)[i];
	*v = gd_xrealloc(*v, (*n + 1) * sizeof(**v));
	memset(&(*v)[*n], 0, sizeof(**v));
	(*v)[*n].id = gd_xstrdup(id);
	(*v)[*n].title = gd_xstrdup(title != NULL ? title : "");
	return &(*v)[(*n)++];
}

static struct gd_dist *
month_get(struct history *h, const char *topic, const char *month)
{
	size_t i;

	for (i = 0; i < h->nmonths; i++)
		if (strcmp(h->months[i].topic, topic) == 0 && strncmp(h->months[i].month, month, 7) == 0)
			return &h->months[i].pct;
	h->months = gd_xrealloc(h->months, (h->nmonths + 1) * sizeof(*h->months));
	memset(&h->months[h->nmonths], 0, sizeof(*h->months));
	h->months[h->nmonths].topic = gd_xstrdup(topic);
	snprintf(h->months[h->nmonths].month, sizeof(h->months[0].month), "%.7s", month);
	return &h->months[h->nmonths++].pct;
}

static void
series_free(struct series *v, size_t n)
{
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < NSERIES; k++)
			gd_dist_free(&v[i].d[k]);
		free(v[i].id);
		free(v[i].title);
	}
	free(v);
}

static void
add_game(struct history *h, const json_t *res)
{
	const char *id = json_string_value(json_object_get(res, "id"));
	struct gd_result_times t;
	struct series *s;

	if (h->scenario != NULL && strcmp(h->scenario, id) != 0)
		return;
	s = series_get(&h->games, &h->ngames, id,
	    json_string_value(json_object_get(json_object_get(res, "scenario"), "title")));
	s->runs++;
	gd_result_times(res, &t);  /* the one definition, as every report has it */
	if (t.ttd >= 0)
		gd_dist_add(&s->d[0], t.ttd);
	if (t.ttm >= 0)
		gd_dist_add(&s->d[1], t.ttm);
	if (t.ttr >= 0)
		gd_dist_add(&s->d[2], t.ttr);
}

static long long
num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) && json_number_value(v) >= 0 ? (long long)json_number_value(v) : -1;
}

/* a passed drill's RTO; a failed one's time to its end, apart */
static void
add_drill(struct history *h, const json_t *res)
{
	const char *id = json_string_value(json_object_get(res, "id"));
	struct series *s;
	long long v;

	if (h->scenario != NULL && strcmp(h->scenario, id) != 0)
		return;
	s = series_get(&h->drills, &h->ndrills, id, json_string_value(json_object_get(res, "title")));
	s->runs++;
	if (strcmp(json_string_value(json_object_get(res, "verdict")), "pass") == 0) {
		if (num(res, "rto_ms") >= 0)
			gd_dist_add(&s->d[0], num(res, "rto_ms"));
	} else if ((v = num(res, "duration_ms")) >= 0 || (v = num(res, "rto_ms")) >= 0) {
		gd_dist_add(&s->d[1], v);
	}
}

static void
add_quiz(struct history *h, const json_t *res, const char *date)
{
	const char *name;
	json_t *t;

	if (h->scenario != NULL)
		return;
	h->nquizzes++;
	if (json_is_number(json_object_get(res, "percent")))
		gd_dist_add(month_get(h, "(all topics)", date),
		    llround(json_number_value(json_object_get(res, "percent")) * 100));
	json_object_foreach(json_object_get(res, "topics"), name, t)
		if (json_is_number(json_object_get(t, "percent")))
			gd_dist_add(month_get(h, name, date),
			    llround(json_number_value(json_object_get(t, "percent")) * 100));
}

/* The doc repo's results into h; -1 with err on a bad one. */
static int
load(struct history *h, char *err, size_t errlen)
{
	json_t *all = NULL, *res;
	char date[11];
	size_t i;

	if (gd_results_load(h->docs, &all, err, errlen) != 0)
		return -1;
	json_array_foreach(all, i, res) {
		if (json_is_true(json_object_get(res, "dry_run")))
			continue;
		gd_date_day(gd_result_started(res) / 1000, date);
		if (gd_result_started(res) > 0 && !gd_history_since(date, h->since))
			continue;
		switch (gd_result_kind(res)) {
		case GD_RESULT_RUN: add_game(h, res); break;
		case GD_RESULT_DRILL: add_drill(h, res); break;
		case GD_RESULT_QUIZ:
			if (gd_result_started(res) > 0)
				add_quiz(h, res, date);
			break;
		default: break;
		}
	}
	json_decref(all);
	return 0;
}

static const char *
fmt_ms(long long v, char *buf, size_t len)
{
	return gd_duration_fmt(v, buf, len);
}

static json_t *
dist_json(struct gd_dist *d)
{
	size_t counts[NBUCKETS], i, nb;
	long long edges[NBUCKETS + 1];
	json_t *c;

	if (d->n == 0)
		return json_pack("{s:i}", "count", 0);
	nb = gd_dist_hist(d, NBUCKETS, counts, edges, fmt_ms);
	c = json_array();
	for (i = 0; i < nb; i++)
		json_array_append_new(c, json_pack("{s:I,s:I,s:I}", "from", (json_int_t)edges[i],
		    "to", (json_int_t)edges[i + 1], "count", (json_int_t)counts[i]));
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "count", (json_int_t)d->n,
	    "min", (json_int_t)gd_dist_pct(d, 0), "p50", (json_int_t)gd_dist_pct(d, 50),
	    "p90", (json_int_t)gd_dist_pct(d, 90), "max", (json_int_t)gd_dist_pct(d, 100),
	    "histogram", c);
}

static json_t *
series_json(struct series *v, size_t n, int drills)
{
	const char *const *keys = drills ? drill_keys : game_keys;
	struct series all = { 0 };
	json_t *o = json_object(), *per = json_object(), *s;
	size_t i, j;
	int k, nk = drills ? 2 : NSERIES;

	for (i = 0; i < n; i++) {
		s = json_pack("{s:I}", "runs", (json_int_t)v[i].runs);
		if (*v[i].title != '\0')
			json_object_set_new(s, "title", json_string(v[i].title));
		all.runs += v[i].runs;
		for (k = 0; k < nk; k++) {
			for (j = 0; j < v[i].d[k].n; j++)
				gd_dist_add(&all.d[k], v[i].d[k].v[j]);
			json_object_set_new(s, keys[k], dist_json(&v[i].d[k]));
		}
		json_object_set_new(per, v[i].id, s);
	}
	s = json_pack("{s:I}", "runs", (json_int_t)all.runs);
	for (k = 0; k < nk; k++) {
		json_object_set_new(s, keys[k], dist_json(&all.d[k]));
		gd_dist_free(&all.d[k]);
	}
	json_object_set_new(o, "overall", s);
	json_object_set_new(o, drills ? "drills" : "scenarios", per);
	return o;
}

static int
cmp_month(const void *a, const void *b)
{
	const struct monthly *x = a, *y = b;
	int c = strcmp(x->topic, y->topic);

	return c != 0 ? c : strcmp(x->month, y->month);
}

static json_t *
quizzes_json(struct history *h)
{
	json_t *o = json_object(), *arr;
	size_t i;

	if (h->nmonths > 0)
		qsort(h->months, h->nmonths, sizeof(*h->months), cmp_month);
	for (i = 0; i < h->nmonths; i++) {
		struct gd_dist *d = &h->months[i].pct;

		if ((arr = json_object_get(o, h->months[i].topic)) == NULL)
			json_object_set_new(o, h->months[i].topic, arr = json_array());
		json_array_append_new(arr, json_pack("{s:s,s:I,s:f,s:f}", "month", h->months[i].month,
		    "count", (json_int_t)d->n, "p50", gd_dist_pct(d, 50) / 100.0,
		    "min", gd_dist_pct(d, 0) / 100.0));
	}
	return json_pack("{s:I,s:o}", "count", (json_int_t)h->nquizzes, "topics", o);
}

static long long
jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void
print_dist(const char *label, const json_t *d, const char *none)
{
	char a[32], b[32], c[32], e[32];
	long long top = 1;
	size_t i;
	json_t *bk;

	if (jint(d, "count") == 0) {
		printf("  %-8s %s\n", label, none);
		return;
	}
	printf("  %-8s count %lld  p50 %s  p90 %s  max %s  (min %s)\n", label, jint(d, "count"),
	    gd_duration_fmt(jint(d, "p50"), a, sizeof(a)), gd_duration_fmt(jint(d, "p90"), b, sizeof(b)),
	    gd_duration_fmt(jint(d, "max"), c, sizeof(c)), gd_duration_fmt(jint(d, "min"), e, sizeof(e)));
	json_array_foreach(json_object_get(d, "histogram"), i, bk)
		if (jint(bk, "count") > top)
			top = jint(bk, "count");
	json_array_foreach(json_object_get(d, "histogram"), i, bk) {
		long long n = jint(bk, "count"), w = (n * BARWIDTH + top - 1) / top, j;

		printf("    %10s .. %-10s |", gd_duration_fmt(jint(bk, "from"), a, sizeof(a)),
		    gd_duration_fmt(jint(bk, "to"), b, sizeof(b)));
		for (j = 0; j < w; j++)
			putchar('#');
		printf(" %lld\n", n);
	}
}

static const char *
runs(long long n, const char *what, char *buf, size_t len)
{
	snprintf(buf, len, "%lld %s%s", n, what, n == 1 ? "" : "s");
	return buf;
}

static void
print_game(const json_t *s)
{
	print_dist("TTD", json_object_get(s, "ttd"), "no detection measured");
	print_dist("TTM", json_object_get(s, "ttm"), "no live session mitigated");
	print_dist("TTR", json_object_get(s, "ttr"), "no recovery measured");
}

static void
print_drill(const json_t *s)
{
	print_dist("RTO", json_object_get(s, "rto"), "no drill passed");
	if (jint(json_object_get(s, "failed"), "count") > 0)
		print_dist("failed", json_object_get(s, "failed"), "");
}

static void
print_quizzes(const json_t *q)
{
	const char *id;
	json_t *arr, *m;
	size_t i;

	printf("\nquiz scores per topic, per month (%lld quizzes; percent)\n", jint(q, "count"));
	printf("  %-28s %-8s %5s %6s %6s\n", "topic", "month", "count", "p50", "min");
	json_object_foreach((json_t *)json_object_get(q, "topics"), id, arr)
		json_array_foreach(arr, i, m)
			printf("  %-28s %-8s %5lld %6.1f %6.1f\n", id, json_string_value(json_object_get(m, "month")),
			    jint(m, "count"), json_real_value(json_object_get(m, "p50")),
			    json_real_value(json_object_get(m, "min")));
}

static void
print_text(const json_t *o)
{
	const json_t *g = json_object_get(o, "game_days"), *dr = json_object_get(o, "drills"), *s;
	const char *id;
	char a[32];

	printf("history of %s", json_string_value(json_object_get(o, "docs")));
	if (json_is_string(json_object_get(o, "since")))
		printf(" since %s", json_string_value(json_object_get(o, "since")));
	if (json_is_string(json_object_get(o, "scenario")))
		printf(", scenario %s", json_string_value(json_object_get(o, "scenario")));
	printf("\npercentiles by nearest rank: pN is the value at rank ceil(N/100 * count);\n"
	    "TTD, TTM, TTR: time to detect, mitigate, resolve, from the first injection\n");
	if (jint(json_object_get(g, "overall"), "runs") > 0) {
		printf("\ngame days, all scenarios (%s)\n", runs(jint(json_object_get(g, "overall"), "runs"), "run",
		    a, sizeof(a)));
		print_game(json_object_get(g, "overall"));
		json_object_foreach((json_t *)json_object_get(g, "scenarios"), id, s) {
			printf("\nscenario %s: %s (%s)\n", id, json_string_value(json_object_get(s, "title")),
			    runs(jint(s, "runs"), "run", a, sizeof(a)));
			print_game(s);
		}
	}
	if (jint(json_object_get(dr, "overall"), "runs") > 0) {
		printf("\nrestore drills, all (%s)\n", runs(jint(json_object_get(dr, "overall"), "runs"), "drill",
		    a, sizeof(a)));
		print_drill(json_object_get(dr, "overall"));
		json_object_foreach((json_t *)json_object_get(dr, "drills"), id, s) {
			printf("\ndrill %s (%s)\n", id, runs(jint(s, "runs"), "drill", a, sizeof(a)));
			print_drill(s);
		}
	}
	if (jint(json_object_get(o, "quizzes"), "count") > 0)
		print_quizzes(json_object_get(o, "quizzes"));
}

static int
valid_date(const char *s)
{
	long long t;

	return strlen(s) == 10 && gd_date_parse(s, &t) == 0;
}

static void
history_free(struct history *h)
{
	size_t i;

	series_free(h->games, h->ngames);
	series_free(h->drills, h->ndrills);
	for (i = 0; i < h->nmonths; i++) {
		free(h->months[i].topic);
		gd_dist_free(&h->months[i].pct);
	}
	free(h->months);
}

/* 0 to go on, else 1 + the exit status */
static int
history_args(struct history *h, int *json, int argc, char **argv)
{
	enum { O_DOCS = 256, O_SINCE, O_SCENARIO, O_JSON };
	static const struct option longopts[] = {
		{ "docs", required_argument, NULL, O_DOCS },
		{ "since", required_argument, NULL, O_SINCE },
		{ "scenario", required_argument, NULL, O_SCENARIO },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case O_DOCS: h->docs = optarg; break;
		case O_SINCE: h->since = optarg; break;
		case O_SCENARIO: h->scenario = optarg; break;
		case O_JSON: *json = 1; break;
		case 'h': fputs(history_usage, stdout); return 1 + GD_EXIT_OK;
		default: fputs(history_usage, stderr); return 1 + GD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		gd_warnx("history: unexpected argument '%s'", argv[optind]);
		return 1 + GD_EXIT_USAGE;
	}
	if (h->since != NULL && !valid_date(h->since)) {
		gd_warnx("history: --since %s: want a date YYYY-MM-DD", h->since);
		return 1 + GD_EXIT_USAGE;
	}
	return 0;
}

int
gd_cmd_history(int argc, char **argv)
{
	struct history h = { .docs = "." };
	char err[GD_ERRLEN];
	json_t *o = NULL;
	int json = 0, ret;

	if (gd_history_alerts_wanted(argc, argv))
		return gd_cmd_history_alerts(argc, argv);
	if ((ret = history_args(&h, &json, argc, argv)) != 0)
		return ret - 1;
	ret = GD_EXIT_USAGE;
	if (load(&h, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		goto out;
	}
	if (h.ngames == 0 && h.ndrills == 0 && h.nquizzes == 0) {
		gd_warnx("no results in %s%s%s%s%s", h.docs, h.since ? " since " : "", h.since ? h.since : "",
		    h.scenario ? " for " : "", h.scenario ? h.scenario : "");
		ret = GD_EXIT_FAIL;
		goto out;
	}
	o = json_pack("{s:s,s:o,s:o,s:s,s:s,s:o,s:o,s:o}", "docs", h.docs,
	    "since", h.since ? json_string(h.since) : json_null(),
	    "scenario", h.scenario ? json_string(h.scenario) : json_null(), "unit", "ms",
	    "percentiles", "nearest-rank", "game_days", series_json(h.games, h.ngames, 0),
	    "drills", series_json(h.drills, h.ndrills, 1), "quizzes", quizzes_json(&h));
	if (json) {
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		print_text(o);
	}
	ret = GD_EXIT_OK;
out:
	json_decref(o);
	history_free(&h);
	return ret;
}
