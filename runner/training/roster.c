/* roster.c: a roster (YAML): participants, their on-call start, tag
 * weights for the wheel, and the plays recorded by hand. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "gd.h"
#include "roster.h"
#include "yamltree.h"

#define MAX_BYTES (1L << 20)
#define MAX_DEPTH 16

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
	if (gd_date_parse(date, &pl.when) != 0) {
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
			if (gd_date_parse(p->start, &t) != 0)
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
