/* ini.c: Ansible's INI inventory plugin (plugins/inventory/ini.py):
 * [group], [group:vars] and [group:children] sections, hosts before any
 * section in 'ungrouped', host lines split as shlex does with key=value
 * variables typed as ast.literal_eval types them, [x:vars] lines split at
 * the first '=', and groups named before they are declared. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inv_internal.h"

/* A group named in [x:children] or [x:vars] before it was declared. */
struct pending {
	char *name;
	int children;          /* 1: [p:children] named it; 0: [name:vars] */
	size_t line;
	struct idxv parents;   /* groups waiting for it as a child */
};

struct ini {
	struct loader *ld;
	struct pending *pend;
	size_t npend, cpend;
	size_t gid;            /* the section's group */
	int state;             /* 'h' hosts, 'c' children, 'v' vars */
	size_t lineno;
};

/* Python's str.strip() for ASCII whitespace. */
static int
py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static char *
strip(char *s)
{
	size_t n;

	while (py_space((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && py_space((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static struct pending *
find_pending(struct ini *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->npend; i++)
		if (x->pend[i].name != NULL && strcmp(x->pend[i].name, name) == 0)
			return &x->pend[i];
	return NULL;
}

static struct pending *
add_pending(struct ini *x, const char *name, int children, size_t line)
{
	struct pending *p;

	if (x->npend == x->cpend) {
		x->cpend = x->cpend ? x->cpend * 2 : 8;
		x->pend = gd_xrealloc(x->pend, x->cpend * sizeof(*x->pend));
	}
	p = &x->pend[x->npend++];
	memset(p, 0, sizeof(*p));
	p->name = gd_xstrdup(name);
	p->children = children;
	p->line = line;
	return p;
}

static void
drop_pending(struct pending *p)
{
	free(p->name);
	free(p->parents.v);
	p->name = NULL;
}

/* _add_pending_children(): group is declared now, so its waiting parents
 * get it, and so on up for parents that were waiting themselves. */
static int
resolve_pending(struct ini *x, struct pending *p)
{
	size_t i, gid, pid;
	struct pending *up;

	if (!smap_get(&x->ld->gmap, p->name, &gid))
		return 0;
	for (i = 0; i < p->parents.n; i++) {
		pid = p->parents.v[i];
		if (gd_inv_add_child(x->ld, pid, p->name, p->line) < 0)
			return -1;
		up = find_pending(x, x->ld->groups[pid].name);
		if (up != NULL && up->children && resolve_pending(x, up) < 0)
			return -1;
	}
	drop_pending(p);
	return 0;
}

/* ^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$ : 1 and the parts when line is a
 * section header, 0 when not. */
static int
section(char *line, char **name, char **tag)
{
	char *p = line + 1, *e;

	if (line[0] != '[')
		return 0;
	*name = p;
	while (*p != '\0' && *p != ':' && *p != ']' && !py_space((unsigned char)*p))
		p++;
	if (p == *name)
		return 0;
	*tag = NULL;
	if (*p == ':') {
		*p++ = '\0';
		*tag = p;
		while (isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80)
			p++;
		if (p == *tag)
			return 0;
	}
	if (*p != ']')
		return 0;
	*p++ = '\0';
	e = p;
	while (py_space((unsigned char)*e))
		e++;
	return *e == '\0' || *e == '#';
}

/* A section header: the group it names, declared now unless it is :vars. */
static int
do_section(struct ini *x, char *name, char *tag)
{
	struct loader *ld = x->ld;
	struct pending *p;
	size_t gid = 0;
	int known;

	if (tag != NULL && strcmp(tag, "hosts") != 0 && strcmp(tag, "children") != 0 &&
	    strcmp(tag, "vars") != 0)
		return gd_inv_err(ld, x->lineno, "section [%s:%s] has unknown type: %s", name, tag,
		    tag);
	x->state = tag == NULL || strcmp(tag, "hosts") == 0 ? 'h' : tag[0] == 'c' ? 'c' : 'v';
	known = smap_get(&ld->gmap, name, &gid);
	p = find_pending(x, name);
	if (!known) {
		if (x->state == 'v' && p == NULL)
			add_pending(x, name, 0, x->lineno);
		gid = gd_inv_add_group(ld, name, x->lineno);
		p = find_pending(x, name);
	}
	x->gid = gid;
	if (p != NULL && x->state != 'v') {
		if (p->children)
			return resolve_pending(x, p);
		drop_pending(p);
	}
	return 0;
}

/* A line of [x:children]: a group, now or later. */
static int
do_child(struct ini *x, char *line)
{
	struct loader *ld = x->ld;
	struct pending *p;
	char *e = line;
	size_t cid;

	while (*e != '\0' && *e != ':' && *e != ']' && !py_space((unsigned char)*e))
		e++;
	if (e == line || (*e != '\0' && !py_space((unsigned char)*e) && *e != '#'))
		return gd_inv_err(ld, x->lineno, "expected a group name, got: %s", line);
	if (*e != '\0') {
		char *r = e;

		while (py_space((unsigned char)*r))
			r++;
		if (*r != '\0' && *r != '#')
			return gd_inv_err(ld, x->lineno, "expected a group name, got: %s", line);
		*e = '\0';
	}
	if (smap_get(&ld->gmap, line, &cid))
		return gd_inv_add_child(ld, x->gid, line, x->lineno);
	p = find_pending(x, line);
	if (p == NULL)
		p = add_pending(x, line, 1, x->lineno);
	p->children = 1;
	idxv_push(&p->parents, x->gid);
	return 0;
}

/* A line of [x:vars]: key=value, split at the first '='. */
static int
do_var(struct ini *x, char *line)
{
	char *eq = strchr(line, '='), *k, *v, *val = NULL;
	int type, rc, unsure;

	if (eq == NULL)
		return gd_inv_err(x->ld, x->lineno, "expected key=value, got: %s", line);
	*eq = '\0';
	k = strip(line);
	v = strip(eq + 1);
	type = gd_inv_pyval(v, &val, &unsure);
	if (unsure)
		gd_inv_warn(x->ld, x->lineno, "the value of %s uses \\N{...}, which gameday "
		    "does not decode: kept as written", k);
	rc = gd_inv_set_var(x->ld, x->gid, NONE, k, val, type, x->lineno);
	free(val);
	return rc;
}

/* A host line: a name or range with an optional :port, then key=value. */
static int
do_host(struct ini *x, char *line)
{
	struct loader *ld = x->ld;
	struct strv tok = { 0 }, names = { 0 };
	char *host = NULL, *port = NULL;
	const char *why = NULL;
	size_t i, j, hid;
	int rc = -1;

	if (gd_inv_shlex(line, &tok, &why) < 0) {
		gd_inv_err(ld, x->lineno, "cannot parse host definition '%s': %s", line, why);
		goto out;
	}
	if (tok.n == 0) {   /* only a comment after all */
		rc = 0;
		goto out;
	}
	if (strlen(tok.v[0]) > MAX_NAME) {
		gd_inv_err(ld, x->lineno, "host name longer than %d bytes", MAX_NAME);
		goto out;
	}
	if (!gd_inv_parse_address(&ld->ipv6, tok.v[0], &host, &port))
		host = gd_xstrdup(tok.v[0]);
	if (port == NULL && strip(tok.v[0])[0] != '\0' &&
	    tok.v[0][strlen(tok.v[0]) - 1] == ':') {
		gd_inv_err(ld, x->lineno, "invalid host pattern '%s': a final ':' is for a port",
		    tok.v[0]);
		goto out;
	}
	for (j = 1; j < tok.n; j++)
		if (strchr(tok.v[j], '=') == NULL) {
			gd_inv_err(ld, x->lineno, "expected key=value host variable assignment, "
			    "got: %s", tok.v[j]);
			goto out;
		}
	if (strchr(host, '[') != NULL) {
		if (gd_inv_expand_ranges(ld, host, &names, x->lineno) < 0)
			goto out;
	} else {
		strv_push(&names, host);
		host = NULL;
	}
	for (i = 0; i < names.n; i++) {
		if (strcmp(strip(names.v[i]), "---") == 0) {
			gd_inv_err(ld, x->lineno, "invalid host pattern '---': this looks like YAML");
			goto out;
		}
		if (names.v[i][0] == '\0') {
			gd_inv_err(ld, x->lineno, "empty host name");
			goto out;
		}
		if (gd_inv_spend(ld, tok.n, x->lineno) < 0)
			goto out;
		hid = gd_inv_add_host(ld, names.v[i], x->gid, port, x->lineno);
		for (j = 1; j < tok.n; j++) {
			char *eq = strchr(tok.v[j], '='), *val = NULL, *key;
			int type, unsure;

			key = gd_xasprintf("%.*s", (int)(eq - tok.v[j]), tok.v[j]);
			type = gd_inv_pyval(eq + 1, &val, &unsure);
			if (unsure && i == 0)
				gd_inv_warn(ld, x->lineno, "the value of %s uses \\N{...}, which "
				    "gameday does not decode: kept as written", key);
			rc = gd_inv_set_var(ld, NONE, hid, key, val, type, x->lineno);
			free(key);
			free(val);
			if (rc < 0)
				goto out;
			rc = -1;
		}
	}
	rc = 0;
out:
	free(host);
	free(port);
	strv_free(&tok);
	strv_free(&names);
	return rc;
}

static int
is_utf8(const char *s, size_t n)
{
	char *c = gd_utf8_clean(s, n);
	int ok = strlen(c) == n && memcmp(c, s, n) == 0;

	free(c);
	return ok;
}

static int
one_line(struct ini *x, char *raw, size_t n)
{
	char *line, *name, *tag;

	line = strip(raw);
	if (line[0] == '\0' || line[0] == ';' || line[0] == '#')
		return 0;
	if (!is_utf8(raw, n))
		return gd_inv_err(x->ld, x->lineno, "not UTF-8");
	if (section(line, &name, &tag))
		return do_section(x, name, tag);
	if (line[0] == '[' && line[strlen(line) - 1] == ']')
		return gd_inv_err(x->ld, x->lineno, "invalid section entry '%s': no spaces or "
		    "other characters outside [name] or [name:type]", line);
	switch (x->state) {
	case 'h': return do_host(x, line);
	case 'c': return do_child(x, line);
	default: return do_var(x, line);
	}
}

int
gd_inv_ini_read(struct loader *ld, const char *text, size_t len)
{
	struct ini x = { .ld = ld, .gid = G_UNGROUPED, .state = 'h' };
	const char *p = text, *end = text + len;
	char *buf = NULL;
	size_t i, cap = 0, before = ld->nhosts + ld->ngroups;
	int rc = -1;

	if (memchr(text, '\0', len) != NULL)
		return gd_inv_err(ld, 1, "a NUL byte: not a text file");
	while (p < end) {
		const char *e = p;
		size_t n;

		/* str.splitlines(): \n, \r\n and \r end a line */
		while (e < end && *e != '\n' && *e != '\r')
			e++;
		n = (size_t)(e - p);
		if (n + 1 > cap) {
			cap = n + 1;
			buf = gd_xrealloc(buf, cap);
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		x.lineno++;
		if (one_line(&x, buf, n) < 0)
			goto out;
		p = e < end && *e == '\r' && e + 1 < end && e[1] == '\n' ? e + 2 : e + 1;
	}
	for (i = 0; i < x.npend; i++) {
		struct pending *q = &x.pend[i];

		if (q->name == NULL)
			continue;
		if (!q->children)
			gd_inv_err(ld, q->line, "section [%s:vars] is for a group that is never "
			    "declared", q->name);
		else
			gd_inv_err(ld, q->line, "section [%s:children] names '%s', which is never "
			    "declared as a group", ld->groups[q->parents.v[q->parents.n - 1]].name,
			    q->name);
		goto out;
	}
	if (ld->nhosts + ld->ngroups == before)
		gd_inv_warn_file(ld, NULL, "holds no hosts nor groups");
	rc = 0;
out:
	for (i = 0; i < x.npend; i++)
		if (x.pend[i].name != NULL)
			drop_pending(&x.pend[i]);
	free(x.pend);
	free(buf);
	return rc;
}
