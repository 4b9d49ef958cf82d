/* cmd_history.c: `gameday history`: the doc repo's JSON twins read back as
 * distributions (time to detect, mitigate, resolve, RTO; quiz scores). */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "duration.h"
#include "history.h"
#include "runbook.h"

#define NBUCKETS 8
#define BARWIDTH 24

static const char history_usage[] =
"usage: gameday history [--docs DIR] [--since YYYY-MM-DD] [--scenario ID] [--json]\n"
"\n"
"Reads the JSON twins that `--docs DIR` wrote into the doc repo and shows how\n"
"the team really does, as distributions rather than averages (one slow night\n"
"hides in a mean; it shows in p90, max and the histogram):\n"
"\n"
"  ha-tests/*.json         game days and live wheel sessions, per scenario and\n"
"                          overall: time to detect, to mitigate (live sessions\n"
"                          only: when the player said so), to resolve/recover;\n"
"                          all measured from the first fault injected\n"
"  restore-drills/*.json   restore drills, per drill and overall: the RTO\n"
"  internal-tests/*.json   quizzes: each topic's score per month (count, p50, min)\n"
"\n"
"Each distribution shows count, p50, p90, max and a histogram of 8 equal-width\n"
"buckets from the minimum to the maximum. Percentiles use the nearest-rank\n"
"method: pN is the value at rank ceil(N/100 * count) in sorted order, so it is\n"
"always a value that was measured (of 2 values, p50 is the smaller one and\n"
"p90 the larger).\n"
"\n"
"options:\n"
"      --docs DIR        the doc repo (default: the current directory)\n"
"      --since DATE      only results on or after DATE (YYYY-MM-DD, UTC; taken\n"
"                        from the file name, else the result's own date)\n"
"      --scenario ID     only game days of scenario ID and drills with that id\n"
"      --json            the same figures as JSON (times in ms, percents as numbers)\n"
"  -h, --help            this help\n"
"\n"
"examples:\n"
"  gameday history --docs ~/ops-docs\n"
"  gameday history --docs ~/ops-docs --since 2026-01-01 --scenario web-killed\n"
"  gameday history --docs ~/ops-docs --json | jq '.game_days.overall.detect.p90'\n"
"\n"
"exit status: 0 shown, 1 no results in DIR (after the filters), 2 usage or a\n"
"twin that is not valid JSON (the message names the file)\n";

struct series {
	char *id, *title;
	size_t runs;
	struct gd_dist d[3];  /* game days: detect, mitigate, resolve; drills: d[0] is RTO */
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
		for (k = 0; k < 3; k++)
			gd_dist_free(&v[i].d[k]);
		free(v[i].id);
		free(v[i].title);
	}
	free(v);
}

static long long
num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? (long long)json_number_value(v) : -1;
}

/* ms from the first fault injected to res[key]; -1 when either is unknown */
static long long
since_inject(const json_t *res, const char *key)
{
	long long inj = -1, t, at = num(res, key);
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(res, "faults"), i, f) {
		t = num(f, "injected_ms");
		if (t >= 0 && (inj < 0 || t < inj))
			inj = t;
	}
	if (inj < 0 || at < 0)
		return -1;
	return at > inj ? at - inj : 0;
}

static void
add_game(struct history *h, const json_t *res)
{
	const json_t *sc = json_object_get(res, "scenario"), *live = json_object_get(res, "live");
	const char *id = json_string_value(json_object_get(sc, "id"));
	struct series *s;
	long long v[3];
	int k;

	if (id == NULL)
		id = "unknown";
	if (h->scenario != NULL && strcmp(h->scenario, id) != 0)
		return;
	s = series_get(&h->games, &h->ngames, id, json_string_value(json_object_get(sc, "title")));
	s->runs++;
	if (json_is_object(live)) {  /* a live session: times from the first inject */
		v[0] = num(live, "detected_ms");
		v[1] = num(live, "mitigated_ms");
		v[2] = num(live, "resolved_ms");
	} else {
		v[0] = since_inject(res, "detected_ms");
		v[1] = -1;
		v[2] = since_inject(res, "recovered_ms");
	}
	for (k = 0; k < 3; k++)
		if (v[k] >= 0)
			gd_dist_add(&s->d[k], v[k]);
}

static void
add_drill(struct history *h, const json_t *res)
{
	const char *id = json_string_value(json_object_get(res, "id"));
	struct series *s;

	if (id == NULL)
		id = "unknown";
	if (h->scenario != NULL && strcmp(h->scenario, id) != 0)
		return;
	s = series_get(&h->drills, &h->ndrills, id, NULL);
	s->runs++;
	if (num(res, "rto_ms") >= 0)
		gd_dist_add(&s->d[0], num(res, "rto_ms"));
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

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the .json files of DIR/sub in name order into h; -1 with err on a bad twin. */
static int
load_dir(struct history *h, const char *sub, char *err, size_t errlen)
{
	char *dir = gd_xasprintf("%s/%s", h->docs, sub), **names = NULL;
	size_t n = 0, i;
	int ret = -1;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL) {
		free(dir);
		if (errno == ENOENT)
			return 0;
		return gd_errf(err, errlen, "cannot read %s/%s: %s", h->docs, sub, strerror(errno));
	}
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0 && e->d_name[0] != '.') {
			names = gd_xrealloc(names, (n + 1) * sizeof(char *));
			names[n++] = gd_xstrdup(e->d_name);
		}
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(char *), cmp_name);
	for (i = 0; i < n; i++) {
		char *path = gd_xasprintf("%s/%s", dir, names[i]), date[11];
		json_error_t je;
		json_t *res = json_load_file(path, 0, &je);

		if (res == NULL || !json_is_object(res)) {
			if (res == NULL)
				gd_errf(err, errlen, "%s: line %d: not valid JSON: %s", path, je.line, je.text);
			else
				gd_errf(err, errlen, "%s: not a JSON object", path);
			json_decref(res);
			free(path);
			goto out;
		}
		if (gd_history_date(names[i], res, date) != 0 || gd_history_since(date, h->since)) {
			if (strcmp(sub, "ha-tests") == 0)
				add_game(h, res);
			else if (strcmp(sub, "restore-drills") == 0)
				add_drill(h, res);
			else if (gd_history_date(names[i], res, date) == 0)
				add_quiz(h, res, date);
		}
		json_decref(res);
		free(path);
	}
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(dir);
	return ret;
}

static json_t *
dist_json(struct gd_dist *d)
{
	size_t counts[NBUCKETS], i;
	long long lo, width;
	json_t *o, *c;

	if (d->n == 0)
		return json_pack("{s:i}", "count", 0);
	gd_dist_hist(d, NBUCKETS, counts, &lo, &width);
	c = json_array();
	for (i = 0; i < (width == 0 ? 1 : NBUCKETS); i++)
		json_array_append_new(c, json_pack("{s:I,s:I,s:I}", "from", (json_int_t)(lo + (long long)i * width),
		    "to", (json_int_t)(lo + (long long)(i + 1) * width), "count", (json_int_t)counts[i]));
	o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "count", (json_int_t)d->n,
	    "min", (json_int_t)gd_dist_pct(d, 0), "p50", (json_int_t)gd_dist_pct(d, 50),
	    "p90", (json_int_t)gd_dist_pct(d, 90), "max", (json_int_t)gd_dist_pct(d, 100),
	    "histogram", c);
	return o;
}

static const char *const game_keys[] = { "detect", "mitigate", "resolve" };

static json_t *
games_json(struct series *v, size_t n, int drills)
{
	struct series all = { 0 };
	json_t *o = json_object(), *per = json_object(), *s;
	size_t i, j;
	int k, nk = drills ? 1 : 3;

	for (i = 0; i < n; i++) {
		s = json_pack("{s:I}", "runs", (json_int_t)v[i].runs);
		if (!drills)
			json_object_set_new(s, "title", json_string(v[i].title));
		all.runs += v[i].runs;
		for (k = 0; k < nk; k++) {
			for (j = 0; j < v[i].d[k].n; j++)
				gd_dist_add(&all.d[k], v[i].d[k].v[j]);
			json_object_set_new(s, drills ? "rto" : game_keys[k], dist_json(&v[i].d[k]));
		}
		json_object_set_new(per, v[i].id, s);
	}
	s = json_pack("{s:I}", "runs", (json_int_t)all.runs);
	for (k = 0; k < nk; k++) {
		json_object_set_new(s, drills ? "rto" : game_keys[k], dist_json(&all.d[k]));
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
		printf("  %-10s %s\n", label, none);
		return;
	}
	printf("  %-10s count %lld  p50 %s  p90 %s  max %s  (min %s)\n", label, jint(d, "count"),
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
print_text(const json_t *o)
{
	const json_t *g = json_object_get(o, "game_days"), *dr = json_object_get(o, "drills"), *s, *arr, *m;
	const char *id;
	char a[32];
	size_t i;

	printf("history of %s", json_string_value(json_object_get(o, "docs")));
	if (json_is_string(json_object_get(o, "since")))
		printf(" since %s", json_string_value(json_object_get(o, "since")));
	if (json_is_string(json_object_get(o, "scenario")))
		printf(", scenario %s", json_string_value(json_object_get(o, "scenario")));
	printf("\npercentiles by nearest rank: pN is the value at rank ceil(N/100 * count)\n");
	if (jint(json_object_get(g, "overall"), "runs") > 0) {
		printf("\ngame days, all scenarios (%s)\n", runs(jint(json_object_get(g, "overall"), "runs"), "run", a, sizeof(a)));
		s = json_object_get(g, "overall");
		print_dist("detect", json_object_get(s, "detect"), "no detection measured");
		print_dist("mitigate", json_object_get(s, "mitigate"), "no live session mitigated");
		print_dist("resolve", json_object_get(s, "resolve"), "no recovery measured");
		json_object_foreach((json_t *)json_object_get(g, "scenarios"), id, s) {
			printf("\nscenario %s: %s (%s)\n", id, json_string_value(json_object_get(s, "title")),
			    runs(jint(s, "runs"), "run", a, sizeof(a)));
			print_dist("detect", json_object_get(s, "detect"), "no detection measured");
			print_dist("mitigate", json_object_get(s, "mitigate"), "no live session mitigated");
			print_dist("resolve", json_object_get(s, "resolve"), "no recovery measured");
		}
	}
	if (jint(json_object_get(dr, "overall"), "runs") > 0) {
		printf("\nrestore drills, all (%s)\n", runs(jint(json_object_get(dr, "overall"), "runs"), "drill", a, sizeof(a)));
		print_dist("RTO", json_object_get(json_object_get(dr, "overall"), "rto"), "no RTO measured");
		json_object_foreach((json_t *)json_object_get(dr, "drills"), id, s) {
			printf("\ndrill %s (%s)\n", id, runs(jint(s, "runs"), "drill", a, sizeof(a)));
			print_dist("RTO", json_object_get(s, "rto"), "no RTO measured");
		}
	}
	if (jint(json_object_get(o, "quizzes"), "count") > 0) {
		printf("\nquiz scores per topic, per month (%lld quizzes; percent)\n",
		    jint(json_object_get(o, "quizzes"), "count"));
		printf("  %-28s %-8s %5s %6s %6s\n", "topic", "month", "count", "p50", "min");
		json_object_foreach((json_t *)json_object_get(json_object_get(o, "quizzes"), "topics"), id, arr)
			json_array_foreach(arr, i, m)
				printf("  %-28s %-8s %5lld %6.1f %6.1f\n", id,
				    json_string_value(json_object_get(m, "month")), jint(m, "count"),
				    json_real_value(json_object_get(m, "p50")),
				    json_real_value(json_object_get(m, "min")));
	}
}

static int
valid_date(const char *s)
{
	int i;

	for (i = 0; i < 10; i++)
		if (!(i == 4 || i == 7 ? s[i] == '-' : s[i] >= '0' && s[i] <= '9'))
			return 0;
	return s[10] == '\0';
}

int
gd_cmd_history(int argc, char **argv)
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
	struct history h = { .docs = "." };
	char err[GD_ERRLEN];
	json_t *o = NULL;
	int ch, json = 0, ret = GD_EXIT_USAGE;
	size_t i;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case O_DOCS: h.docs = optarg; break;
		case O_SINCE: h.since = optarg; break;
		case O_SCENARIO: h.scenario = optarg; break;
		case O_JSON: json = 1; break;
		case 'h': fputs(history_usage, stdout); return GD_EXIT_OK;
		default: fputs(history_usage, stderr); return GD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		gd_warnx("history: unexpected argument '%s'", argv[optind]);
		return GD_EXIT_USAGE;
	}
	if (h.since != NULL && !valid_date(h.since)) {
		gd_warnx("history: --since %s: want a date YYYY-MM-DD", h.since);
		return GD_EXIT_USAGE;
	}
	if (load_dir(&h, "ha-tests", err, sizeof(err)) != 0 ||
	    load_dir(&h, "restore-drills", err, sizeof(err)) != 0 ||
	    load_dir(&h, "internal-tests", err, sizeof(err)) != 0) {
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
	    "scenario", h.scenario ? json_string(h.scenario) : json_null(), "unit", "ms", "percentiles", "nearest-rank",
	    "game_days", games_json(h.games, h.ngames, 0),
	    "drills", games_json(h.drills, h.ndrills, 1), "quizzes", quizzes_json(&h));
	if (json) {
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		print_text(o);
	}
	ret = GD_EXIT_OK;
out:
	json_decref(o);
	series_free(h.games, h.ngames);
	series_free(h.drills, h.ndrills);
	for (i = 0; i < h.nmonths; i++) {
		free(h.months[i].topic);
		gd_dist_free(&h.months[i].pct);
	}
	free(h.months);
	return ret;
}
