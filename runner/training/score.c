/* score.c: how much of a question's points an answer earns.
 *
 * Answers are compared after gd_score_norm(): trimmed, white space folded,
 * lowercased. choice takes an option's key or its text; multi and order take
 * keys, texts or (order) numbers, separated by commas or spaces. A question
 * of type practical is graded on the lab (gd_score_practical), else left
 * out of a quiz's total. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gd.h"
#include "score.h"

#define EPS 1e-9

static const char *const status_names[] = {
	[GD_ST_RIGHT] = "right", [GD_ST_PARTIAL] = "partial", [GD_ST_WRONG] = "wrong",
	[GD_ST_EMPTY] = "empty", [GD_ST_MISSING] = "missing", [GD_ST_PRACTICAL] = "practical",
};

const char *
gd_qstatus_name(enum gd_qstatus st)
{
	return status_names[st];
}

/* Lowercase of a two-byte UTF-8 code point, for the alphabets where a
 * capital and its small letter are both two bytes long. */
static unsigned
lower2(unsigned cp)
{
	if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
		return cp + 0x20;                         /* Latin-1 */
	if (cp >= 0x100 && cp <= 0x177 && cp != 0x130 && cp != 0x138 && cp != 0x149) {
		/* Latin Extended-A pairs: even capital, odd small, but 0x139-0x148 odd capital */
		int odd_caps = cp >= 0x139 && cp <= 0x148;

		if ((cp % 2 == 1) == odd_caps)
			return cp + 1;
		return cp;
	}
	if (cp >= 0x179 && cp <= 0x17e && cp % 2 == 1)
		return cp + 1;
	if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)
		return cp + 0x20;                         /* Greek */
	if (cp >= 0x410 && cp <= 0x42f)
		return cp + 0x20;                         /* Cyrillic */
	if (cp >= 0x400 && cp <= 0x40f)
		return cp + 0x50;
	return cp;
}

static int
is_space(const unsigned char *p, size_t *n)
{
	if (*p == ' ' || (*p >= '\t' && *p <= '\r')) {
		*n = 1;
		return 1;
	}
	if (p[0] == 0xc2 && p[1] == 0xa0) {   /* no-break space */
		*n = 2;
		return 1;
	}
	return 0;
}

char *
gd_score_norm(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct gd_buf b = { 0 };
	int gap = 0;
	size_t n;

	gd_buf_add(&b, "", 0);
	while (*p != '\0') {
		if (is_space(p, &n)) {
			gap = 1;
			p += n;
			continue;
		}
		if (gap && b.len > 0)
			gd_buf_add(&b, " ", 1);
		gap = 0;
		if (*p >= 'A' && *p <= 'Z') {
			char c = (char)(*p + 32);

			gd_buf_add(&b, &c, 1);
			p++;
		} else if ((p[0] & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
			unsigned cp = lower2(((unsigned)(p[0] & 0x1f) << 6) | (p[1] & 0x3f));
			char u[2];

			u[0] = (char)(0xc0 | (cp >> 6));
			u[1] = (char)(0x80 | (cp & 0x3f));
			gd_buf_add(&b, u, 2);
			p += 2;
		} else {
			gd_buf_add(&b, p, 1);
			p++;
		}
	}
	return b.data;
}

/* Letters, digits and '_' make words; so does any non-ASCII byte, so that a
 * UTF-8 word is never split. */
static int
wordch(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

int
gd_score_has_phrase(const char *text, const char *phrase)
{
	size_t len = strlen(phrase);
	const char *p = text;

	if (len == 0)
		return 0;
	while ((p = strstr(p, phrase)) != NULL) {
		int before = p == text || !wordch((unsigned char)p[-1]) ||
		    !wordch((unsigned char)phrase[0]);
		int after = p[len] == '\0' || !wordch((unsigned char)p[len]) ||
		    !wordch((unsigned char)phrase[len - 1]);

		if (before && after)
			return 1;
		p++;
	}
	return 0;
}

/* ---- tokens ---- */

struct toks {
	char **v;   /* normalized, non-empty */
	size_t n, cap;
};

static void
toks_push(struct toks *t, char *s)
{
	if (s[0] == '\0') {
		free(s);
		return;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->v = gd_xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = s;
}

static void
toks_free(struct toks *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* Splits every part at sep characters; pieces are normalized. */
static void
split(struct toks *t, const char *const *parts, size_t nparts, const char *sep)
{
	size_t i;

	for (i = 0; i < nparts; i++) {
		const char *p = parts[i];

		for (;;) {
			size_t n = strcspn(p, sep);
			char *raw = gd_xmalloc(n + 1);

			memcpy(raw, p, n);
			raw[n] = '\0';
			toks_push(t, gd_score_norm(raw));
			free(raw);
			if (p[n] == '\0')
				break;
			p += n + 1;
		}
	}
}

static int
blank(const char *const *parts, size_t nparts)
{
	size_t i, n;

	for (i = 0; i < nparts; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		while (*p != '\0' && is_space(p, &n))
			p += n;
		if (*p != '\0')
			return 0;
	}
	return 1;
}

/* The option a normalized token names, by key or by text; -1 for none.
 * "a)" and "a." name option a, as people write them. */
static int
find_option(const struct gd_question *q, const char *tok)
{
	size_t i, len = strlen(tok);
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < q->nopts; i++) {
			char *k = gd_score_norm(q->opts[i].key), *t = gd_score_norm(q->opts[i].text);
			int hit = pass == 0 ? strcmp(k, tok) == 0 || strcmp(t, tok) == 0 :
			    len > 1 && strlen(k) == len - 1 && strncmp(k, tok, len - 1) == 0;

			free(k);
			free(t);
			if (hit)
				return (int)i;
		}
		if (len < 2 || (tok[len - 1] != ')' && tok[len - 1] != '.'))
			break;
	}
	return -1;
}

/* The options an answer chooses, into chosen[]; returns the number of
 * pieces that named no option. */
static size_t
choose(const struct gd_question *q, const char *const *parts, size_t nparts, int *chosen)
{
	struct toks t = { 0 };
	size_t i, j, unknown = 0;

	split(&t, parts, nparts, ",;\n");
	for (i = 0; i < t.n; i++) {
		struct toks w = { 0 };
		const char *one[1];
		int k = find_option(q, t.v[i]);

		if (k >= 0) {
			chosen[k] = 1;
			continue;
		}
		one[0] = t.v[i];   /* "a c": keys apart */
		split(&w, one, 1, " ");
		for (j = 0; j < w.n; j++) {
			k = find_option(q, w.v[j]);
			if (k >= 0)
				chosen[k] = 1;
			else
				unknown++;
		}
		toks_free(&w);
	}
	toks_free(&t);
	return unknown;
}

static int
all_numbers(const char *s)
{
	int digit = 0;

	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s))
			digit = 1;
		else if (*s != ' ')
			return 0;
	}
	return digit;
}

/* The item indexes an order answer gives, in its order (-1 for a piece
 * that is no item); returns how many pieces, *out malloc'd. */
static size_t
order_indexes(const struct gd_question *q, const char *const *parts, size_t nparts, int **out)
{
	struct toks t = { 0 };
	size_t i, j, n;
	int *idx;

	split(&t, parts, nparts, ",;\n");
	if (t.n == 1 && all_numbers(t.v[0])) {   /* "3 1 2" */
		const char *one[1] = { t.v[0] };
		struct toks w = { 0 };

		split(&w, one, 1, " ");
		toks_free(&t);
		t = w;
	}
	n = t.n;
	idx = gd_xcalloc(n, sizeof(*idx));
	for (i = 0; i < n; i++) {
		char *end;
		long k;

		idx[i] = -1;
		for (j = 0; j < q->nitems; j++) {
			char *it = gd_score_norm(q->items[j]);
			int hit = strcmp(it, t.v[i]) == 0;

			free(it);
			if (hit) {
				idx[i] = (int)j;
				break;
			}
		}
		if (idx[i] >= 0)
			continue;
		errno = 0;
		k = strtol(t.v[i], &end, 10);
		if (*end == '\0' && errno == 0 && k >= 1 && (size_t)k <= q->nitems)
			idx[i] = (int)q->shown[k - 1];   /* numbers are as the quiz lists items */
	}
	toks_free(&t);
	*out = idx;
	return n;
}

/* Longest common subsequence of the answer and the right order 0..n-1. */
static size_t
lcs(const int *a, size_t na, size_t n)
{
	size_t *prev = gd_xcalloc(n + 1, sizeof(*prev)), *cur = gd_xcalloc(n + 1, sizeof(*cur));
	size_t i, j, r;

	for (i = 1; i <= na; i++) {
		size_t *t;

		for (j = 1; j <= n; j++) {
			if (a[i - 1] == (int)(j - 1))
				cur[j] = prev[j - 1] + 1;
			else
				cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	r = prev[n];
	free(prev);
	free(cur);
	return r;
}

/* A number as people type it: "43.2", " 43,2 ", "43.2 minutes", "5%". */
static int
read_number(const struct gd_question *q, const char *s, double *v)
{
	char *t = gd_score_norm(s), *end, *c, *unit = NULL;
	int rc = -1;

	if ((c = strchr(t, ',')) != NULL && strchr(t, '.') == NULL && strchr(c + 1, ',') == NULL)
		*c = '.';   /* a decimal comma */
	if (t[0] == '\0' || strpbrk(t, "xX") != NULL)
		goto out;
	errno = 0;
	*v = strtod(t, &end);
	if (end == t || errno == ERANGE || !isfinite(*v))
		goto out;
	while (*end == ' ')
		end++;
	if (*end == '\0' || strcmp(end, "%") == 0) {
		rc = 0;
		goto out;
	}
	if (q->unit != NULL) {
		unit = gd_score_norm(q->unit);
		if (strcmp(end, unit) == 0)
			rc = 0;
	}
out:
	free(unit);
	free(t);
	return rc;
}

static double
frac_choice(const struct gd_question *q, const char *const *parts, size_t nparts)
{
	char *t;
	int k;

	if (nparts != 1)
		return 0;   /* one answer, not a list of them */
	t = gd_score_norm(parts[0]);
	k = find_option(q, t);
	free(t);
	return k >= 0 && strcmp(q->opts[k].key, q->answer) == 0 ? 1 : 0;
}

static double
frac_multi(const struct gd_question *q, const char *const *parts, size_t nparts)
{
	int *chosen = gd_xcalloc(q->nopts, sizeof(*chosen));
	double got = 0, best = 0;
	size_t i;

	choose(q, parts, nparts, chosen);
	for (i = 0; i < q->nopts; i++) {
		if (q->opts[i].weight > 0)
			best += q->opts[i].weight;
		if (chosen[i])
			got += q->opts[i].weight;
	}
	free(chosen);
	if (got <= 0 || best <= 0)
		return 0;   /* wrong picks outweigh right ones: clamped at 0 */
	return got >= best ? 1 : got / best;
}

static double
frac_keywords(const struct gd_question *q, const char *const *parts, size_t nparts)
{
	struct gd_buf b = { 0 };
	size_t i, j, found = 0;
	char *text;

	gd_buf_add(&b, "", 0);
	for (i = 0; i < nparts; i++)
		gd_buf_printf(&b, "%s%s", i ? " " : "", parts[i]);
	text = gd_score_norm(b.data);
	gd_buf_free(&b);
	for (i = 0; i < q->ngroups; i++) {
		for (j = 0; j < q->groups[i].n; j++) {
			char *w = gd_score_norm(q->groups[i].words[j]);
			int hit = gd_score_has_phrase(text, w);

			free(w);
			if (hit) {
				found++;
				break;
			}
		}
	}
	free(text);
	return q->ngroups > 0 ? (double)found / (double)q->ngroups : 0;
}

static double
frac_order(const struct gd_question *q, const char *const *parts, size_t nparts)
{
	int *idx;
	size_t n = order_indexes(q, parts, nparts, &idx), k;

	k = lcs(idx, n, q->nitems);
	free(idx);
	return (double)k / (double)q->nitems;
}

static double
frac_numeric(const struct gd_question *q, const char *const *parts, size_t nparts)
{
	double v, tol = q->tolerance;

	if (nparts != 1 || read_number(q, parts[0], &v) < 0)
		return 0;
	if (q->tol_percent)
		tol = fabs(q->number) * q->tolerance / 100;
	return fabs(v - q->number) <= tol + EPS * fmax(1, fabs(q->number)) ? 1 : 0;
}

double
gd_score_fraction(const struct gd_question *q, const char *const *parts, size_t nparts)
{
	if (nparts == 0 || blank(parts, nparts))
		return 0;
	switch (q->type) {
	case GD_Q_CHOICE: return frac_choice(q, parts, nparts);
	case GD_Q_MULTI: return frac_multi(q, parts, nparts);
	case GD_Q_KEYWORDS: return frac_keywords(q, parts, nparts);
	case GD_Q_ORDER: return frac_order(q, parts, nparts);
	case GD_Q_NUMERIC: return frac_numeric(q, parts, nparts);
	case GD_Q_PRACTICAL: return 0;
	}
	return 0;
}

void
gd_score_question(const struct gd_question *q, const struct gd_answer *a, struct gd_qscore *out)
{
	double f;

	memset(out, 0, sizeof(*out));
	if (q->type == GD_Q_PRACTICAL) {
		out->status = GD_ST_PRACTICAL;
		return;
	}
	out->max = q->points;
	if (a == NULL) {
		out->status = GD_ST_MISSING;
		return;
	}
	if (a->nparts == 0 || blank((const char *const *)a->parts, a->nparts)) {
		out->status = GD_ST_EMPTY;
		return;
	}
	f = gd_score_fraction(q, (const char *const *)a->parts, a->nparts);
	if (f >= 1 - EPS) {
		out->score = q->points;
		out->status = GD_ST_RIGHT;
	} else if (f <= EPS) {
		out->status = GD_ST_WRONG;
	} else {
		out->score = f * q->points;
		out->status = GD_ST_PARTIAL;
	}
}

void
gd_score_quiz(const struct gd_bank *b, const struct gd_answers *a, struct gd_quiz_score *out)
{
	size_t i, j, n = a != NULL ? a->n : 0;

	memset(out, 0, sizeof(*out));
	out->q = gd_xcalloc(b->nq, sizeof(*out->q));
	out->ans = gd_xcalloc(b->nq, sizeof(*out->ans));
	out->unknown = gd_xcalloc(n + 1, sizeof(*out->unknown));
	for (i = 0; i < n; i++) {
		for (j = 0; j < b->nq; j++)
			if (strcmp(b->q[j].id, a->a[i].id) == 0)
				break;
		if (j == b->nq)
			out->unknown[out->nunknown++] = &a->a[i];
		else
			out->ans[j] = &a->a[i];   /* the last answer to an id wins */
	}
	out->topics = gd_xcalloc(b->ntopics, sizeof(*out->topics));
	out->ntopics = b->ntopics;
	for (i = 0; i < b->ntopics; i++)
		out->topics[i].name = b->topics[i];
	for (j = 0; j < b->nq; j++) {
		gd_score_question(&b->q[j], out->ans[j], &out->q[j]);
		if (out->q[j].status == GD_ST_PRACTICAL)
			continue;
		out->total += out->q[j].score;
		out->max += out->q[j].max;
		for (i = 0; i < b->ntopics; i++)
			if (strcmp(b->topics[i], b->q[j].topic) == 0) {
				out->topics[i].score += out->q[j].score;
				out->topics[i].max += out->q[j].max;
				out->topics[i].nq++;
			}
	}
	out->percent = out->max > 0 ? out->total * 100 / out->max : 0;
	out->passed = out->max > 0 && out->percent + EPS >= b->pass;
}

void
gd_score_practical(const struct gd_bank *b, struct gd_quiz_score *s, size_t j, double fraction,
    int ran)
{
	struct gd_qscore *r = &s->q[j];
	size_t i;

	if (r->status != GD_ST_PRACTICAL)
		return;   /* graded already */
	r->max = b->q[j].points;
	if (!ran) {
		r->status = GD_ST_MISSING;
	} else if (fraction >= 1 - EPS) {
		r->score = r->max;
		r->status = GD_ST_RIGHT;
	} else if (fraction <= EPS) {
		r->status = GD_ST_WRONG;
	} else {
		r->score = fraction * r->max;
		r->status = GD_ST_PARTIAL;
	}
	s->total += r->score;
	s->max += r->max;
	for (i = 0; i < b->ntopics; i++)
		if (strcmp(b->topics[i], b->q[j].topic) == 0) {
			s->topics[i].score += r->score;
			s->topics[i].max += r->max;
			s->topics[i].nq++;
		}
	s->percent = s->max > 0 ? s->total * 100 / s->max : 0;
	s->passed = s->max > 0 && s->percent + EPS >= b->pass;
}

void
gd_quiz_score_free(struct gd_quiz_score *s)
{
	free(s->q);
	free(s->ans);
	free(s->topics);
	free(s->unknown);
	memset(s, 0, sizeof(*s));
}

int
gd_score_understood(const struct gd_question *q, const char *line)
{
	const char *parts[1] = { line };
	int ok = 1, *idx;
	size_t i, n;
	char *t;
	double v;

	if (blank(parts, 1))
		return 1;
	switch (q->type) {
	case GD_Q_CHOICE:
		t = gd_score_norm(line);
		ok = find_option(q, t) >= 0;
		free(t);
		break;
	case GD_Q_MULTI: {
		int *chosen = gd_xcalloc(q->nopts, sizeof(*chosen));

		ok = choose(q, parts, 1, chosen) == 0;
		free(chosen);
		break;
	}
	case GD_Q_ORDER:
		n = order_indexes(q, parts, 1, &idx);
		for (i = 0; i < n; i++)
			if (idx[i] < 0)
				ok = 0;
		free(idx);
		break;
	case GD_Q_NUMERIC:
		ok = read_number(q, line, &v) == 0;
		break;
	default:
		break;
	}
	return ok;
}

/* the first piece of a multi answer that names no option, malloc'd, or NULL */
static char *
unknown_key(const struct gd_question *q, const char *const *parts, size_t nparts)
{
	struct toks t = { 0 }, w = { 0 };
	char *bad = NULL;
	size_t i, j;

	split(&t, parts, nparts, ",;\n");
	for (i = 0; i < t.n && bad == NULL; i++) {
		const char *one[1] = { t.v[i] };

		if (find_option(q, t.v[i]) >= 0)
			continue;
		split(&w, one, 1, " ");
		for (j = 0; j < w.n && bad == NULL; j++)
			if (find_option(q, w.v[j]) < 0)
				bad = gd_xstrdup(w.v[j]);
		toks_free(&w);
	}
	toks_free(&t);
	return bad;
}

static void
list_of(const struct gd_question *q, struct gd_buf *b)
{
	size_t i;

	gd_buf_adds(b, "");
	for (i = 0; i < (q->type == GD_Q_ORDER ? q->nitems : q->nopts); i++)
		gd_buf_printf(b, "%s%s", i ? ", " : "", q->type == GD_Q_ORDER ? q->items[i] : q->opts[i].key);
}

/* an order answer given by numbers: say which item each number is */
static void
numbers_warning(struct gd_answers *a, const struct gd_answer *x, const struct gd_question *q)
{
	struct gd_buf b = { 0 };
	size_t i;

	gd_buf_printf(&b, "%s: line %zu: question '%s': numbers are the items as the quiz lists them:",
	    a->path != NULL ? a->path : "answers", x->line, q->id);
	for (i = 0; i < q->nitems; i++)
		gd_buf_printf(&b, " %zu = %s;", i + 1, q->items[q->shown[i]]);
	gd_buf_adds(&b, " give the items' text to be sure");
	a->warnings = gd_xrealloc(a->warnings, (a->nwarnings + 1) * sizeof(*a->warnings));
	a->warnings[a->nwarnings++] = b.data;
}

int
gd_answers_check(const struct gd_bank *b, struct gd_answers *a, char *err, size_t errlen)
{
	struct gd_buf l = { 0 };
	size_t i, j;
	int *idx;

	for (i = 0; i < a->n; i++) {
		const struct gd_answer *x = &a->a[i];
		const struct gd_question *q = gd_bank_find(b, x->id);
		const char *const *parts = (const char *const *)x->parts;
		char *bad = NULL;

		if (q == NULL || blank(parts, x->nparts))
			continue;
		if (q->type == GD_Q_MULTI)
			bad = unknown_key(q, parts, x->nparts);
		if (q->type == GD_Q_ORDER) {
			size_t n = order_indexes(q, parts, x->nparts, &idx);
			struct toks t = { 0 };

			split(&t, parts, x->nparts, ",;\n");
			for (j = 0; j < n && bad == NULL; j++)
				if (idx[j] < 0)
					bad = gd_xstrdup(j < t.n ? t.v[j] : "?");
			if (t.n == 1 && all_numbers(t.v[0]))
				numbers_warning(a, x, q);
			toks_free(&t);
			free(idx);
		}
		if (bad == NULL)
			continue;
		list_of(q, &l);
		gd_errf(err, errlen, "%s: line %zu: question '%s': '%s' is not one of its %s (%s)",
		    a->path != NULL ? a->path : "answers", x->line, q->id, bad,
		    q->type == GD_Q_ORDER ? "items" : "options", l.data);
		free(bad);
		gd_buf_free(&l);
		return -1;
	}
	return 0;
}
