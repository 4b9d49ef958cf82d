/* inventory.c: Ansible YAML inventories (read with yamltree) and host patterns.
 *
 * It follows ansible-core 2.14 closely, so that teams can keep one inventory
 * for both tools: plugins/inventory/yaml.py and plugins/inventory/__init__.py
 * (parsing, host ranges), inventory/data.py, group.py, host.py (the group
 * graph, 'ungrouped', variable precedence) and inventory/manager.py
 * (patterns), so a pattern gives the hosts, in the order, that
 * `ansible -i INV PATTERN --list-hosts` prints. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gd.h"
#include "inventory.h"
#include "map.h"
#include "yamltree.h"

#define MAX_DEPTH 256           /* YAML nesting, and groups inside groups */
#define MAX_BYTES (64L << 20)   /* larger files are not inventories */
#define MAX_WORK 20000000       /* entries visited after aliases, merges, ranges */
#define MAX_NAME 4096           /* a host name */
#define MAX_WARN 50
#define MAX_RAW (1 << 24)       /* hosts listed before a subscript applies */

#define NONE ((size_t)-1)
#define G_ALL 0
#define G_UNGROUPED 1

/* ---- small containers ---- */

struct idxv {
	size_t *v;
	size_t n, cap;
};

static void
idxv_push(struct idxv *a, size_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->v = gd_xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = x;
}

/* key's value into *v when the map has it */
static int
smap_get(const struct gd_map *m, const char *k, size_t *v)
{
	const size_t *p = gd_map_get(m, k);

	if (p != NULL)
		*v = *p;
	return p != NULL;
}

/* A set of non-zero 64-bit keys: group membership and group edges. */
struct uset {
	uint64_t *t;
	size_t n, cap;
};

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static size_t
uset_slot(const struct uset *s, uint64_t k)
{
	size_t i = mix64(k) & (s->cap - 1);

	while (s->t[i] != 0 && s->t[i] != k)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int
uset_has(const struct uset *s, uint64_t k)
{
	return s->cap > 0 && s->t[uset_slot(s, k)] == k;
}

/* Returns 1 when k was added, 0 when it was there. */
static int
uset_add(struct uset *s, uint64_t k)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		struct uset g = { NULL, 0, s->cap ? s->cap * 2 : 64 };

		g.t = gd_xcalloc(g.cap, sizeof(*g.t));
		for (i = 0; i < s->cap; i++)
			if (s->t[i] != 0) {
				g.t[uset_slot(&g, s->t[i])] = s->t[i];
				g.n++;
			}
		free(s->t);
		*s = g;
	}
	i = uset_slot(s, k);
	if (s->t[i] == k)
		return 0;
	s->t[i] = k;
	s->n++;
	return 1;
}

#define MEMBER(g, h) ((1ULL << 62) | ((uint64_t)(g) << 31) | (uint64_t)(h))
#define EDGE(p, c) ((2ULL << 62) | ((uint64_t)(p) << 31) | (uint64_t)(c))

/* Variables in the order first set, with an index by name. A NULL value is
 * a null or a list/mapping: not usable, but it still overrides, as in Ansible. */
struct vlist {
	struct gd_var *v;
	size_t n, cap;
	struct gd_map idx;
};

static void
vlist_set(struct vlist *l, const char *key, const char *value, size_t line)
{
	size_t i;

	if (smap_get(&l->idx, key, &i)) {
		free(l->v[i].value);
		l->v[i].value = value ? gd_xstrdup(value) : NULL;
		l->v[i].line = line;
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = gd_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].key = gd_xstrdup(key);
	l->v[l->n].value = value ? gd_xstrdup(value) : NULL;
	l->v[l->n].line = line;
	gd_map_put(&l->idx, l->v[l->n].key, l->n);
	l->n++;
}

static void
vlist_free(struct vlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	gd_map_free(&l->idx);
	memset(l, 0, sizeof(*l));
}

static const struct gd_var *
vlist_get(const struct vlist *l, const char *key)
{
	size_t i;

	return smap_get(&l->idx, key, &i) ? &l->v[i] : NULL;
}

/* ---- the inventory graph ---- */

struct gd_group {
	char *name;
	size_t line;
	long depth;             /* longest path from 'all' */
	long priority;          /* ansible_group_priority */
	struct idxv hosts;      /* direct hosts */
	struct idxv kids;       /* child groups */
	struct idxv kidlines;   /* where each child was named */
	struct idxv parents;
	struct vlist vars;
};

struct gd_inv_index {
	size_t *defined;        /* hosts in the order first defined: Ansible's host dict */
	struct gd_map byname;     /* host name -> index */
};

/* A host while loading, numbered in the order first defined. */
struct ihost {
	char *name;
	size_t line;
	struct vlist vars;
	struct idxv groups;     /* direct groups; all its groups when fixed */
	int fixed;
};

/* Ansible host names may be IPv6 addresses; its pattern is a regex. */
struct addr_re {
	regex_t re;
	int state;              /* 0 not compiled, 1 ready, -1 failed */
};

/* ---- YAML nodes, typed the way PyYAML types them ---- */

enum { T_STR, T_NULL, T_BOOL, T_INT, T_FLOAT };   /* gd_ynode.type of a scalar */
#define F_MERGE 1               /* gd_ynode.flags: a '<<' key */
#define F_FALSY 2               /* a scalar false in Python's sense */

struct loader {
	const char *path;
	char *err;
	size_t errlen;
	struct gd_ynode *root;
	regex_t re_int, re_float;
	int re_ready;
	struct addr_re ipv6;
	size_t work;
	struct gd_ynode null;   /* stands for the value of 'hosts: name' */
	struct gd_group *groups;
	size_t ngroups, cgroups;
	struct gd_map gmap;
	struct ihost *hosts;
	size_t nhosts, chosts;
	struct gd_map hmap;
	struct uset links;
	char **warn;
	size_t nwarn;
};

/* "PATH: line N: message" into the caller's buffer; returns -1. */
static int
lerr(struct loader *ld, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
lerr(struct loader *ld, size_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gd_yaml_verrf(ld->err, ld->errlen, ld->path, line, fmt, ap);
	va_end(ap);
	return -1;
}

static void
warn(struct loader *ld, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
warn(struct loader *ld, size_t line, const char *fmt, ...)
{
	char msg[GD_ERRLEN];
	va_list ap;

	if (ld->nwarn > MAX_WARN)
		return;
	ld->warn = gd_xrealloc(ld->warn, (ld->nwarn + 1) * sizeof(*ld->warn));
	if (ld->nwarn == MAX_WARN) {
		ld->warn[ld->nwarn++] = gd_xasprintf("%s: more warnings not shown", ld->path);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ld->warn[ld->nwarn++] = gd_xasprintf("%s: line %zu: %s", ld->path, line, msg);
}

/* Counts work against MAX_WORK, so that alias bombs and huge ranges end
 * with a message instead of eating the machine. */
static int
spend(struct loader *ld, size_t n, size_t line)
{
	ld->work += n;
	if (ld->work > MAX_WORK)
		return lerr(ld, line, "the inventory is too large: more than %d entries "
		    "once aliases, merges, host ranges and group variables are expanded",
		    MAX_WORK);
	return 0;
}

static const char *
describe(const struct gd_ynode *n)
{
	if (n->kind == GD_Y_SEQ)
		return "a list";
	if (n->kind == GD_Y_MAP)
		return "a mapping";
	switch (n->type) {
	case T_NULL: return "empty";
	case T_BOOL: return "a boolean";
	case T_INT:
	case T_FLOAT: return "a number";
	default: return "a string";
	}
}

/* Null once typed: YAML's null, or anything tagged !!null. */
static int
is_null(const struct gd_ynode *n)
{
	return n->kind == GD_Y_SCALAR && n->type == T_NULL;
}

static int
is_str(const struct gd_ynode *n)
{
	return n->kind == GD_Y_SCALAR && n->type == T_STR;
}

/* False in Python's sense: a false scalar, an empty list or mapping. */
static int
falsy(const struct gd_ynode *n)
{
	return n->kind == GD_Y_SCALAR ? (n->flags & F_FALSY) != 0 : n->n == 0;
}

/* Zero in any of YAML 1.1's spellings of numbers (0, -0, 0x0, 0.0, 0_0). */
static int
num_is_zero(const char *s, int is_float)
{
	if (strpbrk(s, "iInN") != NULL)   /* .inf, .nan */
		return 0;
	if (*s == '+' || *s == '-')
		s++;
	if (!is_float && s[0] == '0' && (s[1] == 'x' || s[1] == 'b'))
		s += 2;
	for (; *s != '\0'; s++) {
		if (is_float && (*s == 'e' || *s == 'E'))
			break;
		if (isxdigit((unsigned char)*s) && *s != '0')
			return 0;
	}
	return 1;
}

static const char *const yaml_true[] = {
	"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL
};
static const char *const yaml_false[] = {
	"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL
};

static int
in_list(const char *const *l, const char *s)
{
	for (; *l != NULL; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

/* PyYAML's implicit resolvers (YAML 1.1), which Ansible uses: the type of a
 * plain scalar decides whether it may name a host or a group. */
static void
resolve_plain(struct loader *ld, struct gd_ynode *n)
{
	const char *s = n->str;

	if (gd_yaml_is_null(n))
		n->type = T_NULL;
	else if (in_list(yaml_true, s) || in_list(yaml_false, s))
		n->type = T_BOOL;
	else if (regexec(&ld->re_float, s, 0, NULL, 0) == 0)
		n->type = T_FLOAT;
	else if (regexec(&ld->re_int, s, 0, NULL, 0) == 0)
		n->type = T_INT;
	else
		n->type = T_STR;
}

static int
scalar_falsy(const struct gd_ynode *n)
{
	switch (n->type) {
	case T_NULL: return 1;
	case T_BOOL: return in_list(yaml_false, n->str);
	case T_INT: return num_is_zero(n->str, 0);
	case T_FLOAT: return num_is_zero(n->str, 1);
	default: return n->str[0] == '\0';
	}
}

/* yamltree's scalar hook: the type, '<<' and truth of a scalar. */
static int
type_scalar(void *arg, struct gd_ynode *n, const char *tag)
{
	if (tag == NULL && n->plain) {
		resolve_plain(arg, n);
		if (strcmp(n->str, "<<") == 0)
			n->flags |= F_MERGE;
	} else if (tag != NULL && strncmp(tag, "tag:yaml.org,2002:", 18) == 0) {
		const char *t = tag + 18;

		if (strcmp(t, "null") == 0)
			n->type = T_NULL;
		else if (strcmp(t, "bool") == 0)
			n->type = T_BOOL;
		else if (strcmp(t, "int") == 0)
			n->type = T_INT;
		else if (strcmp(t, "float") == 0)
			n->type = T_FLOAT;
		else
			n->type = T_STR;
		if (strcmp(t, "merge") == 0)
			n->flags |= F_MERGE;
	} else {
		n->type = T_STR;   /* quoted, '!', or a local tag such as !vault */
	}
	if (scalar_falsy(n))
		n->flags |= F_FALSY;
	return 0;
}

/* yamltree's alias hook: a named node counts again. */
static int
count_alias(void *arg, struct gd_ynode *n, size_t line)
{
	(void)n;
	return spend(arg, 1, line);
}

/* Adds the key/value pairs of m to out, the last value of a key winning but
 * the key keeping its first place, as a Python dict does. */
static void
pairs_add(struct gd_ynode *out, struct gd_map *seen, struct gd_ynode *k, struct gd_ynode *v)
{
	size_t i;

	if (smap_get(seen, k->str, &i)) {
		out->kids[2 * i + 1] = v;
		return;
	}
	gd_map_put(seen, k->str, out->n / 2);
	gd_yaml_push(out, k);
	gd_yaml_push(out, v);
}

/* Finishes a mapping like PyYAML's flatten_mapping() and construct_mapping():
 * '<<' merges first, then the mapping's own keys; duplicate keys keep the
 * last value. Merged mappings are finished already, so this never recurses. */
static int
map_finish(void *arg, struct gd_ynode *m)
{
	struct loader *ld = arg;
	struct gd_ynode out = { 0 };
	struct gd_map seen = { 0 };
	size_t i, j;
	int rc = -1;

	for (i = 0; i + 1 < m->n; i += 2) {
		struct gd_ynode *k = m->kids[i], *v = m->kids[i + 1];

		if (k->kind != GD_Y_SCALAR) {
			lerr(ld, k->line, "a mapping key must be a plain value, not %s", describe(k));
			goto out;
		}
		if (!(k->flags & F_MERGE))
			continue;
		if (v->kind == GD_Y_MAP) {
			if (spend(ld, v->n / 2, k->line) < 0)
				goto out;
			for (j = 0; j + 1 < v->n; j += 2)
				pairs_add(&out, &seen, v->kids[j], v->kids[j + 1]);
		} else if (v->kind == GD_Y_SEQ) {
			for (j = v->n; j-- > 0;) {   /* PyYAML merges the list reversed */
				struct gd_ynode *s = v->kids[j];
				size_t x;

				if (s->kind != GD_Y_MAP) {
					lerr(ld, s->line, "'<<' takes mappings, not %s", describe(s));
					goto out;
				}
				if (spend(ld, s->n / 2, s->line) < 0)
					goto out;
				for (x = 0; x + 1 < s->n; x += 2)
					pairs_add(&out, &seen, s->kids[x], s->kids[x + 1]);
			}
		} else {
			lerr(ld, v->line, "'<<' takes a mapping or a list of mappings, not %s",
			    describe(v));
			goto out;
		}
	}
	if (spend(ld, m->n / 2, m->line) < 0)
		goto out;
	for (i = 0; i + 1 < m->n; i += 2)
		if (!(m->kids[i]->flags & F_MERGE))
			pairs_add(&out, &seen, m->kids[i], m->kids[i + 1]);
	free(m->kids);
	m->kids = out.kids;
	m->n = out.n;
	m->cap = out.cap;
	out.kids = NULL;
	rc = 0;
out:
	free(out.kids);
	gd_map_free(&seen);
	return rc;
}

/* ---- host names: parse_address() and expand_hostname_range() ---- */

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Python's \w, roughly: ASCII letters, digits, '_' and any non-ASCII byte. */
static int
is_word(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

static size_t
span_digits(const char *s)
{
	size_t i = 0;

	while (isdigit((unsigned char)s[i]))
		i++;
	return i;
}

/* Length of an alphanumeric_range at s: [a:z] or [0:9], with an optional
 * :step; 0 when there is none. */
static size_t
alnum_range(const char *s)
{
	size_t i = 1, d;

	if (s[0] != '[')
		return 0;
	if (isalpha((unsigned char)s[1]) && s[2] == ':' && isalpha((unsigned char)s[3])) {
		i = 4;
	} else {
		if ((d = span_digits(s + i)) == 0)
			return 0;
		i += d;
		if (s[i++] != ':' || (d = span_digits(s + i)) == 0)
			return 0;
		i += d;
	}
	if (s[i] == ':') {
		if ((d = span_digits(s + i + 1)) == 0)
			return 0;
		i += 1 + d;
	}
	return s[i] == ']' ? i + 1 : 0;
}

/* Length of a numeric_range at s ([1:9] or [1:9:2]), 0 when there is none. */
static size_t
num_range(const char *s)
{
	return (s[0] == '[' && isdigit((unsigned char)s[1])) ? alnum_range(s) : 0;
}

/* The 'hostname' pattern of ansible/parsing/utils/addresses.py: labels of
 * word characters, '-' and ranges, not ending with '-' or '_'. */
static int
is_hostname(const char *s, size_t len)
{
	size_t i = 0, start, r;

	if (len == 0)
		return 0;
	for (;;) {
		start = i;
		while (i < len && s[i] != '.') {
			if (s[i] == '[') {
				if ((r = alnum_range(s + i)) == 0 || i + r > len)
					return 0;
				i += r;
			} else if (is_word((unsigned char)s[i]) || (s[i] == '-' && i > start)) {
				i++;
			} else {
				return 0;
			}
		}
		if (i == start || s[i - 1] == '-' || s[i - 1] == '_')
			return 0;
		if (i == len)
			return 1;
		i++;   /* the dot */
	}
}

static int
is_ipv4(const char *s, size_t len)
{
	size_t i = 0, part, d;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
		if (i < len && s[i] == '[') {
			if ((d = num_range(s + i)) == 0 || i + d > len)
				return 0;
			i += d;
			continue;
		}
		d = 0;
		while (i + d < len && isdigit((unsigned char)s[i + d]))
			d++;
		if (d == 0 || d > 3)
			return 0;
		if (d == 3 && s[i] > '1' && !(s[i] == '2' &&
		    (s[i + 1] < '5' || (s[i + 1] == '5' && s[i + 2] <= '5'))))
			return 0;
		i += d;
	}
	return i == len;
}

/* Ansible's 'ipv6' pattern in POSIX ERE. Note its '^' and '$' bind only to
 * the first and last alternatives, so most alternatives match a prefix:
 * ansible takes 'a::b' as one address, and so do we. */
static int
is_ipv6(struct addr_re *r, const char *s)
{
	static const char C[] = "([0-9a-f]{1,4}|\\[[0-9a-f]+:[0-9a-f]+(:[0-9]+)?\\])";
	char *re;

	if (r->state == 0) {
		re = gd_xasprintf("^((%1$s:){7}%1$s|(%1$s:){1,6}:|(%1$s:)(:%1$s){1,6}|"
		    "(%1$s:){2}(:%1$s){1,5}|(%1$s:){3}(:%1$s){1,4}|(%1$s:){4}(:%1$s){1,3}|"
		    "(%1$s:){5}(:%1$s){1,2}|(%1$s:){6}(:%1$s)|:(:%1$s){1,6}|%1$s?::|"
		    "(0:){6}(%1$s\\.){3}%1$s|::(ffff:)?(%1$s\\.){3}%1$s|"
		    "(0:){5}ffff:(%1$s\\.){3}%1$s$)", C);
		r->state = regcomp(&r->re, re, REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0 ? 1 : -1;
		free(re);
	}
	return r->state == 1 && regexec(&r->re, s, 0, NULL, 0) == 0;
}

static void
addr_re_free(struct addr_re *r)
{
	if (r->state == 1)
		regfree(&r->re);
	r->state = 0;
}

/* parse_address(s, allow_ranges=True): returns 1 and the host part (malloc'd)
 * and the port digits (malloc'd or NULL) when s is a host with an optional
 * :port; 0 when it is not a recognizable host. */
static int
parse_address(struct addr_re *r, const char *s, char **hostp, char **portp)
{
	char *a = gd_xstrdup(s), *q, *port = NULL, *p;
	size_t len;
	int ok;

	/* bracketed_hostport: [anything]:port */
	q = strrchr(a, ':');
	if (a[0] == '[' && q != NULL && q - a >= 3 && q[-1] == ']' && all_digits(q + 1)) {
		port = gd_xstrdup(q + 1);
		q[-1] = '\0';
		memmove(a, a + 1, strlen(a + 1) + 1);
	}
	/* hostport: (non-[]: chars or [...] groups):port */
	q = strrchr(a, ':');
	if (q != NULL && all_digits(q + 1)) {
		for (p = a, ok = 1; p < q && ok; p++) {
			if (*p == '[') {
				char *e = strchr(p, ']');

				if (e == NULL || e >= q)
					ok = 0;
				else
					p = e;
			} else if (*p == ']' || *p == ':') {
				ok = 0;
			}
		}
		if (ok) {
			free(port);
			port = gd_xstrdup(q + 1);
			*q = '\0';
		}
	}
	len = strlen(a);
	if (len > 0 && (is_ipv4(a, len) || is_hostname(a, len) || is_ipv6(r, a))) {
		*hostp = a;
		*portp = port;
		return 1;
	}
	free(a);
	free(port);
	return 0;
}

struct strv {
	char **v;
	size_t n, cap;
};

static void
strv_push(struct strv *a, char *s)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->v = gd_xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = s;
}

static void
strv_free(struct strv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* int() of a range bound: an optional sign and decimal digits. */
static int
range_int(const char *s, long long *v)
{
	char *end;

	if (!(isdigit((unsigned char)s[0]) || ((s[0] == '-' || s[0] == '+') &&
	    isdigit((unsigned char)s[1]))))
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || *v > 1000000000000LL || *v < -1000000000000LL)
		return -1;
	return 0;
}

static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* One step of expand_hostname_range(): the first [x:y(:z)] of line,
 * expanded into out. */
static int
expand_once(struct loader *ld, const char *line, struct strv *out, size_t lineno)
{
	char *s = gd_xstrdup(line), *a, *b, *bounds[3], *beg, *end, *t;
	const char *pb, *pe;
	long long lb, le, step = 1, x, count;
	size_t nb = 0, rlen = 0;
	int rc = -1, alpha = 0;

	/* line.replace('[', '|', 1).replace(']', '|', 1).split('|') */
	if ((a = strchr(s, '[')) != NULL)
		*a = '|';
	if ((b = strchr(s, ']')) != NULL)
		*b = '|';
	if (a == NULL || b == NULL || strchr(strchr(strchr(s, '|') + 1, '|') + 1, '|') != NULL) {
		lerr(ld, lineno, "bad host range in '%s'", line);
		goto out;
	}
	a = strchr(s, '|');
	b = strchr(a + 1, '|');
	*a = *b = '\0';
	/* nrange.split(':'): 2 or 3 fields */
	bounds[nb++] = a + 1;
	for (t = a + 1; *t != '\0'; t++)
		if (*t == ':') {
			if (nb == 3) {
				nb = 4;
				break;
			}
			*t = '\0';
			bounds[nb++] = t + 1;
		}
	if (nb != 2 && nb != 3) {
		lerr(ld, lineno, "host range in '%s' must be begin:end or begin:end:step", line);
		goto out;
	}
	beg = bounds[0][0] == '\0' ? (char *)"0" : bounds[0];
	end = bounds[1];
	if (*end == '\0') {
		lerr(ld, lineno, "host range in '%s' must specify an end value", line);
		goto out;
	}
	if (beg[0] == '0' && beg[1] != '\0') {
		rlen = strlen(beg);
		if (rlen != strlen(end)) {
			lerr(ld, lineno, "host range in '%s' must have begin and end of "
			    "equal length", line);
			goto out;
		}
	}
	if (nb == 3 && range_int(bounds[2], &step) < 0) {
		lerr(ld, lineno, "bad step in host range '%s'", line);
		goto out;
	}
	if (step == 0) {
		lerr(ld, lineno, "host range step in '%s' must not be 0", line);
		goto out;
	}
	pb = strstr(letters, beg);   /* string.ascii_letters.index() */
	pe = strstr(letters, end);
	if (pb != NULL && pe != NULL) {
		alpha = 1;
		lb = pb - letters;
		le = pe - letters;
		if (lb > le) {
			lerr(ld, lineno, "host range in '%s' must have begin <= end", line);
			goto out;
		}
	} else if (range_int(beg, &lb) < 0 || range_int(end, &le) < 0) {
		lerr(ld, lineno, "bad host range in '%s'", line);
		goto out;
	}
	count = step > 0 ? (le + 1 - lb + step - 1) / step : (lb - le - 1 + -step - 1) / -step;
	if (alpha && step < 0)
		count = 0;   /* letters[b:e+1:-n] with b <= e is empty */
	if (count < 0)
		count = 0;
	if (spend(ld, (size_t)count, lineno) < 0)
		goto out;
	for (x = lb; count-- > 0; x += step) {
		if (alpha)
			strv_push(out, gd_xasprintf("%s%c%s", s, letters[x], b + 1));
		else if (rlen > 0 && x < 0)   /* str(x).zfill(rlen) */
			strv_push(out, gd_xasprintf("%s-%0*lld%s", s, (int)rlen - 1, -x, b + 1));
		else
			strv_push(out, gd_xasprintf("%s%0*lld%s", s, (int)rlen, x, b + 1));
	}
	rc = 0;
out:
	free(s);
	return rc;
}

/* expand_hostname_range(): every [x:y] of line, leftmost first, in order.
 * Level by level instead of recursively: same order, bounded stack. */
static int
expand_ranges(struct loader *ld, const char *line, struct strv *out, size_t lineno)
{
	struct strv cur = { 0 }, next = { 0 };
	size_t i;
	int rc = -1, again = 1;

	strv_push(&cur, gd_xstrdup(line));
	while (again) {
		again = 0;
		for (i = 0; i < cur.n; i++) {
			if (strchr(cur.v[i], '[') == NULL) {
				strv_push(&next, cur.v[i]);
				cur.v[i] = NULL;
				continue;
			}
			again = 1;
			if (expand_once(ld, cur.v[i], &next, lineno) < 0)
				goto out;
		}
		strv_free(&cur);
		cur = next;
		memset(&next, 0, sizeof(next));
	}
	*out = cur;
	memset(&cur, 0, sizeof(cur));
	rc = 0;
out:
	strv_free(&cur);
	strv_free(&next);
	return rc;
}

/* ---- building the inventory, as InventoryData does ---- */

static size_t
add_group(struct loader *ld, const char *name, size_t line)
{
	struct gd_group *g;
	size_t id;

	if (smap_get(&ld->gmap, name, &id))
		return id;
	if (ld->ngroups == ld->cgroups) {
		ld->cgroups = ld->cgroups ? ld->cgroups * 2 : 16;
		ld->groups = gd_xrealloc(ld->groups, ld->cgroups * sizeof(*ld->groups));
	}
	id = ld->ngroups++;
	g = &ld->groups[id];
	memset(g, 0, sizeof(*g));
	g->name = gd_xstrdup(name);
	g->line = line;
	g->priority = 1;
	gd_map_put(&ld->gmap, g->name, id);
	return id;
}

static void
add_edge(struct loader *ld, size_t p, size_t c, size_t line)
{
	if (!uset_add(&ld->links, EDGE(p, c)))
		return;
	idxv_push(&ld->groups[p].kids, c);
	idxv_push(&ld->groups[p].kidlines, line);
	idxv_push(&ld->groups[c].parents, p);
}

static void
add_member(struct loader *ld, size_t g, size_t h)
{
	if (!uset_add(&ld->links, MEMBER(g, h)))
		return;
	idxv_push(&ld->groups[g].hosts, h);
	idxv_push(&ld->hosts[h].groups, g);
}

/* InventoryData.add_host(): a host is created once; a port from its
 * name ('web1:2222') counts only then, as in Ansible. */
static size_t
add_host(struct loader *ld, const char *name, size_t gid, const char *port, size_t line)
{
	struct ihost *h;
	size_t id;

	if (!smap_get(&ld->hmap, name, &id)) {
		if (ld->nhosts == ld->chosts) {
			ld->chosts = ld->chosts ? ld->chosts * 2 : 64;
			ld->hosts = gd_xrealloc(ld->hosts, ld->chosts * sizeof(*ld->hosts));
		}
		id = ld->nhosts++;
		h = &ld->hosts[id];
		memset(h, 0, sizeof(*h));
		h->name = gd_xstrdup(name);
		h->line = line;
		gd_map_put(&ld->hmap, h->name, id);
		if (port != NULL) {
			while (port[0] == '0' && port[1] != '\0')
				port++;
			if (strcmp(port, "0") != 0)   /* Host(name, port) ignores 0 */
				vlist_set(&h->vars, "ansible_port", port, line);
		}
	}
	if (gid != NONE)
		add_member(ld, gid, id);
	return id;
}

/* Python's int() of a scalar, for ansible_group_priority. */
static int
scalar_int(const struct gd_ynode *v, long *out)
{
	char *end;
	double d;
	long long x;

	if (v->kind != GD_Y_SCALAR)
		return -1;
	if (v->type == T_BOOL) {
		*out = !falsy(v);
		return 0;
	}
	if (v->type == T_FLOAT) {
		errno = 0;
		d = strtod(v->str, &end);
		if (errno != 0 || *end != '\0' || d != d || d > LONG_MAX || d < LONG_MIN)
			return -1;
		*out = (long)d;
		return 0;
	}
	if (v->type != T_INT && v->type != T_STR)
		return -1;
	errno = 0;
	x = strtoll(v->str, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno != 0 || end == v->str || *end != '\0' || x > LONG_MAX || x < LONG_MIN)
		return -1;
	*out = (long)x;
	return 0;
}

/* The pairs of a vars/children/hosts section: a mapping, or one string
 * standing for {string: null} as the yaml plugin allows. */
static void
section_pairs(struct loader *ld, struct gd_ynode *v, struct gd_ynode **tmp,
    struct gd_ynode ***kv, size_t *n)
{
	if (is_str(v)) {
		tmp[0] = v;
		tmp[1] = &ld->null;
		*kv = tmp;
		*n = 2;
	} else {
		*kv = v->kids;
		*n = v->n;
	}
}

static int
group_var(struct loader *ld, size_t gid, const struct gd_ynode *k, const struct gd_ynode *v)
{
	struct gd_group *g = &ld->groups[gid];
	long pr;

	if (strcmp(k->str, "ansible_group_priority") == 0) {
		if (scalar_int(v, &pr) < 0)
			return lerr(ld, v->line, "ansible_group_priority of group '%s' must be "
			    "an integer, not %s", g->name, describe(v));
		g->priority = pr;
		return 0;
	}
	vlist_set(&g->vars, k->str, v->kind == GD_Y_SCALAR && v->type != T_NULL ? v->str : NULL,
	    v->line);
	return 0;
}

static int
parse_hosts_entry(struct loader *ld, size_t gid, const struct gd_ynode *k, const struct gd_ynode *v)
{
	struct strv names = { 0 };
	char *host = NULL, *port = NULL;
	size_t i, j, hid;
	int rc = -1;

	if (!is_str(k)) {
		lerr(ld, k->line, "host name '%s' must be a string, not %s; "
		    "quote it", k->str, describe(k));
		goto out;
	}
	if (!falsy(v) && v->kind != GD_Y_MAP) {
		lerr(ld, v->line, "variables of host '%s' must be a mapping, not %s",
		    k->str, describe(v));
		goto out;
	}
	if (strlen(k->str) > MAX_NAME) {
		lerr(ld, k->line, "host name longer than %d bytes", MAX_NAME);
		goto out;
	}
	if (!parse_address(&ld->ipv6, k->str, &host, &port))
		host = gd_xstrdup(k->str);
	if (strchr(host, '[') != NULL) {
		if (expand_ranges(ld, host, &names, k->line) < 0)
			goto out;
	} else {
		strv_push(&names, host);
		host = NULL;
	}
	for (i = 0; i < names.n; i++) {
		if (names.v[i][0] == '\0') {
			lerr(ld, k->line, "empty host name");
			goto out;
		}
		if (spend(ld, 1 + (v->kind == GD_Y_MAP ? v->n / 2 : 0), k->line) < 0)
			goto out;
		hid = add_host(ld, names.v[i], gid, port, k->line);
		if (v->kind != GD_Y_MAP)
			continue;
		for (j = 0; j + 1 < v->n; j += 2) {
			const struct gd_ynode *vv = v->kids[j + 1];
			size_t same;

			/* InventoryData.set_variable() looks for a group of that
			 * name first: such a host's variables go to the group */
			if (smap_get(&ld->gmap, names.v[i], &same)) {
				if (group_var(ld, same, v->kids[j], vv) < 0)
					goto out;
				continue;
			}
			vlist_set(&ld->hosts[hid].vars, v->kids[j]->str,
			    vv->kind == GD_Y_SCALAR && vv->type != T_NULL ? vv->str : NULL, vv->line);
		}
	}
	rc = 0;
out:
	free(host);
	free(port);
	strv_free(&names);
	return rc;
}

static int parse_group(struct loader *ld, struct gd_ynode *key, struct gd_ynode *data, int level);

/* InventoryData.add_child(): a child is a group, or (oddly) a known host. */
static int
add_child(struct loader *ld, size_t gid, const struct gd_ynode *key)
{
	size_t cid;

	if (is_str(key) && smap_get(&ld->gmap, key->str, &cid)) {
		if (cid == gid)
			return lerr(ld, key->line, "group '%s' cannot be a child of itself",
			    key->str);
		if (cid == G_ALL)
			return lerr(ld, key->line, "group 'all' cannot be a child of '%s': "
			    "every group is inside 'all' already", ld->groups[gid].name);
		add_edge(ld, gid, cid, key->line);
		return 0;
	}
	if (is_str(key) && smap_get(&ld->hmap, key->str, &cid)) {
		add_member(ld, gid, cid);
		return 0;
	}
	return lerr(ld, key->line, "'%s' is not a known host nor group", key->str);
}

/* The yaml plugin's _parse_group(). */
static int
parse_group(struct loader *ld, struct gd_ynode *key, struct gd_ynode *data, int level)
{
	static const char *const sections[] = { "vars", "children", "hosts", NULL };
	struct gd_ynode *tmp[2], **kv;
	size_t gid, i, j, n;
	const char *name = key->str;

	if (level > MAX_DEPTH)
		return lerr(ld, key->line, "groups nested deeper than %d levels", MAX_DEPTH);
	if (spend(ld, 1, key->line) < 0)
		return -1;
	if (data->kind != GD_Y_MAP && !is_null(data)) {
		warn(ld, data->line, "skipping '%s': a group is a mapping, not %s",
		    name, describe(data));
		return 0;
	}
	if (!is_str(key))
		return lerr(ld, key->line, "group name '%s' must be a string, not %s",
		    name, describe(key));
	if (name[0] == '\0')
		return lerr(ld, key->line, "empty group name");
	gid = add_group(ld, name, key->line);
	if (data->kind != GD_Y_MAP)
		return 0;
	for (i = 0; i + 1 < data->n; i += 2) {
		struct gd_ynode *k = data->kids[i], *v = data->kids[i + 1];

		if (is_str(k) && in_list(sections, k->str) && v->kind != GD_Y_MAP &&
		    !is_null(v) && !is_str(v))
			return lerr(ld, k->line, "%s of group '%s' must be a mapping, not %s",
			    k->str, name, describe(v));
	}
	for (i = 0; i + 1 < data->n; i += 2) {
		struct gd_ynode *k = data->kids[i], *v = data->kids[i + 1];
		int section = is_str(k) && in_list(sections, k->str);

		if (!(section && is_str(v)) && v->kind != GD_Y_MAP && !is_null(v)) {
			warn(ld, v->line, "skipping key '%s' in group '%s': not a mapping",
			    k->str, name);
			continue;
		}
		if (is_null(v))
			continue;
		if (!section) {
			warn(ld, k->line, "skipping unexpected key '%s' in group '%s': only "
			    "vars, children and hosts are valid", k->str, name);
			continue;
		}
		section_pairs(ld, v, tmp, &kv, &n);
		if (spend(ld, n / 2, k->line) < 0)
			return -1;
		for (j = 0; j + 1 < n; j += 2) {
			if (strcmp(k->str, "vars") == 0) {
				if (group_var(ld, gid, kv[j], kv[j + 1]) < 0)
					return -1;
			} else if (strcmp(k->str, "children") == 0) {
				if (parse_group(ld, kv[j], kv[j + 1], level + 1) < 0 ||
				    add_child(ld, gid, kv[j]) < 0)
					return -1;
			} else if (parse_hosts_entry(ld, gid, kv[j], kv[j + 1]) < 0) {
				return -1;
			}
		}
	}
	return 0;
}

static int
parse_root(struct loader *ld, struct gd_ynode *root)
{
	size_t i;

	if (root == NULL || is_null(root))
		return lerr(ld, root ? root->line : 1, "the inventory is empty");
	if (root->kind != GD_Y_MAP)
		return lerr(ld, root->line, "an inventory must be a mapping of groups, not %s",
		    describe(root));
	if (root->n == 0)
		return lerr(ld, root->line, "the inventory has no groups");
	for (i = 0; i + 1 < root->n; i += 2)
		if (is_str(root->kids[i]) && strcmp(root->kids[i]->str, "plugin") == 0 &&
		    !falsy(root->kids[i + 1]))
			return lerr(ld, root->kids[i]->line, "this is an inventory plugin "
			    "configuration ('plugin:'), not a YAML inventory");
	for (i = 0; i + 1 < root->n; i += 2)
		if (parse_group(ld, root->kids[i], root->kids[i + 1], 0) < 0)
			return -1;
	return 0;
}

/* The line where p names c as a child. */
static size_t
edge_line(const struct gd_group *groups, size_t p, size_t c)
{
	size_t i;

	for (i = 0; i < groups[p].kids.n; i++)
		if (groups[p].kids.v[i] == c)
			return groups[p].kidlines.v[i];
	return 0;
}

/* Kahn's algorithm: a topological order of the groups into order (ngroups
 * entries); returns the number ordered, less than ngroups on a cycle. */
static size_t
topo_order(const struct gd_group *groups, size_t ng, size_t *order, size_t *indeg)
{
	size_t i, j, head = 0, tail = 0;

	for (i = 0; i < ng; i++)
		if ((indeg[i] = groups[i].parents.n) == 0)
			order[tail++] = i;
	while (head < tail) {
		const struct gd_group *g = &groups[order[head++]];

		for (j = 0; j < g->kids.n; j++)
			if (--indeg[g->kids.v[j]] == 0)
				order[tail++] = g->kids.v[j];
	}
	return tail;
}

/* Names one cycle among the groups Kahn could not order (indeg > 0),
 * at the line of its edge written last, where Ansible stops too. */
static int
cycle_error(struct loader *ld, const size_t *indeg)
{
	const struct gd_group *G = ld->groups;
	size_t *pos = gd_xmalloc(ld->ngroups * sizeof(*pos));
	struct idxv path = { 0 };
	struct gd_buf b = { 0 };
	size_t i, cur = NONE, start, line = 0, l;

	for (i = 0; i < ld->ngroups; i++) {
		pos[i] = NONE;
		if (cur == NONE && indeg[i] > 0)
			cur = i;
	}
	/* walk up through parents that are on a cycle too, until one repeats */
	while (pos[cur] == NONE) {
		pos[cur] = path.n;
		idxv_push(&path, cur);
		for (i = 0; i < G[cur].parents.n; i++)
			if (indeg[G[cur].parents.v[i]] > 0)
				break;
		cur = G[cur].parents.v[i];
	}
	start = pos[cur];
	/* path[start..] goes child to parent: print it parent to child */
	gd_buf_adds(&b, G[cur].name);
	for (i = path.n; i-- > start;) {
		size_t child = path.v[i], parent = i + 1 < path.n ? path.v[i + 1] : cur;

		l = edge_line(G, parent, child);
		if (l > line)
			line = l;
		gd_buf_printf(&b, " -> %s", G[child].name);
	}
	lerr(ld, line, "groups form a cycle: %s (a group cannot be its own ancestor)",
	    b.data);
	gd_buf_free(&b);
	free(path.v);
	free(pos);
	return -1;
}

static int
cmp_group_order(const void *a, const void *b, void *arg)
{
	const struct gd_group *G = arg;
	const struct gd_group *x = &G[*(const size_t *)a], *y = &G[*(const size_t *)b];

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Scratch space for walking groups: stamps instead of clearing arrays. */
struct walk {
	size_t *gstamp, *hstamp, stamp;
	struct idxv queue;
};

static void
walk_init(struct walk *w, size_t ng, size_t nh)
{
	w->gstamp = gd_xcalloc(ng + 1, sizeof(*w->gstamp));
	w->hstamp = gd_xcalloc(nh + 1, sizeof(*w->hstamp));
	w->stamp = 0;
	memset(&w->queue, 0, sizeof(w->queue));
}

static void
walk_free(struct walk *w)
{
	free(w->gstamp);
	free(w->hstamp);
	free(w->queue.v);
}

/* Group.get_hosts(): the hosts of root and its descendants, each once, the
 * groups taken breadth first. Ansible walks each level through a Python set,
 * so where several groups of one level have children its order varies from
 * run to run; we follow the order the groups were listed in. */
static void
group_hosts(const struct gd_group *G, size_t root, struct walk *w, struct idxv *out)
{
	size_t qi, j;

	w->stamp++;
	w->queue.n = 0;
	idxv_push(&w->queue, root);
	w->gstamp[root] = w->stamp;
	for (qi = 0; qi < w->queue.n; qi++) {
		const struct gd_group *g = &G[w->queue.v[qi]];

		for (j = 0; j < g->kids.n; j++)
			if (w->gstamp[g->kids.v[j]] != w->stamp) {
				w->gstamp[g->kids.v[j]] = w->stamp;
				idxv_push(&w->queue, g->kids.v[j]);
			}
	}
	for (qi = 0; qi < w->queue.n; qi++) {
		const struct gd_group *g = &G[w->queue.v[qi]];

		for (j = 0; j < g->hosts.n; j++)
			if (w->hstamp[g->hosts.v[j]] != w->stamp) {
				w->hstamp[g->hosts.v[j]] = w->stamp;
				idxv_push(out, g->hosts.v[j]);
			}
	}
}

static int
truthy(const char *v)
{
	static const char *const yes[] = { "y", "yes", "on", "1", "true", "t", "1.0", NULL };
	size_t i;

	if (v == NULL)
		return 0;
	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	return 0;
}

static char *
expand_home(const char *v)
{
	const char *home = getenv("HOME");

	if (v == NULL)
		return NULL;
	if (home != NULL && home[0] != '\0' && v[0] == '~' && (v[1] == '/' || v[1] == '\0'))
		return gd_xasprintf("%s%s", home, v + 1);
	return gd_xstrdup(v);
}

static const struct gd_var *
first_var(const struct vlist *l, const char *a, const char *b)
{
	const struct gd_var *v = vlist_get(l, a);

	if ((v == NULL || v->value == NULL) && b != NULL)
		v = vlist_get(l, b);
	return v != NULL && v->value != NULL ? v : NULL;
}

/* Fills the connection fields of h from its merged variables, taking
 * ownership of them (the NULL ones are dropped). */
static int
host_fill(struct loader *ld, struct gd_host *h, struct vlist *m)
{
	const struct gd_var *v;
	size_t i;

	v = first_var(m, "ansible_host", "ansible_ssh_host");
	h->addr = gd_xstrdup(v ? v->value : h->name);
	h->port = 22;
	if ((v = first_var(m, "ansible_port", "ansible_ssh_port")) != NULL) {
		char *end;
		long p;

		errno = 0;
		p = strtol(v->value, &end, 10);
		if (!isdigit((unsigned char)v->value[0]) || v->value[0] == '0' || *end != '\0' ||
		    errno != 0 || p < 1 || p > 65535)
			return lerr(ld, v->line, "ansible_port of host '%s' must be a number "
			    "from 1 to 65535, not '%s'", h->name, v->value);
		h->port = (int)p;
	}
	v = first_var(m, "ansible_user", "ansible_ssh_user");
	h->user = v ? gd_xstrdup(v->value) : NULL;
	v = first_var(m, "ansible_ssh_private_key_file", "ansible_private_key_file");
	h->key_file = v ? expand_home(v->value) : NULL;
	v = first_var(m, "ansible_become", NULL);
	h->become = v ? truthy(v->value) : 0;
	v = first_var(m, "gameday_known_hosts", NULL);
	h->known_hosts = v ? expand_home(v->value) : NULL;
	v = first_var(m, "production", NULL);
	h->production = v ? truthy(v->value) : 0;

	h->vars = gd_xcalloc(m->n, sizeof(*h->vars));
	for (i = 0; i < m->n; i++) {
		if (m->v[i].value == NULL) {
			free(m->v[i].key);
			continue;
		}
		h->vars[h->nvars++] = m->v[i];
	}
	free(m->v);
	gd_map_free(&m->idx);
	memset(m, 0, sizeof(*m));
	return 0;
}

static void
host_clear(struct gd_host *h)
{
	size_t i;

	free(h->name);
	free(h->addr);
	free(h->user);
	free(h->key_file);
	free(h->known_hosts);
	for (i = 0; i < h->nvars; i++) {
		free(h->vars[i].key);
		free(h->vars[i].value);
	}
	free(h->vars);
	memset(h, 0, sizeof(*h));
}

/* A host's groups with all their ancestors, into closure; stamp marks them
 * with i + 1. */
static int
host_closure(struct loader *ld, size_t i, size_t *stamp, struct idxv *closure)
{
	const struct ihost *h = &ld->hosts[i];
	size_t j, q;

	closure->n = 0;
	for (j = 0; j < h->groups.n; j++)
		if (stamp[h->groups.v[j]] != i + 1) {
			stamp[h->groups.v[j]] = i + 1;
			idxv_push(closure, h->groups.v[j]);
		}
	for (q = 0; q < closure->n; q++) {
		const struct gd_group *g = &ld->groups[closure->v[q]];

		for (j = 0; j < g->parents.n; j++)
			if (stamp[g->parents.v[j]] != i + 1) {
				stamp[g->parents.v[j]] = i + 1;
				idxv_push(closure, g->parents.v[j]);
			}
	}
	return spend(ld, closure->n, h->line);
}

/* The ancestors of the groups in set (not the groups themselves, unless
 * one is an ancestor of another), as marks in anc. */
static void
ancestors_of(const struct gd_group *G, size_t ng, const struct idxv *set, unsigned char *anc)
{
	struct idxv q = { 0 };
	size_t i, j;

	memset(anc, 0, ng);
	for (i = 0; i < set->n; i++)
		for (j = 0; j < G[set->v[i]].parents.n; j++)
			if (!anc[G[set->v[i]].parents.v[j]]) {
				anc[G[set->v[i]].parents.v[j]] = 1;
				idxv_push(&q, G[set->v[i]].parents.v[j]);
			}
	for (i = 0; i < q.n; i++)
		for (j = 0; j < G[q.v[i]].parents.n; j++)
			if (!anc[G[q.v[i]].parents.v[j]]) {
				anc[G[q.v[i]].parents.v[j]] = 1;
				idxv_push(&q, G[q.v[i]].parents.v[j]);
			}
	free(q.v);
}

/* Host.remove_group(ungrouped) on a host's groups (with ancestors): the
 * host loses 'ungrouped' even when it is still an ancestor of one of them,
 * and each ancestor of 'ungrouped' (but 'all') that is no longer an
 * ancestor of one of them, even a group the host is directly in. That is
 * what Ansible does, and so which group variables the host gets. */
static void
drop_ungrouped(const struct gd_group *G, size_t ng, struct idxv *groups)
{
	struct idxv one = { 0 };
	unsigned char *up = gd_xcalloc(ng, 1), *anc = gd_xcalloc(ng, 1);
	size_t i, k;
	int changed = 1;

	idxv_push(&one, G_UNGROUPED);
	ancestors_of(G, ng, &one, up);
	for (i = k = 0; i < groups->n; i++)
		if (groups->v[i] != G_UNGROUPED)
			groups->v[k++] = groups->v[i];
	groups->n = k;
	while (changed) {
		changed = 0;
		ancestors_of(G, ng, groups, anc);
		for (i = k = 0; i < groups->n; i++) {
			size_t g = groups->v[i];

			if (g != G_ALL && up[g] && !anc[g])
				changed = 1;
			else
				groups->v[k++] = g;
		}
		groups->n = k;
	}
	free(one.v);
	free(up);
	free(anc);
}

/* Whether group a is g or one of its ancestors. */
static int
is_ancestor(const struct gd_group *G, size_t ng, size_t a, size_t g)
{
	unsigned char *seen = gd_xcalloc(ng, 1);
	struct idxv q = { 0 };
	size_t i, j;
	int found = 0;

	idxv_push(&q, g);
	seen[g] = 1;
	for (i = 0; i < q.n && !found; i++) {
		if (q.v[i] == a)
			found = 1;
		for (j = 0; j < G[q.v[i]].parents.n; j++)
			if (!seen[G[q.v[i]].parents.v[j]]) {
				seen[G[q.v[i]].parents.v[j]] = 1;
				idxv_push(&q, G[q.v[i]].parents.v[j]);
			}
	}
	free(q.v);
	free(seen);
	return found;
}

/* InventoryData.reconcile_inventory() and the variable precedence of
 * VariableManager; then the hosts in the order of 'all'. */
static int
finish(struct loader *ld, struct gd_inventory *inv)
{
	struct gd_group *G;
	size_t ng, nh, i, j, q, *order = NULL, *indeg = NULL, *stamp = NULL, *pub = NULL;
	struct idxv closure = { 0 }, added = { 0 }, all = { 0 }, sorted = { 0 };
	struct gd_host *tmp = NULL;
	unsigned char *drop = NULL;
	struct walk w = { 0 };
	int rc = -1;

	ng = ld->ngroups;
	nh = ld->nhosts;
	order = gd_xcalloc(ng, sizeof(*order));
	indeg = gd_xcalloc(ng, sizeof(*indeg));
	if (topo_order(ld->groups, ng, order, indeg) < ng) {
		cycle_error(ld, indeg);
		goto out;
	}
	for (i = 1; i < ng; i++)   /* groups without a parent go under 'all' */
		if (ld->groups[i].parents.n == 0)
			add_edge(ld, G_ALL, i, 0);
	G = ld->groups;

	/* 'ungrouped': hosts in no group but 'all' */
	stamp = gd_xcalloc(ng, sizeof(*stamp));
	drop = gd_xcalloc(nh + 1, 1);
	for (i = 0; i < nh; i++) {
		struct ihost *h = &ld->hosts[i];
		int in_ung, others = 0;
		size_t gid;

		if (host_closure(ld, i, stamp, &closure) < 0)
			goto out;
		in_ung = stamp[G_UNGROUPED] == i + 1;
		for (q = 0; q < closure.n; q++)
			if (closure.v[q] != G_ALL && closure.v[q] != G_UNGROUPED)
				others = 1;
		if (in_ung && others && uset_has(&ld->links, MEMBER(G_UNGROUPED, i))) {
			drop[i] = 1;   /* in other groups too: not ungrouped after all */
			drop_ungrouped(G, ng, &closure);
			h->fixed = 1;   /* from now on the host's groups are these */
			free(h->groups.v);
			h->groups = closure;
			memset(&closure, 0, sizeof(closure));
		} else if (!in_ung && !others) {
			/* add_child('ungrouped', name) takes a group of that name first */
			if (!smap_get(&ld->gmap, h->name, &gid)) {
				idxv_push(&added, i);
				idxv_push(&h->groups, G_UNGROUPED);
			} else if (is_ancestor(G, ng, gid, G_UNGROUPED)) {
				lerr(ld, h->line, "host '%s' is in no group, and ansible then puts "
				    "the group of the same name into 'ungrouped', which makes a "
				    "cycle: rename the host or the group", h->name);
				goto out;
			} else {
				add_edge(ld, G_UNGROUPED, gid, 0);
				G = ld->groups;
			}
		}
	}
	{
		struct idxv *u = &G[G_UNGROUPED].hosts;
		size_t k = 0;

		for (j = 0; j < u->n; j++)
			if (!drop[u->v[j]])
				u->v[k++] = u->v[j];
		u->n = k;
		for (j = 0; j < added.n; j++)
			idxv_push(u, added.v[j]);
	}

	topo_order(G, ng, order, indeg);
	for (i = 0; i < ng; i++)   /* longest path from 'all', as Group.depth */
		for (j = 0; j < G[order[i]].kids.n; j++) {
			struct gd_group *c = &G[G[order[i]].kids.v[j]];

			if (c->depth < G[order[i]].depth + 1)
				c->depth = G[order[i]].depth + 1;
		}

	/* variables: all < groups by (depth, priority, name) < host */
	memset(stamp, 0, ng * sizeof(*stamp));
	tmp = gd_xcalloc(nh + 1, sizeof(*tmp));
	for (i = 0; i < nh; i++) {
		struct ihost *h = &ld->hosts[i];
		struct vlist m = { 0 };

		if (h->fixed) {   /* Host.remove_group() decided them */
			closure.n = 0;
			for (j = 0; j < h->groups.n; j++)
				idxv_push(&closure, h->groups.v[j]);
		} else if (host_closure(ld, i, stamp, &closure) < 0) {
			goto out;
		}
		sorted.n = 0;
		for (q = 0; q < closure.n; q++)
			if (closure.v[q] != G_ALL)
				idxv_push(&sorted, closure.v[q]);
		qsort_r(sorted.v, sorted.n, sizeof(*sorted.v), cmp_group_order, G);
		for (j = 0; j < G[G_ALL].vars.n; j++)
			vlist_set(&m, G[G_ALL].vars.v[j].key, G[G_ALL].vars.v[j].value,
			    G[G_ALL].vars.v[j].line);
		for (q = 0; q < sorted.n; q++) {
			const struct vlist *gv = &G[sorted.v[q]].vars;

			if (spend(ld, gv->n, h->line) < 0) {
				vlist_free(&m);
				goto out;
			}
			for (j = 0; j < gv->n; j++)
				vlist_set(&m, gv->v[j].key, gv->v[j].value, gv->v[j].line);
		}
		for (j = 0; j < h->vars.n; j++)
			vlist_set(&m, h->vars.v[j].key, h->vars.v[j].value, h->vars.v[j].line);
		tmp[i].name = h->name;
		h->name = NULL;
		if (host_fill(ld, &tmp[i], &m) < 0) {
			vlist_free(&m);
			goto out;
		}
	}

	/* hosts in the order of 'all' */
	walk_init(&w, ng, nh);
	group_hosts(G, G_ALL, &w, &all);
	pub = gd_xmalloc((nh + 1) * sizeof(*pub));
	for (i = 0; i < nh; i++)
		pub[i] = NONE;
	for (i = 0; i < all.n; i++)
		pub[all.v[i]] = i;
	for (i = 0; i < nh; i++)   /* not reachable from 'all': cannot happen, but keep them */
		if (pub[i] == NONE) {
			pub[i] = all.n;
			idxv_push(&all, i);
		}
	inv->hosts = gd_xcalloc(nh + 1, sizeof(*inv->hosts));
	inv->nhosts = nh;
	for (i = 0; i < nh; i++) {
		inv->hosts[pub[i]] = tmp[i];
		memset(&tmp[i], 0, sizeof(tmp[i]));
	}
	for (i = 0; i < ng; i++)
		for (j = 0; j < G[i].hosts.n; j++)
			G[i].hosts.v[j] = pub[G[i].hosts.v[j]];
	inv->index = gd_xcalloc(1, sizeof(*inv->index));
	inv->index->defined = pub;
	pub = NULL;
	for (i = 0; i < nh; i++)
		gd_map_put(&inv->index->byname, inv->hosts[i].name, i);
	inv->groups = ld->groups;
	inv->ngroups = ng;
	ld->groups = NULL;
	ld->ngroups = 0;
	rc = 0;
out:
	if (tmp != NULL)
		for (i = 0; i < nh; i++)
			host_clear(&tmp[i]);
	free(tmp);
	free(order);
	free(indeg);
	free(stamp);
	free(drop);
	free(pub);
	free(closure.v);
	free(added.v);
	free(all.v);
	free(sorted.v);
	walk_free(&w);
	return rc;
}

static void
groups_free(struct gd_group *G, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(G[i].name);
		free(G[i].hosts.v);
		free(G[i].kids.v);
		free(G[i].kidlines.v);
		free(G[i].parents.v);
		vlist_free(&G[i].vars);
	}
	free(G);
}

static void
loader_free(struct loader *ld)
{
	size_t i;

	gd_yaml_free(ld->root);
	if (ld->re_ready) {
		regfree(&ld->re_int);
		regfree(&ld->re_float);
	}
	addr_re_free(&ld->ipv6);
	groups_free(ld->groups, ld->ngroups);
	gd_map_free(&ld->gmap);
	for (i = 0; i < ld->nhosts; i++) {
		free(ld->hosts[i].name);
		vlist_free(&ld->hosts[i].vars);
		free(ld->hosts[i].groups.v);
	}
	free(ld->hosts);
	gd_map_free(&ld->hmap);
	free(ld->links.t);
	for (i = 0; i < ld->nwarn; i++)
		free(ld->warn[i]);
	free(ld->warn);
}

int
gd_inventory_load(struct gd_inventory *inv, const char *path, char *err, size_t errlen)
{
	/* PyYAML's int and float resolvers (YAML 1.1) */
	static const char re_int[] = "^([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|"
	    "[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$";
	static const char re_float[] = "^([-+]?([0-9][0-9_]*)\\.[0-9_]*([eE][-+][0-9]+)?|"
	    "\\.[0-9][0-9_]*([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*|"
	    "[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN))$";
	struct loader ld = { 0 };
	struct gd_yaml_opts yo = {
		.what = "an inventory", .big = ", not an inventory", .max_bytes = MAX_BYTES,
		.max_depth = MAX_DEPTH, .aliases = 1, .scalar = type_scalar,
		.mapping = map_finish, .alias = count_alias, .arg = &ld,
	};
	int rc = -1;

	memset(inv, 0, sizeof(*inv));
	ld.path = path;
	ld.err = err;
	ld.errlen = errlen;
	ld.null.kind = GD_Y_SCALAR;
	ld.null.type = T_NULL;
	ld.null.flags = F_FALSY;
	ld.null.str = (char *)"";
	if (regcomp(&ld.re_int, re_int, REG_EXTENDED | REG_NOSUB) != 0)
		goto out;
	if (regcomp(&ld.re_float, re_float, REG_EXTENDED | REG_NOSUB) != 0) {
		regfree(&ld.re_int);
		goto out;
	}
	ld.re_ready = 1;
	add_group(&ld, "all", 0);
	add_group(&ld, "ungrouped", 0);
	add_edge(&ld, G_ALL, G_UNGROUPED, 0);
	if (gd_yaml_load(path, &yo, &ld.root, err, errlen) < 0 || parse_root(&ld, ld.root) < 0 ||
	    finish(&ld, inv) < 0)
		goto out;
	inv->path = gd_xstrdup(path);
	inv->warnings = ld.warn;
	inv->nwarnings = ld.nwarn;
	ld.warn = NULL;
	ld.nwarn = 0;
	rc = 0;
out:
	loader_free(&ld);
	if (rc < 0)
		gd_inventory_free(inv);
	return rc;
}

const char *
gd_host_var(const struct gd_host *h, const char *key)
{
	size_t i;

	for (i = 0; i < h->nvars; i++)
		if (strcmp(h->vars[i].key, key) == 0)
			return h->vars[i].value;
	return NULL;
}

const char *
gd_inventory_group_name(const struct gd_inventory *inv, size_t i)
{
	return i < inv->ngroups ? inv->groups[i].name : NULL;
}

void
gd_inventory_free(struct gd_inventory *inv)
{
	size_t i;

	if (inv == NULL)
		return;
	for (i = 0; i < inv->nhosts; i++)
		host_clear(&inv->hosts[i]);
	free(inv->hosts);
	groups_free(inv->groups, inv->ngroups);
	for (i = 0; i < inv->nwarnings; i++)
		free(inv->warnings[i]);
	free(inv->warnings);
	if (inv->index != NULL) {
		free(inv->index->defined);
		gd_map_free(&inv->index->byname);
		free(inv->index);
	}
	free(inv->path);
	memset(inv, 0, sizeof(*inv));
}

/* ---- patterns, as InventoryManager ---- */

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
	if (parse_address(r, pat, &host, &port)) {
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
		group_hosts(inv->groups, gi, &mt->w, &mt->tmp);
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
	walk_init(&mt.w, inv->ngroups, inv->nhosts);
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
	walk_free(&mt.w);
	free(in);
	free(mark);
	free(order);
	strv_free(&words);
	addr_re_free(&r6);
	return rc;
}
