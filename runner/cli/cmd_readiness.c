/* cmd_readiness.c: `gameday readiness`, the pre-on-call gate: a profile of
 * required scores and drills checked against past results. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "gd.h"
#include "report.h"
#include "docs.h"
#include "result.h"
#include "roster.h"
#include "yamltree.h"

static const char readiness_usage[] =
"usage: gameday readiness NAME --profile FILE [--history DIR] [--roster FILE]\n"
"                         [--docs DIR [--author 'N <E>'] [--branch B] [--no-push]]\n"
"                         [--metrics FILE]\n"
"\n"
"Is NAME ready to join the on-call rota? Checks a profile against NAME's past\n"
"results and prints READY or NOT READY with each item that is missing.\n"
"\n"
"The profile (YAML, see scenarios/readiness.yaml):\n"
"  profile: pre-oncall\n"
"  banks:  { oncall: 70 }                  # percent of a bank, its latest result\n"
"  topics: { troubleshooting: 60 }         # percent of a topic, its latest result\n"
"  drills:\n"
"    live:    { count: 1, within_days: 90 }   # game days with verdict pass\n"
"    restore: { count: 1, within_days: 180 }  # restore drills with verdict pass\n"
"\n"
"The history is every result the one reader finds in DIR: a doc repo's\n"
"ha-tests/, restore-drills/ and internal-tests/ (what --docs wrote), or the\n"
"*.json of a plain directory:\n"
"  quiz results     `gameday quiz ... --docs DIR` or `--out DIR/NAME.json`\n"
"  game days        `gameday run --participant NAME --docs DIR` (or --json),\n"
"                   and live wheel sessions, which name their player\n"
"  restore drills   `gameday drill --participant NAME --docs DIR` (or --json)\n"
"A result counts for NAME when its participants name NAME; a dry run does not\n"
"count as a drill, nor does one that did not pass.\n"
"\n"
"options:\n"
"  -p, --profile FILE   the requirements (required)\n"
"  -H, --history DIR    the past results (default: the --docs repo)\n"
"  -r, --roster FILE    NAME must be a participant there\n"
"      --metrics FILE   write a Prometheus textfile: gameday_readiness_ready and\n"
"                       gameday_readiness_missing, labelled with the participant\n"
"      --docs DIR       also commit the check's report there:\n"
"                       internal-tests/readiness/DATE-NAME.{md,json} and its index\n"
"  -h, --help           this help (and the doc repo's options below)\n"
"\n"
"example:\n"
"  gameday quiz scenarios/banks/oncall.yaml --participant alice --docs ~/ops-docs\n"
"  gameday readiness alice --profile scenarios/readiness.yaml --docs ~/ops-docs\n"
"\n"
"exit status: 0 ready, 1 not ready, 2 bad profile, history or usage, 3 the\n"
"report or metrics could not be written (or pushed)\n\n";

struct need {
	char *name;
	double min;            /* percent, or a count for drills */
	long days;             /* drills: within this many days */
};

struct profile {
	char *id;
	struct need *banks, *topics;
	size_t nbanks, ntopics;
	struct need live, restore;   /* name NULL when not required */
};

/* "70", "70%" or "62.5 %" into v, within lo..hi. */
static int
number(const struct gd_yaml_ctx *c, const struct gd_ynode *n, const char *what, double lo, double hi, double *v)
{
	char *end;

	if (n->kind != GD_Y_SCALAR)
		return gd_yaml_errf(c, n->line, "%s must be a number", what);
	errno = 0;
	*v = strtod(n->str, &end);
	while (*end == ' ')
		end++;
	if (*end == '%')
		end++;
	if (end == n->str || *end != '\0' || errno != 0 || !(*v >= lo && *v <= hi))
		return gd_yaml_errf(c, n->line, "%s must be a number from %g to %g, not '%s'", what, lo, hi, n->str);
	return 0;
}

static int
read_scores(const struct gd_yaml_ctx *c, const struct gd_ynode *m, const char *what, struct need **out,
    size_t *nout)
{
	size_t i;

	if (m->kind != GD_Y_MAP)
		return gd_yaml_errf(c, m->line, "%s must be a mapping of name to percent, like { oncall: 70 }", what);
	*out = gd_xcalloc(m->n / 2 + 1, sizeof(**out));
	for (i = 0; i < m->n; i += 2) {
		char w[128];

		snprintf(w, sizeof(w), "%s.%s", what, m->kids[i]->str);
		if (number(c, m->kids[i + 1], w, 0, 100, &(*out)[*nout].min) != 0)
			return -1;
		(*out)[(*nout)++].name = gd_xstrdup(m->kids[i]->str);
	}
	return 0;
}

static int
read_drill(const struct gd_yaml_ctx *c, const struct gd_ynode *m, const char *what, struct need *d)
{
	const struct gd_ynode *k, *v;
	double days = 0;
	size_t i;

	if (m->kind != GD_Y_MAP)
		return gd_yaml_errf(c, m->line, "drills.%s must be { count: N, within_days: D }", what);
	for (i = 0; i < m->n; i += 2)
		if (strcmp(m->kids[i]->str, "count") != 0 && strcmp(m->kids[i]->str, "within_days") != 0)
			return gd_yaml_errf(c, m->kids[i]->line, "drills.%s: unknown key '%s' (count, within_days)", what,
			    m->kids[i]->str);
	if ((k = gd_yaml_get(m, "count")) == NULL || (v = gd_yaml_get(m, "within_days")) == NULL)
		return gd_yaml_errf(c, m->line, "drills.%s needs count and within_days", what);
	if (number(c, k, "count", 0, 1000, &d->min) != 0 || number(c, v, "within_days", 1, 36500, &days) != 0)
		return -1;
	if (d->min != floor(d->min) || days != floor(days))
		return gd_yaml_errf(c, k->line, "drills.%s: count and within_days are whole numbers", what);
	d->days = (long)days;
	d->name = gd_xstrdup(what);
	return 0;
}

static int
read_profile(const struct gd_yaml_ctx *c, struct profile *p, const struct gd_ynode *root)
{
	static const char *const top[] = { "profile", "title", "banks", "topics", "drills", NULL };
	const struct gd_ynode *n;
	size_t i, k;

	if (root == NULL || root->kind != GD_Y_MAP)
		return gd_yaml_errf(c, root != NULL ? root->line : 1, "a profile is a mapping with banks, topics, drills");
	for (i = 0; i < root->n; i += 2) {
		for (k = 0; top[k] != NULL; k++)
			if (strcmp(root->kids[i]->str, top[k]) == 0)
				break;
		if (top[k] == NULL)
			return gd_yaml_errf(c, root->kids[i]->line, "unknown key '%s' (profile, title, banks, topics, drills)",
			    root->kids[i]->str);
	}
	n = gd_yaml_get(root, "profile");
	p->id = gd_xstrdup(n != NULL && n->kind == GD_Y_SCALAR ? n->str : "profile");
	if ((n = gd_yaml_get(root, "banks")) != NULL && read_scores(c, n, "banks", &p->banks, &p->nbanks) != 0)
		return -1;
	if ((n = gd_yaml_get(root, "topics")) != NULL && read_scores(c, n, "topics", &p->topics, &p->ntopics) != 0)
		return -1;
	if ((n = gd_yaml_get(root, "drills")) != NULL) {
		const struct gd_ynode *v;

		if (n->kind != GD_Y_MAP)
			return gd_yaml_errf(c, n->line, "drills must be a mapping with live and restore");
		for (i = 0; i < n->n; i += 2)
			if (strcmp(n->kids[i]->str, "live") != 0 && strcmp(n->kids[i]->str, "restore") != 0)
				return gd_yaml_errf(c, n->kids[i]->line, "drills: unknown kind '%s' (live, restore)",
				    n->kids[i]->str);
		if ((v = gd_yaml_get(n, "live")) != NULL && read_drill(c, v, "live", &p->live) != 0)
			return -1;
		if ((v = gd_yaml_get(n, "restore")) != NULL && read_drill(c, v, "restore", &p->restore) != 0)
			return -1;
	}
	if (p->nbanks + p->ntopics == 0 && p->live.name == NULL && p->restore.name == NULL)
		return gd_yaml_errf(c, root->line, "the profile requires nothing: give banks, topics or drills");
	return 0;
}

static void
profile_free(struct profile *p)
{
	size_t i;

	for (i = 0; i < p->nbanks; i++)
		free(p->banks[i].name);
	for (i = 0; i < p->ntopics; i++)
		free(p->topics[i].name);
	free(p->banks);
	free(p->topics);
	free(p->live.name);
	free(p->restore.name);
	free(p->id);
}

static int
profile_load(struct profile *p, const char *path, char *err, size_t errlen)
{
	struct gd_yaml_ctx c = { path, err, errlen };
	struct gd_yaml_opts o = {
		.what = "a readiness profile", .big = ", not a profile", .max_bytes = 1L << 20,
		.max_depth = 16, .aliases = 0, .mapping = gd_yaml_no_dup_keys,
	};
	struct gd_ynode *root = NULL;
	int ret = -1;

	o.arg = &c;
	if (gd_yaml_load(path, &o, &root, err, errlen) != 0)
		goto out;
	ret = read_profile(&c, p, root);
out:
	gd_yaml_free(root);
	return ret;
}

/* "62%", "62.5%": what the quiz printed, not more digits. */
static const char *
pct(double v, char *buf, size_t len)
{
	snprintf(buf, len, v == floor(v) ? "%.0f%%" : "%.1f%%", v);
	return buf;
}

/* NAME's latest quiz result of bank (topic NULL), or NAME's latest result
 * with that topic; its percent into *v. Borrowed. */
static const json_t *
latest(const json_t *hist, const char *name, const char *bank, const char *topic, double *v)
{
	const json_t *best = NULL, *x;
	long long when = 0;
	size_t i;

	json_array_foreach(hist, i, x) {
		const json_t *t = NULL;

		if (gd_result_kind(x) != GD_RESULT_QUIZ || !gd_result_names(x, name))
			continue;
		if (bank != NULL && strcmp(json_string_value(json_object_get(x, "bank")), bank) != 0)
			continue;
		if (topic != NULL) {
			t = json_object_get(json_object_get(x, "topics"), topic);
			if (!json_is_number(json_object_get(t, "percent")) || json_number_value(json_object_get(t, "max")) <= 0)
				continue;
		}
		if (best != NULL && gd_result_started(x) < when)
			continue;
		best = x;
		when = gd_result_started(x);
		*v = json_number_value(json_object_get(topic != NULL ? t : x, "percent"));
	}
	return best;
}

/* Drills of kind (game days, restore drills) that NAME passed within days of now. */
static long
drills(const json_t *hist, const char *name, enum gd_result_kind kind, long days, time_t now)
{
	const json_t *x;
	long n = 0;
	size_t i;

	json_array_foreach(hist, i, x) {
		const char *verdict = json_string_value(json_object_get(x, "verdict"));

		if (gd_result_kind(x) != kind || !gd_result_names(x, name))
			continue;
		if (verdict == NULL || strcmp(verdict, "pass") != 0 || json_is_true(json_object_get(x, "dry_run")))
			continue;
		if (gd_result_started(x) / 1000 >= (long long)now - (long long)days * 86400)
			n++;
	}
	return n;
}

static void
item(json_t *reqs, const char *kind, const char *rname, double value, double min, long days, int ok,
    size_t *missing, const char *fmt, ...) __attribute__((format(printf, 9, 10)));

/* prints one requirement and records it in reqs; value NaN: no result */
static void
item(json_t *reqs, const char *kind, const char *rname, double value, double min, long days, int ok,
    size_t *missing, const char *fmt, ...)
{
	char text[512];
	json_t *r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	printf("  %-8s %s\n", ok ? "ok" : "missing", text);
	r = json_pack("{s:s, s:s, s:b, s:f, s:s}", "kind", kind, "name", rname, "ok", ok, "min", min,
	    "text", text);
	json_object_set_new(r, "value", value == value ? json_real(value) : json_null());
	if (days > 0)
		json_object_set_new(r, "days", json_integer(days));
	json_array_append_new(reqs, r);
	*missing += !ok;
}

struct readiness {
	const char *profile_path, *history, *roster, *name, *metrics;
	struct gd_docs_opts docs;
};

/* 0 to go on, else 1 + the exit status */
static int
readiness_args(struct readiness *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "history", required_argument, NULL, 'H' },
		{ "roster", required_argument, NULL, 'r' },
		GD_DOCS_LONGOPTS,
		{ "metrics", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:H:r:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': o->profile_path = optarg; break;
		case 'H': o->history = optarg; break;
		case 'r': o->roster = optarg; break;
		case 'M': o->metrics = optarg; break;
		case 'h': fputs(readiness_usage, stdout); fputs(gd_docs_usage, stdout); return 1 + GD_EXIT_OK;
		default:
			if (gd_docs_getopt(ch, optarg, &o->docs))
				break;
			fputs(readiness_usage, stderr);
			return 1 + GD_EXIT_USAGE;
		}
	}
	if (o->history == NULL)
		o->history = o->docs.docs;
	if (optind != argc - 1 || o->profile_path == NULL || o->history == NULL) {
		gd_warnx("readiness: give NAME, --profile FILE and --history DIR (or --docs DIR)");
		fputs(readiness_usage, stderr);
		return 1 + GD_EXIT_USAGE;
	}
	o->name = argv[optind];
	return 0;
}

/* 0 when name is a participant of the roster file; -1 (said why) */
static int
in_roster(const char *roster, const char *name)
{
	struct gd_roster r;
	char err[4096];
	size_t i;
	int found = 0;

	if (gd_roster_load(&r, roster, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		return -1;
	}
	for (i = 0; i < r.npeople; i++)
		found |= strcmp(r.people[i].name, name) == 0;
	gd_roster_free(&r);
	if (!found)
		gd_warnx("%s is not a participant in %s", name, roster);
	return found ? 0 : -1;
}

/* Each score requirement (banks, topics) printed and recorded in reqs. */
static void
check_scores(const struct profile *p, const json_t *hist, const char *name, json_t *reqs, size_t *missing)
{
	char a[32], b[32];
	size_t i, k;

	for (k = 0; k < 2; k++) {
		const struct need *v = k == 0 ? p->banks : p->topics;
		const char *what = k == 0 ? "bank" : "topic";

		for (i = 0; i < (k == 0 ? p->nbanks : p->ntopics); i++) {
			double val = 0;
			int ok;

			if (latest(hist, name, k == 0 ? v[i].name : NULL, k == 0 ? NULL : v[i].name, &val) == NULL) {
				item(reqs, what, v[i].name, NAN, v[i].min, 0, 0, missing, "%s %s: no result", what,
				    v[i].name);
				continue;
			}
			ok = val >= v[i].min;
			item(reqs, what, v[i].name, val, v[i].min, 0, ok, missing, "%s %s: %s %s %s", what, v[i].name,
			    pct(val, a, sizeof(a)), ok ? ">=" : "<", pct(v[i].min, b, sizeof(b)));
		}
	}
}

/* The drill requirements (live game days, restore drills). */
static void
check_drills(const struct profile *p, const json_t *hist, const char *name, time_t now, json_t *reqs,
    size_t *missing)
{
	long n;

	if (p->live.name != NULL) {
		n = drills(hist, name, GD_RESULT_RUN, p->live.days, now);
		item(reqs, "drills", "live", (double)n, p->live.min, p->live.days, n >= p->live.min, missing,
		    "live drills in %ld days: %ld of %.0f", p->live.days, n, p->live.min);
	}
	if (p->restore.name != NULL) {
		n = drills(hist, name, GD_RESULT_DRILL, p->restore.days, now);
		item(reqs, "drills", "restore", (double)n, p->restore.min, p->restore.days,
		    n >= p->restore.min, missing, "restore drills in %ld days: %ld of %.0f", p->restore.days, n,
		    p->restore.min);
	}
}

/* The check as a result, its metrics and its report; the exit status. */
static int
readiness_outputs(const struct readiness *o, const struct profile *p, json_t *reqs, size_t missing,
    size_t total, time_t now, int ret)
{
	char date[32], err[4096];
	struct tm tm;
	json_t *res;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	res = json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:O}", "name", o->name, "profile", p->id,
	    "profile_file", o->profile_path, "date", date, "ready", missing == 0, "missing",
	    (json_int_t)missing, "total", (json_int_t)total, "requirements", reqs);
	gd_result_envelope(res, GD_RESULT_READINESS, NULL, 0);
	if (o->metrics != NULL && gd_report_readiness_metrics_write(res, o->metrics, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		ret = GD_EXIT_UNREACHABLE;
	}
	if (o->docs.docs != NULL) {
		int rc = gd_docs_commit_readiness(&o->docs, res, err, sizeof(err));

		if (rc != 0) {
			gd_warnx("%s", err);
			ret = gd_docs_exit(rc);
		}
		if (rc == 0 || rc == GD_DOCS_UNPUSHED)
			printf("report committed to %s\n", o->docs.docs);
	}
	json_decref(res);
	return ret;
}

int
gd_cmd_readiness(int argc, char **argv)
{
	struct readiness o = { 0 };
	struct profile p = { 0 };
	json_t *reqs = NULL, *hist = NULL;
	char err[4096];
	size_t missing = 0, total;
	time_t now = time(NULL);
	int ret;

	if ((ret = readiness_args(&o, argc, argv)) != 0)
		return ret - 1;
	ret = GD_EXIT_USAGE;
	if (profile_load(&p, o.profile_path, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		goto out;
	}
	if (o.roster != NULL && in_roster(o.roster, o.name) != 0)
		goto out;
	if (gd_results_load(o.history, &hist, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		goto out;
	}
	reqs = json_array();
	printf("readiness of %s against %s (%s)\n", o.name, p.id, o.profile_path);
	check_scores(&p, hist, o.name, reqs, &missing);
	check_drills(&p, hist, o.name, now, reqs, &missing);
	total = p.nbanks + p.ntopics + (p.live.name != NULL) + (p.restore.name != NULL);
	if (missing == 0) {
		printf("READY: %s meets all %zu requirement%s\n", o.name, total, total == 1 ? "" : "s");
		ret = GD_EXIT_OK;
	} else {
		printf("NOT READY: %s misses %zu of %zu requirement%s\n", o.name, missing, total,
		    total == 1 ? "" : "s");
		ret = GD_EXIT_FAIL;
	}
	fflush(stdout);
	ret = readiness_outputs(&o, &p, reqs, missing, total, now, ret);
out:
	json_decref(reqs);
	json_decref(hist);
	profile_free(&p);
	return ret;
}
