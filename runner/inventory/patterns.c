/* patterns.c: host patterns as InventoryManager resolves them
 * (inventory/manager.py), so that a pattern gives the hosts, in the order,
 * that `ansible -i INV PATTERN --list-hosts` prints. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inv_internal.h"

/* Python's str.isspace() for ASCII, and \s. */
static int
py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static char *
strip_dup(const char *s, size_t n)
{
	char *r;

	while (n > 0 && py_space((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && py_space((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return NULL;
	r = gd_xmalloc(n + 1);
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

/* split_host_pattern(): on commas if there are any; else the whole string
 * if it reads as one address ('host:22', IPv6, 'web[1:3]'); else on ':' and
 * whitespace outside [...] (re.findall drops a '[' that is never closed). */
static void
split_pattern(struct addr_re *r, const char *pat, struct strv *out)
{
	char *host, *port, *s;
	const char *p, *e, *start;

	if (strchr(pat, ',') != NULL) {
		for (p = pat;; p = e + 1) {
			e = strchr(p, ',');
			if ((s = strip_dup(p, e ? (size_t)(e - p) : strlen(p))) != NULL)
				strv_push(out, s);
			if (e == NULL)
				return;
		}
	}
	if (gd_inv_parse_address(r, pat, &host, &port)) {
		free(host);
		free(port);
		if ((s = strip_dup(pat, strlen(pat))) != NULL)
			strv_push(out, s);
		return;
	}
	for (p = pat; *p != '\0';) {
		start = p;
		for (;;) {
			if (*p != '\0' && !py_space((unsigned char)*p) && *p != ':' &&
			    *p != '[' && *p != ']')
				p++;
			else if (*p == '[' && (e = strchr(p + 1, ']')) != NULL)
				p = e + 1;
			else
				break;
		}
		if (p == start)
			p++;
		else if ((s = strip_dup(start, (size_t)(p - start))) != NULL)
			strv_push(out, s);
	}
}

/* Code points of UTF-8 text; a byte that is not UTF-8 stands for itself
 * (0xDC80 + byte, as Python's surrogateescape). */
static uint32_t *
decode(const char *s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t *out = gd_xmalloc((strlen(s) + 1) * sizeof(*out));
	size_t k = 0;

	while (*p != '\0') {
		int len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 :
		    (*p & 0xF8) == 0xF0 ? 4 : 0;
		uint32_t c = len == 1 ? *p : len == 2 ? (*p & 0x1Fu) : len == 3 ? (*p & 0x0Fu) :
		    (*p & 0x07u);
		int i;

		for (i = 1; i < len; i++) {
			if ((p[i] & 0xC0) != 0x80)
				break;
			c = (c << 6) | (p[i] & 0x3Fu);
		}
		if (len == 0 || i < len) {
			out[k++] = 0xDC00 + *p++;
			continue;
		}
		out[k++] = c;
		p += len;
	}
	*n = k;
	return out;
}

/* A [...] set of fnmatch.translate() at pat[i] (just after '['): returns
 * the index after ']', or 0 when the '[' is a literal. */
static size_t
glob_set_end(const uint32_t *pat, size_t n, size_t i)
{
	size_t j = i;

	if (j < n && pat[j] == '!')
		j++;
	if (j < n && pat[j] == ']')
		j++;
	while (j < n && pat[j] != ']')
		j++;
	return j >= n ? 0 : j + 1;
}

static int
glob_set_match(const uint32_t *set, size_t n, uint32_t c)
{
	int neg = 0, hit = 0;
	size_t k = 0;

	if (n > 0 && set[0] == '!') {
		neg = 1;
		k = 1;
	}
	while (k < n) {
		if (k + 2 < n && set[k + 1] == '-') {
			if (set[k] <= c && c <= set[k + 2])
				hit = 1;
			k += 3;
		} else {
			if (set[k] == c)
				hit = 1;
			k++;
		}
	}
	return hit != neg;
}

/* fnmatch.fnmatchcase(): '*', '?', '[seq]', '[!seq]'; no escapes, case
 * sensitive, '*' crosses '/' and '.'. */
static int
glob_match(const uint32_t *pat, size_t np, const uint32_t *s, size_t ns)
{
	size_t pi = 0, si = 0, star = NONE, mark = 0, e;

	while (si < ns) {
		if (pi < np && pat[pi] == '*') {
			while (pi < np && pat[pi] == '*')
				pi++;
			star = pi;
			mark = si;
			continue;
		}
		if (pi < np) {
			if (pat[pi] == '?') {
				pi++;
				si++;
				continue;
			}
			if (pat[pi] == '[' && (e = glob_set_end(pat, np, pi + 1)) != 0) {
				if (glob_set_match(pat + pi + 1, e - pi - 2, s[si])) {
					pi = e;
					si++;
					continue;
				}
			} else if (pat[pi] == s[si]) {
				pi++;
				si++;
				continue;
			}
		}
		if (star == NONE)
			return 0;
		pi = star;
		si = ++mark;
	}
	while (pi < np && pat[pi] == '*')
		pi++;
	return pi == np;
}

/* One pattern word, compiled: a glob, a literal, or ~regex. */
struct matchword {
	int kind;               /* 0 literal, 1 glob, 2 regex */
	const char *text;
	uint32_t *cp;
	size_t ncp;
	regex_t re;
};

/* Python's re to POSIX ERE for the common differences: a leading (?i),
 * (?:, \d and \D. */
static int
word_compile(struct matchword *m, const char *expr, char *err, size_t errlen, const char *pat)
{
	struct gd_buf b = { 0 };
	const char *p;
	int flags = REG_EXTENDED, r, inset = 0;
	char msg[256];

	memset(m, 0, sizeof(*m));
	m->text = expr;
	if (expr[0] == '~') {
		p = expr + 1;
		if (strncmp(p, "(?i)", 4) == 0) {
			flags |= REG_ICASE;
			p += 4;
		}
		gd_buf_adds(&b, "");
		for (; *p != '\0'; p++) {
			if (p[0] == '\\' && p[1] != '\0') {
				if (p[1] == 'd' || p[1] == 'D')
					gd_buf_adds(&b, inset ? "0-9" : p[1] == 'd' ? "[0-9]" : "[^0-9]");
				else
					gd_buf_add(&b, p, 2);
				p++;
				continue;
			}
			if (!inset && strncmp(p, "(?:", 3) == 0) {
				gd_buf_adds(&b, "(");
				p += 2;
				continue;
			}
			if (*p == '[' && !inset) {
				inset = 1;
				gd_buf_add(&b, p, 1);
				if (p[1] == '^')
					gd_buf_add(&b, ++p, 1);
				if (p[1] == ']')
					gd_buf_add(&b, ++p, 1);
				continue;
			}
			if (*p == ']' && inset)
				inset = 0;
			gd_buf_add(&b, p, 1);
		}
		r = regcomp(&m->re, b.data, flags);
		gd_buf_free(&b);
		if (r != 0) {
			regerror(r, &m->re, msg, sizeof(msg));
			regfree(&m->re);
			return gd_errf(err, errlen, "pattern '%s': bad regular expression '%s': %s",
			    pat, expr + 1, msg);
		}
		m->kind = 2;
		return 0;
	}
	if (strpbrk(expr, "*?[") == NULL)
		return 0;
	m->kind = 1;
	m->cp = decode(expr, &m->ncp);
	return 0;
}

static int
word_match(struct matchword *m, const char *name)
{
	regmatch_t rm;
	uint32_t *cp;
	size_t n;
	int r;

	switch (m->kind) {
	case 0:
		return strcmp(m->text, name) == 0;
	case 2:   /* re.match(): a match that starts at the beginning */
		return regexec(&m->re, name, 1, &rm, 0) == 0 && rm.rm_so == 0;
	default:
		cp = decode(name, &n);
		r = glob_match(m->cp, m->ncp, cp, n);
		free(cp);
		return r;
	}
}

static void
word_free(struct matchword *m)
{
	if (m->kind == 2)
		regfree(&m->re);
	free(m->cp);
}

struct subscript {
	int has;
	int single;             /* [n] rather than a slice */
	long long start, end;   /* end -1: to the last */
};

static long long
sat_ll(const char *s, size_t n)
{
	long long v = 0;
	size_t i;
	int neg = 0;

	if (n > 0 && s[0] == '-') {
		neg = 1;
		s++;
		n--;
	}
	for (i = 0; i < n; i++)
		v = v > (LLONG_MAX - 9) / 10 ? LLONG_MAX / 2 : v * 10 + (s[i] - '0');
	return neg ? -v : v;
}

/* _split_subscript(): ^(.+)\[(-?[0-9]+|[0-9]+[:-][0-9]*)\]$; returns the
 * length of the expression before the subscript. */
static size_t
split_subscript(const char *p, struct subscript *sub)
{
	size_t len = strlen(p), lb, i, d;
	const char *in;

	memset(sub, 0, sizeof(*sub));
	if (p[0] == '~' || len < 4 || p[len - 1] != ']')
		return len;
	for (lb = len - 1; lb > 0 && p[lb] != '['; lb--)
		;
	if (lb == 0 || memchr(p, '\n', lb) != NULL)
		return len;
	in = p + lb + 1;
	len = (size_t)(p + strlen(p) - 1 - in);   /* inside the brackets */
	i = in[0] == '-' ? 1 : 0;
	d = 0;
	while (i + d < len && isdigit((unsigned char)in[i + d]))
		d++;
	if (d > 0 && i + d == len) {
		sub->has = sub->single = 1;
		sub->start = sat_ll(in, len);
		return lb;
	}
	if (i != 0 || d == 0 || (in[d] != ':' && in[d] != '-'))
		return strlen(p);
	for (i = d + 1; i < len; i++)
		if (!isdigit((unsigned char)in[i]))
			return strlen(p);
	sub->has = 1;
	sub->start = sat_ll(in, d);
	sub->end = d + 1 < len ? sat_ll(in + d + 1, len - d - 1) : -1;
	if (sub->end == 0)   /* Python: 'if end:' -- [n:0] is [n] */
		sub->single = 1;
	return lb;
}

struct matcher {
	const struct gd_inventory *inv;
	struct walk w;
	struct idxv tmp;
	size_t *seen, stamp;    /* hosts already in a list being built */
	char *err;
	size_t errlen;
};

/* _enumerate_matches(): the hosts of every group whose name matches, then
 * the hosts whose name matches if no group did or the pattern has '.',
 * '?', '*', '[' or is a regex. With dedup unset the list keeps duplicates,
 * as Ansible's does before a subscript applies. */
static int
enumerate(struct matcher *mt, const char *expr, const char *pat, int dedup, struct idxv *out)
{
	const struct gd_inventory *inv = mt->inv;
	struct matchword m;
	size_t gi, i, ngroups = 0;
	int rc = -1;

	if (word_compile(&m, expr, mt->err, mt->errlen, pat) < 0)
		return -1;
	mt->stamp++;
	for (gi = 0; gi < inv->ngroups; gi++) {
		if (!word_match(&m, inv->groups[gi].name))
			continue;
		ngroups++;
		mt->tmp.n = 0;
		gd_inv_group_hosts(inv->groups, gi, &mt->w, &mt->tmp);
		for (i = 0; i < mt->tmp.n; i++) {
			if (dedup && mt->seen[mt->tmp.v[i]] == mt->stamp)
				continue;
			mt->seen[mt->tmp.v[i]] = mt->stamp;
			if (out->n >= MAX_RAW) {
				gd_errf(mt->err, mt->errlen, "pattern '%s' lists more than %d hosts",
				    pat, MAX_RAW);
				goto out;
			}
			idxv_push(out, mt->tmp.v[i]);
		}
	}
	if (ngroups == 0 || expr[0] == '~' || strpbrk(expr, ".?*[") != NULL)
		for (i = 0; i < inv->nhosts; i++) {
			size_t h = inv->index->defined[i];

			if (!word_match(&m, inv->hosts[h].name))
				continue;
			if (dedup && mt->seen[h] == mt->stamp)
				continue;
			mt->seen[h] = mt->stamp;
			idxv_push(out, h);
		}
	rc = 0;
out:
	word_free(&m);
	return rc;
}

/* Whether the end of a pattern looks like a subscript Ansible does not
 * understand ([:2], [-1:], [1:2:3]): it reads those as globs. */
static int
bad_subscript(const char *p)
{
	size_t len = strlen(p);
	const char *lb;

	if (len < 3 || p[len - 1] != ']' || (lb = strrchr(p, '[')) == NULL || lb == p)
		return 0;
	return strspn(lb + 1, "0123456789:-") == (size_t)(p + len - 1 - (lb + 1)) &&
	    lb + 1 < p + len - 1;
}

/* _match_one_pattern(): one word without its '&' or '!'. */
static int
match_one(struct matcher *mt, const char *word, struct idxv *out)
{
	struct subscript sub;
	char *expr;
	size_t n, len;
	long long s, e, i;
	int rc = -1;

	len = split_subscript(word, &sub);
	expr = gd_xstrdup(word);
	expr[len] = '\0';
	out->n = 0;
	if (enumerate(mt, expr, word, !sub.has, out) < 0)
		goto out;
	if (out->n == 0 && !sub.has && bad_subscript(word)) {
		gd_errf(mt->err, mt->errlen, "pattern '%s': ansible reads '%s' as a glob, "
		    "not a subscript, and it matches nothing; subscripts are [N], [-N], "
		    "[N:M] and [N:]", word, strrchr(word, '['));
		goto out;
	}
	n = out->n;
	if (sub.has && n > 0) {
		if (sub.single) {
			i = sub.start < 0 ? sub.start + (long long)n : sub.start;
			if (i < 0 || i >= (long long)n) {
				gd_errf(mt->err, mt->errlen, "pattern '%s': index %lld is out of "
				    "range, '%s' has %zu hosts", word, sub.start, expr, n);
				goto out;
			}
			out->v[0] = out->v[i];
			out->n = 1;
		} else {   /* hosts[start:end + 1], both ends included */
			s = sub.start;
			e = sub.end == -1 ? (long long)n - 1 : sub.end;
			if (e > (long long)n - 1)
				e = (long long)n - 1;
			if (s > e) {
				out->n = 0;
			} else {
				memmove(out->v, out->v + s, (size_t)(e - s + 1) * sizeof(*out->v));
				out->n = (size_t)(e - s + 1);
			}
		}
		/* a subscript may pick one host twice from overlapping groups */
		mt->stamp++;
		for (i = 0, n = 0; i < (long long)out->n; i++)
			if (mt->seen[out->v[i]] != mt->stamp) {
				mt->seen[out->v[i]] = mt->stamp;
				out->v[n++] = out->v[i];
			}
		out->n = n;
	}
	rc = 0;
out:
	free(expr);
	return rc;
}

int
gd_inventory_match(const struct gd_inventory *inv, const char *pattern,
    size_t **idx, size_t *n, char *err, size_t errlen)
{
	struct strv words = { 0 };
	struct addr_re r6 = { 0 };
	struct matcher mt = { 0 };
	struct idxv res = { 0 }, that = { 0 };
	const char **order = NULL;
	unsigned char *in = NULL, *mark = NULL;
	size_t i, j, k, norder = 0, h;
	int pass, rc = -1;

	*idx = NULL;
	*n = 0;
	if (inv->index == NULL)
		return gd_errf(err, errlen, "inventory not loaded");
	split_pattern(&r6, pattern ? pattern : "", &words);
	/* order_patterns(): plain words, then '&', then '!'; 'all' if no plain one */
	order = gd_xcalloc(words.n + 1, sizeof(*order));
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < words.n; i++) {
			char c = words.v[i][0];

			if ((pass == 0 && c != '&' && c != '!') || (pass == 1 && c == '&') ||
			    (pass == 2 && c == '!'))
				order[norder++] = words.v[i];
		}
		if (pass == 0 && norder == 0)
			order[norder++] = "all";
	}
	mt.inv = inv;
	mt.err = err;
	mt.errlen = errlen;
	mt.seen = gd_xcalloc(inv->nhosts + 1, sizeof(*mt.seen));
	gd_inv_walk_init(&mt.w, inv->ngroups, inv->nhosts);
	in = gd_xcalloc(inv->nhosts + 1, 1);
	mark = gd_xcalloc(inv->nhosts + 1, 1);
	for (i = 0; i < norder; i++) {
		const char *p = order[i];

		if ((p[0] == '&' || p[0] == '!') && p[1] == '\0') {
			gd_errf(err, errlen, "pattern '%s': '%c' must be followed by a group or "
			    "host", pattern, p[0]);
			goto out;
		}

		/* _evaluate_patterns(): a plain word naming a host is that host */
		if (p[0] != '&' && p[0] != '!' && smap_get(&inv->index->byname, p, &h)) {
			if (!in[h]) {
				in[h] = 1;
				idxv_push(&res, h);
			}
			continue;
		}
		if (match_one(&mt, p[0] == '&' || p[0] == '!' ? p + 1 : p, &that) < 0)
			goto out;
		if (p[0] == '&' || p[0] == '!') {
			for (j = 0; j < that.n; j++)
				mark[that.v[j]] = 1;
			for (j = k = 0; j < res.n; j++) {
				if ((mark[res.v[j]] != 0) == (p[0] == '&'))
					res.v[k++] = res.v[j];
				else
					in[res.v[j]] = 0;
			}
			res.n = k;
			for (j = 0; j < that.n; j++)
				mark[that.v[j]] = 0;
		} else {
			for (j = 0; j < that.n; j++)
				if (!in[that.v[j]]) {
					in[that.v[j]] = 1;
					idxv_push(&res, that.v[j]);
				}
		}
	}
	*idx = res.v;
	*n = res.n;
	res.v = NULL;
	rc = 0;
out:
	free(res.v);
	free(that.v);
	free(mt.tmp.v);
	free(mt.seen);
	gd_inv_walk_free(&mt.w);
	free(in);
	free(mark);
	free(order);
	strv_free(&words);
	gd_inv_addr_re_free(&r6);
	return rc;
}

