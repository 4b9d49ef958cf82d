/* wheel.c: the wheel's pick, the roster, and the history directory. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gd.h"
#include "wheel.h"
#include "yamltree.h"

#define MAX_BYTES (1L << 20)
#define MAX_DEPTH 16
#define MAX_HISTORY 100000

/* ---- the pick ---- */

uint64_t
gd_wheel_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A double in [0, 1) from the top 53 bits of a draw. */
static double
unit(uint64_t *state)
{
	return (double)(gd_wheel_rand(state) >> 11) * 0x1.0p-53;
}

double
gd_wheel_weight(const char *const *tags, size_t ntags, const struct gd_wheel_weight *w, size_t nw)
{
	double total = 1;
	size_t i, j;

	for (i = 0; i < ntags; i++)
		for (j = 0; j < nw; j++)
			if (strcmp(tags[i], w[j].tag) == 0)
				total *= w[j].w;
	return total;
}

static int
in_list(const char *id, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(id, list[i]) == 0)
			return 1;
	return 0;
}

int
gd_wheel_pick(const struct gd_wheel_scn *s, size_t ns, const char *const *recent,
    size_t nrecent, const struct gd_wheel_person *p, size_t np, uint64_t seed,
    struct gd_wheel_pick *out, char *err, size_t errlen)
{
	uint64_t state = seed;
	double total = 0, target, cum = 0;
	unsigned least = 0;
	size_t i, k, last = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < ns; i++) {
		if (s[i].weight <= 0 || in_list(s[i].id, recent, nrecent))
			continue;
		total += s[i].weight;
		out->eligible++;
		last = i;
	}
	if (out->eligible == 0)
		return gd_errf(err, errlen, "no scenario left to pick: each of the %zu is among the "
		    "last %zu played or weighs 0", ns, nrecent);
	if (np == 0)
		return gd_errf(err, errlen, "nobody to play: the roster has no participants");
	/* the scenario takes the first draw and the tie the second, always, so
	 * that one does not shift the other */
	target = unit(&state) * total;
	out->scenario = last;   /* rounding can leave target at total */
	for (i = 0; i < ns; i++) {
		if (s[i].weight <= 0 || in_list(s[i].id, recent, nrecent))
			continue;
		cum += s[i].weight;
		if (target < cum) {
			out->scenario = i;
			break;
		}
	}
	for (i = 0; i < np; i++)
		if (i == 0 || p[i].plays < least)
			least = p[i].plays;
	for (i = 0; i < np; i++)
		out->ties += p[i].plays == least;
	k = (size_t)(unit(&state) * (double)out->ties);
	for (i = 0; i < np; i++) {
		if (p[i].plays != least)
			continue;
		if (k-- == 0) {
			out->person = i;
			break;
		}
	}
	return 0;
}

static int
by_when_desc(const void *a, const void *b)
{
	const struct gd_wheel_play *x = a, *y = b;

	if (x->when != y->when)
		return x->when < y->when ? 1 : -1;
	return strcmp(x->scenario, y->scenario);
}

size_t
gd_wheel_recent(struct gd_wheel_play *plays, size_t nplays, size_t n, const char **ids)
{
	size_t i, got = 0;

	if (nplays > 0)
		qsort(plays, nplays, sizeof(*plays), by_when_desc);
	for (i = 0; i < nplays && got < n; i++)
		if (!in_list(plays[i].scenario, ids, got))
			ids[got++] = plays[i].scenario;
	return got;
}

/* ---- dates ---- */

int
gd_wheel_date(const char *s, long long *when)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, m = 0;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &m) != 2)
			return -1;
		s += 1 + m;
		if (*s == ':' && sscanf(s + 1, "%2d%n", &sec, &m) == 1)
			s += 1 + m;
		if (*s == 'Z')
			s++;
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*when = (long long)t;
	return 0;
}

/* ---- the roster ---- */

static int
only_keys(const struct gd_yaml_ctx *c, const struct gd_ynode *m, const char *what, const char *const *keys)
{
	size_t i, k;

	for (i = 0; i < m->n; i += 2) {
		for (k = 0; keys[k] != NULL; k++)
			if (strcmp(m->kids[i]->str, keys[k]) == 0)
				break;
		if (keys[k] == NULL)
			return gd_yaml_errf(c, m->kids[i]->line, "%s: unknown key '%s'", what, m->kids[i]->str);
	}
	return 0;
}

static int
want_text(const struct gd_yaml_ctx *c, const struct gd_ynode *n, const char *what, char **out)
{
	if (n == NULL || n->kind != GD_Y_SCALAR || n->str[0] == '\0' || gd_yaml_is_null(n))
		return gd_yaml_errf(c, n != NULL ? n->line : 0, "%s must be some text", what);
	*out = gd_xstrdup(n->str);
	return 0;
}

static int
want_number(const struct gd_yaml_ctx *c, const struct gd_ynode *n, const char *what, double *v)
{
	char *end;

	if (n->kind != GD_Y_SCALAR)
		return gd_yaml_errf(c, n->line, "%s must be a number", what);
	errno = 0;
	*v = strtod(n->str, &end);
	if (end == n->str || *end != '\0' || errno != 0 || !(*v >= 0 && *v <= 1e6))
		return gd_yaml_errf(c, n->line, "%s must be a number from 0 to 1000000, not '%s'", what, n->str);
	return 0;
}

/* One play: { scenario, date, participant } (participant given by the
 * person it sits under when who is not NULL). */
static int
add_play(const struct gd_yaml_ctx *c, struct gd_roster *r, const struct gd_ynode *n, const char *who)
{
	static const char *const keys[] = { "scenario", "participant", "date", NULL };
	struct gd_wheel_play pl = { 0 };
	const struct gd_ynode *v;
	char *date = NULL;

	if (n->kind != GD_Y_MAP)
		return gd_yaml_errf(c, n->line, "a play must be { scenario: ID, participant: NAME, date: YYYY-MM-DD }");
	if (only_keys(c, n, "play", keys) != 0)
		return -1;
	if (want_text(c, gd_yaml_get(n, "scenario"), "a play's scenario", &pl.scenario) != 0)
		goto bad;
	if ((v = gd_yaml_get(n, "participant")) != NULL) {
		if (want_text(c, v, "a play's participant", &pl.participant) != 0)
			goto bad;
	} else if (who != NULL) {
		pl.participant = gd_xstrdup(who);
	}
	v = gd_yaml_get(n, "date");
	if (want_text(c, v, "a play's date", &date) != 0)
		goto bad;
	if (gd_wheel_date(date, &pl.when) != 0) {
		gd_yaml_errf(c, v->line, "'%s' is not a date like 2024-05-02 or 2024-05-02T10:00:00Z", date);
		goto bad;
	}
	free(date);
	r->plays = gd_xrealloc(r->plays, (r->nplays + 1) * sizeof(*r->plays));
	r->plays[r->nplays++] = pl;
	return 0;
bad:
	free(date);
	free(pl.scenario);
	free(pl.participant);
	return -1;
}

static int
read_roster(const struct gd_yaml_ctx *c, struct gd_roster *r, const struct gd_ynode *root)
{
	static const char *const top[] = { "roster", "title", "no_repeat", "weights", "participants",
		"plays", NULL };
	static const char *const pkeys[] = { "name", "oncall_start", "plays", NULL };
	const struct gd_ynode *n, *v;
	size_t i, j;
	double d;

	if (root == NULL || root->kind != GD_Y_MAP)
		return gd_yaml_errf(c, root != NULL ? root->line : 1, "a roster is a mapping with participants");
	if (only_keys(c, root, "roster", top) != 0)
		return -1;
	if ((n = gd_yaml_get(root, "no_repeat")) != NULL) {
		if (want_number(c, n, "no_repeat", &d) != 0)
			return -1;
		r->no_repeat = (long)d;
	}
	if ((n = gd_yaml_get(root, "weights")) != NULL) {
		if (n->kind != GD_Y_MAP)
			return gd_yaml_errf(c, n->line, "weights must be a mapping of tag to weight, like { network: 3 }");
		r->weights = gd_xcalloc(n->n / 2 + 1, sizeof(*r->weights));
		for (i = 0; i < n->n; i += 2) {
			if (want_number(c, n->kids[i + 1], "a weight", &d) != 0)
				return -1;
			r->weights[r->nweights].tag = gd_xstrdup(n->kids[i]->str);
			r->weights[r->nweights++].w = d;
		}
	}
	n = gd_yaml_get(root, "participants");
	if (n == NULL || n->kind != GD_Y_SEQ)
		return gd_yaml_errf(c, n != NULL ? n->line : root->line, "participants must be a list of { name, oncall_start }");
	r->people = gd_xcalloc(n->n + 1, sizeof(*r->people));
	for (i = 0; i < n->n; i++) {
		const struct gd_ynode *pn = n->kids[i];
		struct gd_roster_person *p = &r->people[r->npeople];

		if (pn->kind != GD_Y_MAP)
			return gd_yaml_errf(c, pn->line, "a participant must be { name: NAME, oncall_start: YYYY-MM-DD }");
		if (only_keys(c, pn, "participant", pkeys) != 0)
			return -1;
		if (want_text(c, gd_yaml_get(pn, "name"), "a participant's name", &p->name) != 0)
			return -1;
		p->line = pn->line;
		r->npeople++;
		for (j = 0; j + 1 < r->npeople; j++)
			if (strcmp(r->people[j].name, p->name) == 0)
				return gd_yaml_errf(c, pn->line, "participant '%s' twice (first at line %zu)", p->name,
				    r->people[j].line);
		if ((v = gd_yaml_get(pn, "oncall_start")) != NULL) {
			long long t;

			if (want_text(c, v, "oncall_start", &p->start) != 0)
				return -1;
			if (gd_wheel_date(p->start, &t) != 0)
				return gd_yaml_errf(c, v->line, "oncall_start '%s' is not a date like 2024-05-02", p->start);
		}
		if ((v = gd_yaml_get(pn, "plays")) != NULL) {
			if (v->kind != GD_Y_SEQ)
				return gd_yaml_errf(c, v->line, "plays must be a list of { scenario, date }");
			for (j = 0; j < v->n; j++)
				if (add_play(c, r, v->kids[j], p->name) != 0)
					return -1;
		}
	}
	if ((n = gd_yaml_get(root, "plays")) != NULL) {
		if (n->kind != GD_Y_SEQ)
			return gd_yaml_errf(c, n->line, "plays must be a list of { scenario, participant, date }");
		for (i = 0; i < n->n; i++)
			if (add_play(c, r, n->kids[i], NULL) != 0)
				return -1;
	}
	return 0;
}

int
gd_roster_load(struct gd_roster *r, const char *path, char *err, size_t errlen)
{
	struct gd_yaml_ctx c = { path, err, errlen };
	struct gd_yaml_opts o = {
		.what = "a roster", .big = ", not a roster", .max_bytes = MAX_BYTES,
		.max_depth = MAX_DEPTH, .aliases = 0, .mapping = gd_yaml_no_dup_keys,
	};
	struct gd_ynode *root = NULL;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	r->no_repeat = -1;
	r->path = gd_xstrdup(path);
	o.arg = &c;
	if (gd_yaml_load(path, &o, &root, err, errlen) != 0)
		goto out;
	ret = read_roster(&c, r, root);
out:
	gd_yaml_free(root);
	if (ret != 0)
		gd_roster_free(r);
	return ret;
}

void
gd_roster_free(struct gd_roster *r)
{
	size_t i;

	for (i = 0; i < r->npeople; i++) {
		free(r->people[i].name);
		free(r->people[i].start);
	}
	for (i = 0; i < r->nweights; i++)
		free(r->weights[i].tag);
	for (i = 0; i < r->nplays; i++) {
		free(r->plays[i].scenario);
		free(r->plays[i].participant);
	}
	free(r->people);
	free(r->weights);
	free(r->plays);
	free(r->path);
	memset(r, 0, sizeof(*r));
	r->no_repeat = -1;
}

/* ---- the history directory ---- */

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
gd_history_load(const char *dir, json_t **out, char *err, size_t errlen)
{
	char **names = NULL;
	size_t n = 0, i;
	json_t *all = json_array();
	struct dirent *e;
	DIR *d;
	int ret = -1;

	*out = NULL;
	if ((d = opendir(dir)) == NULL) {
		gd_errf(err, errlen, "cannot read history directory %s: %s", dir, strerror(errno));
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len <= 5 || e->d_name[0] == '.' || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		if (n == MAX_HISTORY) {
			gd_errf(err, errlen, "%s: more than %d results", dir, MAX_HISTORY);
			closedir(d);
			goto out;
		}
		names = gd_xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = gd_xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		json_error_t je;
		json_t *o = json_load_file(names[i], 0, &je);

		if (o == NULL) {
			gd_errf(err, errlen, "%s: line %d: not JSON: %s", names[i], je.line, je.text);
			goto out;
		}
		if (!json_is_object(o)) {
			json_decref(o);
			gd_errf(err, errlen, "%s: a result must be a JSON object", names[i]);
			goto out;
		}
		json_object_set_new(o, "__file", json_string(names[i]));
		json_array_append_new(all, o);
	}
	*out = all;
	all = NULL;
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	json_decref(all);
	return ret;
}

enum gd_hist_kind
gd_history_kind(const json_t *o)
{
	if (json_is_string(json_object_get(o, "bank")) && json_is_number(json_object_get(o, "percent")))
		return GD_HIST_QUIZ;
	if (json_is_string(json_object_get(json_object_get(o, "scenario"), "id")))
		return GD_HIST_RUN;
	if (json_is_object(json_object_get(o, "drill")))
		return GD_HIST_DRILL;
	return GD_HIST_OTHER;
}

long long
gd_history_when(const json_t *o)
{
	json_t *v = json_object_get(o, "started");
	long long t;

	if (json_is_integer(v))
		return (long long)(json_integer_value(v) / 1000);
	if (json_is_real(v))
		return (long long)(json_real_value(v) / 1000);
	v = json_object_get(o, "date");
	if (json_is_string(v) && gd_wheel_date(json_string_value(v), &t) == 0)
		return t;
	return 0;
}

int
gd_history_names(const json_t *o, const char *name)
{
	json_t *v = json_object_get(o, "participant"), *x;
	size_t i;

	if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
		return 1;
	json_array_foreach(json_object_get(o, "participants"), i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), name) == 0)
			return 1;
	return 0;
}
