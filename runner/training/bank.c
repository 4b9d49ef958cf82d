/* bank.c: question banks and answers files, read with libyaml.
 *
 * Values are read as written: `answer: a`, `answer: yes` and `answer: 1.50`
 * are the strings "a", "yes" and "1.50" (no YAML 1.1 booleans), and a
 * number is parsed only where a number is wanted. Aliases are refused: a
 * bank is short and plain, and an error must point at the line where the
 * value is written. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "gd.h"
#include "bank.h"
#include "duration.h"
#include "map.h"
#include "bankyaml.h"
#include "yamltree.h"

#define MAX_LIST 64             /* options, groups, words, items of one question */
#define MAX_ID 128

static size_t
key_line(const struct gd_ynode *m, const char *key)
{
	size_t i;

	for (i = 0; i + 1 < m->n; i += 2)
		if (strcmp(m->kids[i]->str, key) == 0)
			return m->kids[i]->line;
	return m->line;
}

/* A number the way a bank writes one: finite, nothing after it but an
 * optional '%' when pct is not NULL. */
static int
parse_num(const char *s, double *v, int *pct)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || strpbrk(s, "xXnNiI") != NULL)   /* hex, nan, inf */
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(*v))
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (pct != NULL) {
		*pct = *end == '%';
		if (*pct)
			end++;
		while (isspace((unsigned char)*end))
			end++;
	}
	return *end == '\0' ? 0 : -1;
}

/* A duration of the one grammar (duration.h) in whole seconds, rounded up;
 * more than 0. */
static int
parse_duration(const char *s, long *secs)
{
	char err[GD_ERRLEN];
	long long ms;

	if (gd_duration_parse(s, &ms, err, sizeof(err)) != 0 || ms <= 0)
		return -1;
	*secs = (long)((ms + 999) / 1000);
	return 0;
}

static int
valid_id(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return 0;
	return n > 0 && n <= MAX_ID;
}

/* A scalar with some text in it, else an error naming what. */
static int
want_text(const struct gd_yaml_ctx *c, const struct gd_ynode *n, const char *what, const char **out)
{
	if (n->kind != GD_Y_SCALAR)
		return gd_yaml_errf(c, n->line, "%s must be text, not %s", what, gd_bank_describe(n));
	if (gd_bank_is_empty(n))
		return gd_yaml_errf(c, n->line, "%s is empty", what);
	*out = n->str;
	return 0;
}

/* ---- banks ---- */

static const char *const default_topics[] = {
	"process", "architecture", "troubleshooting", "monitoring",
};

static const char *const qtype_names[] = {
	[GD_Q_CHOICE] = "choice", [GD_Q_MULTI] = "multi", [GD_Q_KEYWORDS] = "keywords",
	[GD_Q_ORDER] = "order", [GD_Q_NUMERIC] = "numeric", [GD_Q_PRACTICAL] = "practical",
};

/* The keys a question of each type may have, besides the common ones. */
static const char *const type_keys[][5] = {
	[GD_Q_CHOICE] = { "options", "answer", NULL },
	[GD_Q_MULTI] = { "options", NULL },
	[GD_Q_KEYWORDS] = { "groups", NULL },
	[GD_Q_ORDER] = { "items", NULL },
	[GD_Q_NUMERIC] = { "answer", "tolerance", "unit", NULL },
	[GD_Q_PRACTICAL] = { "probe", "target_time", "setup", "cleanup", NULL },
};

static const char *const common_keys[] = {
	"id", "topic", "type", "points", "text", "remedy", NULL,
};

const char *
gd_qtype_name(enum gd_qtype t)
{
	return qtype_names[t];
}

static void
question_free(struct gd_question *q)
{
	size_t i, j;

	free(q->id);
	free(q->topic);
	free(q->text);
	free(q->remedy);
	for (i = 0; i < q->nopts; i++) {
		free(q->opts[i].key);
		free(q->opts[i].text);
	}
	free(q->opts);
	free(q->answer);
	for (i = 0; i < q->ngroups; i++) {
		for (j = 0; j < q->groups[i].n; j++)
			free(q->groups[i].words[j]);
		free(q->groups[i].words);
	}
	free(q->groups);
	for (i = 0; i < q->nitems; i++)
		free(q->items[i]);
	free(q->items);
	free(q->shown);
	free(q->unit);
	free(q->probe_on);
	free(q->probe_cmd);
	free(q->setup);
	free(q->cleanup);
}

void
gd_bank_free(struct gd_bank *b)
{
	size_t i;

	for (i = 0; i < b->nq; i++)
		question_free(&b->q[i]);
	free(b->q);
	for (i = 0; i < b->ntopics; i++)
		free(b->topics[i]);
	free(b->topics);
	for (i = 0; i < b->nwarnings; i++)
		free(b->warnings[i]);
	free(b->warnings);
	free(b->path);
	free(b->id);
	free(b->title);
	memset(b, 0, sizeof(*b));
}

static int
load_options(const struct gd_yaml_ctx *c, struct gd_question *q, const struct gd_ynode *m)
{
	double pos = 0;
	size_t i, j;

	if (m->kind != GD_Y_MAP)
		return gd_yaml_errf(c, m->line, "question '%s': options must be a mapping such as "
		    "{ a: ..., b: ... }, not %s", q->id, gd_bank_describe(m));
	if (m->n / 2 < 2)
		return gd_yaml_errf(c, m->line, "question '%s': a %s question needs at least 2 options",
		    q->id, qtype_names[q->type]);
	if (m->n / 2 > MAX_LIST)
		return gd_yaml_errf(c, m->line, "question '%s': more than %d options", q->id, MAX_LIST);
	q->opts = gd_xcalloc(m->n / 2, sizeof(*q->opts));
	for (i = 0; i + 1 < m->n; i += 2) {
		const struct gd_ynode *k = m->kids[i], *v = m->kids[i + 1];
		struct gd_option *o = &q->opts[q->nopts];
		const struct gd_ynode *t = v, *w = NULL;
		const char *s;

		if (!valid_id(k->str))
			return gd_yaml_errf(c, k->line, "question '%s': option key '%s' must be letters, "
			    "digits, '-', '_' or '.'", q->id, k->str);
		for (j = 0; j < q->nopts; j++)   /* answers match keys in any case */
			if (strcasecmp(q->opts[j].key, k->str) == 0)
				return gd_yaml_errf(c, k->line, "question '%s': option keys '%s' and '%s' "
				    "differ only in case", q->id, q->opts[j].key, k->str);
		if (v->kind == GD_Y_MAP) {
			for (j = 0; j + 1 < v->n; j += 2)
				if (strcmp(v->kids[j]->str, "text") != 0 &&
				    strcmp(v->kids[j]->str, "weight") != 0)
					return gd_yaml_errf(c, v->kids[j]->line, "question '%s': option '%s': "
					    "unknown key '%s' (text, weight)", q->id, k->str, v->kids[j]->str);
			t = gd_yaml_get(v, "text");
			w = gd_yaml_get(v, "weight");
			if (t == NULL)
				return gd_yaml_errf(c, v->line, "question '%s': option '%s' has no text",
				    q->id, k->str);
		}
		if (want_text(c, t, "option text", &s) < 0)
			return -1;
		o->key = gd_xstrdup(k->str);
		o->text = gd_xstrdup(s);
		q->nopts++;
		if (q->type == GD_Q_MULTI) {
			if (w == NULL)
				return gd_yaml_errf(c, v->line, "question '%s': option '%s' of a multi question "
				    "needs a weight, as in { text: ..., weight: 1 }", q->id, k->str);
			if (w->kind != GD_Y_SCALAR || parse_num(w->str, &o->weight, NULL) < 0)
				return gd_yaml_errf(c, w->line, "question '%s': option '%s': weight must be "
				    "a number", q->id, k->str);
			if (o->weight > 0)
				pos += o->weight;
		} else if (w != NULL) {
			return gd_yaml_errf(c, w->line, "question '%s': weights are for multi questions; "
			    "a choice has one answer", q->id);
		}
	}
	if (q->type == GD_Q_MULTI && pos <= 0)
		return gd_yaml_errf(c, m->line, "question '%s': no option has a positive weight, "
		    "so nobody can score", q->id);
	return 0;
}

static char *
option_list(const struct gd_question *q)
{
	struct gd_buf b = { 0 };
	size_t i;

	gd_buf_add(&b, "", 0);
	for (i = 0; i < q->nopts; i++)
		gd_buf_printf(&b, "%s%s", i ? ", " : "", q->opts[i].key);
	return b.data;
}

static int
load_choice(const struct gd_yaml_ctx *c, struct gd_question *q, const struct gd_ynode *m)
{
	const struct gd_ynode *a = gd_yaml_get(m, "answer");
	const char *s;
	size_t i;

	if (a == NULL)
		return gd_yaml_errf(c, q->line, "question '%s': a choice question needs an answer "
		    "(the key of the right option)", q->id);
	if (want_text(c, a, "answer", &s) < 0)
		return -1;
	for (i = 0; i < q->nopts; i++)
		if (strcmp(q->opts[i].key, s) == 0)
			break;
	if (i == q->nopts) {
		char *keys = option_list(q);

		gd_yaml_errf(c, a->line, "question '%s': answer '%s' is not among the options (%s)",
		    q->id, s, keys);
		free(keys);
		return -1;
	}
	q->answer = gd_xstrdup(s);
	return 0;
}

static int
load_groups(const struct gd_yaml_ctx *c, struct gd_question *q, const struct gd_ynode *g)
{
	size_t i, j;

	if (g->kind != GD_Y_SEQ)
		return gd_yaml_errf(c, g->line, "question '%s': groups must be a list of lists of "
		    "synonyms, such as [[expiry, expires], [openssl]]", q->id);
	if (g->n == 0)
		return gd_yaml_errf(c, g->line, "question '%s': groups is empty", q->id);
	if (g->n > MAX_LIST)
		return gd_yaml_errf(c, g->line, "question '%s': more than %d groups", q->id, MAX_LIST);
	q->groups = gd_xcalloc(g->n, sizeof(*q->groups));
	for (i = 0; i < g->n; i++) {
		const struct gd_ynode *w = g->kids[i];
		struct gd_kwgroup *k = &q->groups[q->ngroups++];

		if (w->kind == GD_Y_SCALAR && !gd_bank_is_empty(w)) {   /* one word: a group of one */
			k->words = gd_xcalloc(1, sizeof(*k->words));
			k->words[k->n++] = gd_xstrdup(w->str);
			continue;
		}
		if (w->kind != GD_Y_SEQ || w->n == 0)
			return gd_yaml_errf(c, w->line, "question '%s': keyword group %zu is empty",
			    q->id, i + 1);
		if (w->n > MAX_LIST)
			return gd_yaml_errf(c, w->line, "question '%s': more than %d words in a group",
			    q->id, MAX_LIST);
		k->words = gd_xcalloc(w->n, sizeof(*k->words));
		for (j = 0; j < w->n; j++) {
			const char *s;
			const char *p;

			if (want_text(c, w->kids[j], "a keyword", &s) < 0)
				return -1;
			for (p = s; isspace((unsigned char)*p); p++)
				;
			if (*p == '\0')
				return gd_yaml_errf(c, w->kids[j]->line, "question '%s': a keyword is blank",
				    q->id);
			k->words[k->n++] = gd_xstrdup(s);
		}
	}
	return 0;
}

/* The shuffle's seed: FNV-1a's offset basis with its last digit lost, as the
 * first banks were shuffled. Kept on purpose so that a question's items are
 * listed in the same order as in every earlier quiz (test_bank pins it). */
#define GD_SHUFFLE_SEED 1469598103934665603ULL

/* A fixed shuffle of the items, from the question id, never the right order:
 * the order a quiz lists them in, the same on every run. */
static void
shuffle_items(struct gd_question *q)
{
	uint64_t x = gd_hash(q->id, GD_SHUFFLE_SEED) | 1;
	size_t i, j, t;

	q->shown = gd_xcalloc(q->nitems, sizeof(*q->shown));
	for (i = 0; i < q->nitems; i++)
		q->shown[i] = i;
	for (i = q->nitems; i > 1; i--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = (size_t)(x % i);
		t = q->shown[i - 1];
		q->shown[i - 1] = q->shown[j];
		q->shown[j] = t;
	}
	for (i = 0; i < q->nitems && q->shown[i] == i; i++)
		;
	if (i == q->nitems)   /* the right order: rotate by one */
		for (i = 0; i < q->nitems; i++)
			q->shown[i] = (i + 1) % q->nitems;
}

static int
load_items(const struct gd_yaml_ctx *c, struct gd_question *q, const struct gd_ynode *it)
{
	size_t i, j;

	if (it->kind != GD_Y_SEQ)
		return gd_yaml_errf(c, it->line, "question '%s': items must be a list, in the right order",
		    q->id);
	if (it->n < 2)
		return gd_yaml_errf(c, it->line, "question '%s': an order question needs at least 2 items",
		    q->id);
	if (it->n > MAX_LIST)
		return gd_yaml_errf(c, it->line, "question '%s': more than %d items", q->id, MAX_LIST);
	q->items = gd_xcalloc(it->n, sizeof(*q->items));
	for (i = 0; i < it->n; i++) {
		const char *s;

		if (want_text(c, it->kids[i], "an item", &s) < 0)
			return -1;
		if (strchr(s, ',') != NULL)
			return gd_yaml_errf(c, it->kids[i]->line, "question '%s': item '%s' has a comma, "
			    "which separates items in answers", q->id, s);
		for (j = 0; j < i; j++)
			if (strcasecmp(q->items[j], s) == 0)
				return gd_yaml_errf(c, it->kids[i]->line, "question '%s': item '%s' is listed "
				    "twice (first at line %zu)", q->id, s, it->kids[j]->line);
		q->items[q->nitems++] = gd_xstrdup(s);
	}
	shuffle_items(q);
	return 0;
}

static int
load_numeric(const struct gd_yaml_ctx *c, struct gd_question *q, const struct gd_ynode *m)
{
	const struct gd_ynode *a = gd_yaml_get(m, "answer"), *t = gd_yaml_get(m, "tolerance");
	const struct gd_ynode *u = gd_yaml_get(m, "unit");
	const char *s;

	if (a == NULL)
		return gd_yaml_errf(c, q->line, "question '%s': a numeric question needs an answer", q->id);
	if (a->kind != GD_Y_SCALAR || parse_num(a->str, &q->number, NULL) < 0)
		return gd_yaml_errf(c, a->line, "question '%s': answer must be a number", q->id);
	if (t != NULL) {
		if (t->kind != GD_Y_SCALAR || parse_num(t->str, &q->tolerance, &q->tol_percent) < 0)
			return gd_yaml_errf(c, t->line, "question '%s': tolerance must be a number, "
			    "or a percent such as 5%%", q->id);
		if (q->tolerance < 0)
			return gd_yaml_errf(c, t->line, "question '%s': tolerance %s is negative",
			    q->id, t->str);
	}
	if (u != NULL) {
		if (want_text(c, u, "unit", &s) < 0)
			return -1;
		q->unit = gd_xstrdup(s);
	}
	return 0;
}

static int
load_practical(const struct gd_yaml_ctx *c, struct gd_question *q, const struct gd_ynode *m)
{
	const struct gd_ynode *p = gd_yaml_get(m, "probe"), *t = gd_yaml_get(m, "target_time"), *v;
	const char *s;
	size_t i;

	if (p == NULL)
		return gd_yaml_errf(c, q->line, "question '%s': a practical question needs a probe "
		    "{ on: HOSTS, cmd: COMMAND } that exits 0 once it is solved", q->id);
	if (p->kind != GD_Y_MAP)
		return gd_yaml_errf(c, p->line, "question '%s': probe must be a mapping "
		    "{ on: HOSTS, cmd: COMMAND }", q->id);
	for (i = 0; i + 1 < p->n; i += 2)
		if (strcmp(p->kids[i]->str, "on") != 0 && strcmp(p->kids[i]->str, "cmd") != 0)
			return gd_yaml_errf(c, p->kids[i]->line, "question '%s': probe: unknown key '%s' "
			    "(on, cmd)", q->id, p->kids[i]->str);
	if ((v = gd_yaml_get(p, "on")) == NULL)
		return gd_yaml_errf(c, p->line, "question '%s': probe has no 'on' (a host pattern)", q->id);
	if (want_text(c, v, "probe 'on'", &s) < 0)
		return -1;
	q->probe_on = gd_xstrdup(s);
	if ((v = gd_yaml_get(p, "cmd")) == NULL)
		return gd_yaml_errf(c, p->line, "question '%s': probe has no 'cmd'", q->id);
	if (want_text(c, v, "probe 'cmd'", &s) < 0)
		return -1;
	q->probe_cmd = gd_xstrdup(s);
	if (t == NULL)
		return gd_yaml_errf(c, q->line, "question '%s': a practical question needs a target_time "
		    "such as 10m", q->id);
	if (t->kind != GD_Y_SCALAR || parse_duration(t->str, &q->target_s) < 0)
		return gd_yaml_errf(c, t->line, "question '%s': target_time must be a duration such as "
		    "90s, 10m or 1h30m", q->id);
	/* optional shell text, run on the probe's hosts before and after the task */
	if ((v = gd_yaml_get(m, "setup")) != NULL) {
		if (want_text(c, v, "setup", &s) < 0)
			return -1;
		q->setup = gd_xstrdup(s);
	}
	if ((v = gd_yaml_get(m, "cleanup")) != NULL) {
		if (want_text(c, v, "cleanup", &s) < 0)
			return -1;
		q->cleanup = gd_xstrdup(s);
	}
	return 0;
}

static int
in_list(const char *const *l, const char *s)
{
	for (; *l != NULL; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

/* id (unique), type, and no key that does not apply to the type */
static int
load_id_type(const struct gd_yaml_ctx *c, struct gd_bank *b, struct gd_question *q, const struct gd_ynode *m)
{
	const struct gd_ynode *v;
	const char *s;
	size_t i;
	int t;

	if ((v = gd_yaml_get(m, "id")) == NULL)
		return gd_yaml_errf(c, m->line, "a question has no id");
	if (want_text(c, v, "id", &s) < 0)
		return -1;
	if (!valid_id(s))
		return gd_yaml_errf(c, v->line, "question id '%s' must be letters, digits, '-', '_' or '.' "
		    "(at most %d)", s, MAX_ID);
	q->id = gd_xstrdup(s);
	for (i = 0; &b->q[i] != q; i++)
		if (strcmp(b->q[i].id, s) == 0)
			return gd_yaml_errf(c, v->line, "duplicate question id '%s' (first at line %zu)",
			    s, b->q[i].line);

	if ((v = gd_yaml_get(m, "type")) == NULL)
		return gd_yaml_errf(c, m->line, "question '%s' has no type (choice, multi, keywords, "
		    "order, numeric, practical)", q->id);
	if (want_text(c, v, "type", &s) < 0)
		return -1;
	for (t = 0; t <= GD_Q_PRACTICAL; t++)
		if (strcmp(qtype_names[t], s) == 0)
			break;
	if (t > GD_Q_PRACTICAL)
		return gd_yaml_errf(c, v->line, "question '%s': unknown type '%s' (choice, multi, "
		    "keywords, order, numeric, practical)", q->id, s);
	q->type = (enum gd_qtype)t;

	for (i = 0; i + 1 < m->n; i += 2) {
		const char *k = m->kids[i]->str;
		int other;

		if (in_list(common_keys, k) || in_list(type_keys[q->type], k))
			continue;
		for (other = 0, t = 0; t <= GD_Q_PRACTICAL; t++)
			other |= in_list(type_keys[t], k);
		if (other)
			return gd_yaml_errf(c, m->kids[i]->line, "question '%s': '%s' does not apply to "
			    "a %s question", q->id, k, qtype_names[q->type]);
		return gd_yaml_errf(c, m->kids[i]->line, "question '%s': unknown key '%s'", q->id, k);
	}
	return 0;
}

/* topic (one of the bank's), points, text, remedy */
static int
load_fields(const struct gd_yaml_ctx *c, struct gd_bank *b, struct gd_question *q, const struct gd_ynode *m)
{
	const struct gd_ynode *v;
	const char *s;
	size_t i;

	if ((v = gd_yaml_get(m, "topic")) == NULL)
		return gd_yaml_errf(c, m->line, "question '%s' has no topic", q->id);
	if (want_text(c, v, "topic", &s) < 0)
		return -1;
	for (i = 0; i < b->ntopics; i++)
		if (strcmp(b->topics[i], s) == 0)
			break;
	if (i == b->ntopics) {
		struct gd_buf l = { 0 };

		gd_buf_add(&l, "", 0);
		for (i = 0; i < b->ntopics; i++)
			gd_buf_printf(&l, "%s%s", i ? ", " : "", b->topics[i]);
		gd_yaml_errf(c, v->line, "question '%s': unknown topic '%s' (the bank's topics: %s)",
		    q->id, s, l.data);
		gd_buf_free(&l);
		return -1;
	}
	q->topic = gd_xstrdup(s);

	q->points = 1;
	if ((v = gd_yaml_get(m, "points")) != NULL) {
		if (v->kind != GD_Y_SCALAR || parse_num(v->str, &q->points, NULL) < 0)
			return gd_yaml_errf(c, v->line, "question '%s': points must be a number", q->id);
		if (q->points <= 0)
			return gd_yaml_errf(c, v->line, "question '%s': points must be more than 0, not %s",
			    q->id, v->str);
		if (q->points > 1000)
			return gd_yaml_errf(c, v->line, "question '%s': more than 1000 points", q->id);
	}

	if ((v = gd_yaml_get(m, "text")) == NULL)
		return gd_yaml_errf(c, m->line, "question '%s' has no text", q->id);
	if (want_text(c, v, "text", &s) < 0)
		return -1;
	q->text = gd_xstrdup(s);

	if ((v = gd_yaml_get(m, "remedy")) != NULL && !gd_bank_is_empty(v)) {
		if (want_text(c, v, "remedy", &s) < 0)
			return -1;
		q->remedy = gd_xstrdup(s);
	} else {
		gd_bank_warn(&b->warnings, &b->nwarnings, gd_xasprintf("%s: line %zu: question '%s' "
		    "has no remedy: say what to study when it is missed", c->name,
		    v != NULL ? v->line : m->line, q->id));
	}
	return 0;
}

/* what the type needs: options, groups, items, an answer, a probe */
static int
load_kind(const struct gd_yaml_ctx *c, struct gd_question *q, const struct gd_ynode *m)
{
	const struct gd_ynode *v;

	switch (q->type) {
	case GD_Q_CHOICE:
	case GD_Q_MULTI:
		if ((v = gd_yaml_get(m, "options")) == NULL)
			return gd_yaml_errf(c, m->line, "question '%s': a %s question needs options",
			    q->id, qtype_names[q->type]);
		if (load_options(c, q, v) < 0)
			return -1;
		if (q->type == GD_Q_CHOICE && load_choice(c, q, m) < 0)
			return -1;
		break;
	case GD_Q_KEYWORDS:
		if ((v = gd_yaml_get(m, "groups")) == NULL)
			return gd_yaml_errf(c, m->line, "question '%s': a keywords question needs groups "
			    "of synonyms", q->id);
		return load_groups(c, q, v);
	case GD_Q_ORDER:
		if ((v = gd_yaml_get(m, "items")) == NULL)
			return gd_yaml_errf(c, m->line, "question '%s': an order question needs items, "
			    "in the right order", q->id);
		return load_items(c, q, v);
	case GD_Q_NUMERIC:
		return load_numeric(c, q, m);
	case GD_Q_PRACTICAL:
		return load_practical(c, q, m);
	}
	return 0;
}


static int
load_question(const struct gd_yaml_ctx *c, struct gd_bank *b, struct gd_question *q,
    const struct gd_ynode *m)
{
	q->line = m->line;
	if (m->kind != GD_Y_MAP)
		return gd_yaml_errf(c, m->line, "a question must be a mapping with id, topic, type, "
		    "text..., not %s", gd_bank_describe(m));
	if (load_id_type(c, b, q, m) < 0 || load_fields(c, b, q, m) < 0)
		return -1;
	return load_kind(c, q, m);
}

static const char *const bank_keys[] = {
	"bank", "title", "description", "pass", "topics", "questions", NULL,
};

static int
load_topics(const struct gd_yaml_ctx *c, struct gd_bank *b, const struct gd_ynode *t)
{
	size_t i, j;

	if (t == NULL) {
		b->topics = gd_xcalloc(4, sizeof(*b->topics));
		for (i = 0; i < 4; i++)
			b->topics[b->ntopics++] = gd_xstrdup(default_topics[i]);
		return 0;
	}
	if (t->kind != GD_Y_SEQ || t->n == 0)
		return gd_yaml_errf(c, t->line, "topics must be a list of names, such as [process, "
		    "architecture, troubleshooting, monitoring]");
	if (t->n > MAX_LIST)
		return gd_yaml_errf(c, t->line, "more than %d topics", MAX_LIST);
	b->topics = gd_xcalloc(t->n, sizeof(*b->topics));
	for (i = 0; i < t->n; i++) {
		const char *s;

		if (want_text(c, t->kids[i], "a topic", &s) < 0)
			return -1;
		if (!valid_id(s))
			return gd_yaml_errf(c, t->kids[i]->line, "topic '%s' must be letters, digits, "
			    "'-', '_' or '.'", s);
		for (j = 0; j < i; j++)
			if (strcmp(b->topics[j], s) == 0)
				return gd_yaml_errf(c, t->kids[i]->line, "topic '%s' is listed twice", s);
		b->topics[b->ntopics++] = gd_xstrdup(s);
	}
	return 0;
}

static int
bank_build(const struct gd_yaml_ctx *c, struct gd_bank *b, const struct gd_ynode *root)
{
	const struct gd_ynode *v, *qs;
	const char *s;
	size_t i;

	if (root == NULL || gd_bank_is_empty(root))
		return gd_yaml_errf(c, 1, "the bank is empty; it needs 'bank:' and 'questions:'");
	if (root->kind != GD_Y_MAP)
		return gd_yaml_errf(c, root->line, "a bank is a mapping with 'bank:' and 'questions:', "
		    "not %s", gd_bank_describe(root));
	for (i = 0; i + 1 < root->n; i += 2)
		if (!in_list(bank_keys, root->kids[i]->str))
			return gd_yaml_errf(c, root->kids[i]->line, "unknown key '%s' (bank, title, "
			    "description, pass, topics, questions)", root->kids[i]->str);
	if ((v = gd_yaml_get(root, "bank")) == NULL)
		return gd_yaml_errf(c, root->line, "no 'bank:' (the bank's id)");
	if (want_text(c, v, "bank", &s) < 0)
		return -1;
	if (!valid_id(s))
		return gd_yaml_errf(c, v->line, "bank id '%s' must be letters, digits, '-', '_' or '.'", s);
	b->id = gd_xstrdup(s);
	if ((v = gd_yaml_get(root, "title")) != NULL) {
		if (want_text(c, v, "title", &s) < 0)
			return -1;
		b->title = gd_xstrdup(s);
	} else {
		b->title = gd_xstrdup(b->id);
	}
	b->pass = 70;
	if ((v = gd_yaml_get(root, "pass")) != NULL) {
		int pct;

		if (v->kind != GD_Y_SCALAR || parse_num(v->str, &b->pass, &pct) < 0 ||
		    b->pass <= 0 || b->pass > 100)
			return gd_yaml_errf(c, v->line, "pass must be a percent of the points, "
			    "more than 0 and at most 100");
	}
	if (load_topics(c, b, gd_yaml_get(root, "topics")) < 0)
		return -1;
	if ((qs = gd_yaml_get(root, "questions")) == NULL)
		return gd_yaml_errf(c, root->line, "no 'questions:'");
	if (qs->kind != GD_Y_SEQ || qs->n == 0)
		return gd_yaml_errf(c, key_line(root, "questions"), "questions must be a non-empty list");
	if (qs->n > GD_BANK_MAX_KEYS)
		return gd_yaml_errf(c, qs->line, "more than %d questions", GD_BANK_MAX_KEYS);
	b->q = gd_xcalloc(qs->n, sizeof(*b->q));
	for (i = 0; i < qs->n; i++) {
		b->nq++;   /* before loading, so that a half-loaded question is freed */
		if (load_question(c, b, &b->q[i], qs->kids[i]) < 0)
			return -1;
	}
	return 0;
}

int
gd_bank_parse(struct gd_bank *b, const char *name, const char *text, size_t len,
    char *err, size_t errlen)
{
	struct gd_yaml_ctx c = { name, err, errlen };
	struct gd_ynode *root = NULL;
	int rc = -1;

	memset(b, 0, sizeof(*b));
	b->path = gd_xstrdup(name);
	if (gd_bank_tree(&c, text, len, &root) < 0)
		goto out;
	if (bank_build(&c, b, root) < 0)
		goto out;
	rc = 0;
out:
	gd_yaml_free(root);
	if (rc < 0)
		gd_bank_free(b);
	return rc;
}

int
gd_bank_load(struct gd_bank *b, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(b, 0, sizeof(*b));
	if (gd_yaml_read(path, &gd_bank_yaml, &text, &len, err, errlen) < 0)
		return -1;
	rc = gd_bank_parse(b, path, text, len, err, errlen);
	free(text);
	return rc;
}

int
gd_bank_check(const char *path, char *err, size_t errlen)
{
	struct gd_bank b;
	size_t i;

	if (gd_bank_load(&b, path, err, errlen) < 0)
		return -1;
	for (i = 0; i < b.nwarnings; i++)
		gd_warnx("%s", b.warnings[i]);
	gd_bank_free(&b);
	return 0;
}

/* a top-level "bank:" key in the first 64 KiB (an inventory has none) */
static int
head_has_bank(const char *path)
{
	char head[65536 + 1];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), yes;

	if (fd < 0)
		return 0;
	n = read(fd, head, sizeof(head) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	head[n] = '\0';
	yes = strncmp(head, "bank:", 5) == 0 || strstr(head, "\nbank:") != NULL;
	return yes && (strncmp(head, "questions:", 10) == 0 || strstr(head, "\nquestions:") != NULL);
}

int
gd_bank_sniff(const char *path)
{
	char err[GD_ERRLEN];
	struct gd_yaml_ctx c = { path, err, sizeof(err) };
	struct gd_ynode *root = NULL;
	char *text = NULL;
	size_t len = 0;
	int yes = 0;

	/* the kind first, from the head of the file, before any size rule: a
	 * bank too big to load is still a bank, and says so */
	if (head_has_bank(path))
		return 1;
	if (gd_yaml_read(path, &gd_bank_yaml, &text, &len, err, sizeof(err)) < 0)
		return 0;
	if (gd_bank_tree(&c, text, len, &root) == 0) {
		yes = root != NULL && root->kind == GD_Y_MAP && gd_yaml_get(root, "bank") != NULL &&
		    gd_yaml_get(root, "questions") != NULL;
	} else {
		/* broken YAML: judge by the top-level keys, so the bank's own
		 * loader reports the error */
		yes = (strncmp(text, "bank:", 5) == 0 || strstr(text, "\nbank:") != NULL) &&
		    (strncmp(text, "questions:", 10) == 0 || strstr(text, "\nquestions:") != NULL);
	}
	gd_yaml_free(root);
	free(text);
	return yes;
}

const struct gd_question *
gd_bank_find(const struct gd_bank *b, const char *id)
{
	size_t i;

	for (i = 0; i < b->nq; i++)
		if (strcmp(b->q[i].id, id) == 0)
			return &b->q[i];
	return NULL;
}
