/* load.c: the inventory loader: its errors and budgets, the group and host
 * graph as InventoryData builds it, and the public entry points.
 *
 * It follows ansible-core 2.14 closely, so that teams can keep one inventory
 * for both tools: plugins/inventory/yaml.py and plugins/inventory/__init__.py
 * (parsing, host ranges), inventory/data.py, group.py, host.py (the group
 * graph, 'ungrouped', variable precedence) and inventory/manager.py
 * (patterns), so a pattern gives the hosts, in the order, that
 * `ansible -i INV PATTERN --list-hosts` prints. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inv_internal.h"

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

int
gd_inv_uset_has(const struct uset *s, uint64_t k)
{
	return s->cap > 0 && s->t[uset_slot(s, k)] == k;
}

/* Returns 1 when k was added, 0 when it was there. */
int
gd_inv_uset_add(struct uset *s, uint64_t k)
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



void
gd_inv_vlist_set(struct vlist *l, const char *key, const char *value, int type,
    const char *file, size_t line)
{
	struct gd_var *v;
	size_t i;

	if (smap_get(&l->idx, key, &i)) {
		v = &l->v[i];
		free(v->value);
	} else {
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 8;
			l->v = gd_xrealloc(l->v, l->cap * sizeof(*l->v));
		}
		v = &l->v[l->n];
		v->key = gd_xstrdup(key);
		gd_map_put(&l->idx, v->key, l->n);
		l->n++;
	}
	v->value = value ? gd_xstrdup(value) : NULL;
	v->type = type;
	v->file = file;
	v->line = line;
}

void
gd_inv_vlist_free(struct vlist *l)
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

const struct gd_var *
gd_inv_vlist_get(const struct vlist *l, const char *key)
{
	size_t i;

	return smap_get(&l->idx, key, &i) ? &l->v[i] : NULL;
}


int
gd_inv_err(struct loader *ld, size_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gd_yaml_verrf(ld->err, ld->errlen, ld->path, line, fmt, ap);
	va_end(ap);
	return -1;
}

/* Appends "PATH: [line N: ]message" to the warnings, up to MAX_WARN. */
static void
vwarn(struct loader *ld, const char *path, size_t line, const char *fmt, va_list ap)
{
	char msg[GD_ERRLEN];

	if (ld->nwarn > MAX_WARN)
		return;
	ld->warn = gd_xrealloc(ld->warn, (ld->nwarn + 1) * sizeof(*ld->warn));
	if (ld->nwarn == MAX_WARN) {
		ld->warn[ld->nwarn++] = gd_xasprintf("%s: more warnings not shown", ld->path);
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		ld->warn[ld->nwarn++] = gd_xasprintf("%s: line %zu: %s", path, line, msg);
	else
		ld->warn[ld->nwarn++] = gd_xasprintf("%s: %s", path, msg);
}

void
gd_inv_warn(struct loader *ld, size_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(ld, ld->path, line, fmt, ap);
	va_end(ap);
}

/* Counts work against MAX_WORK, so that alias bombs and huge ranges end
 * with a message instead of eating the machine. */
int
gd_inv_spend(struct loader *ld, size_t n, size_t line)
{
	ld->work += n;
	if (ld->work > MAX_WORK)
		return gd_inv_err(ld, line, "the inventory is too large: more than %d entries "
		    "once aliases, merges, host ranges and group variables are expanded",
		    MAX_WORK);
	return 0;
}

/* ---- building the inventory, as InventoryData does ---- */
size_t
gd_inv_add_group(struct loader *ld, const char *name, size_t line)
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

void
gd_inv_add_edge(struct loader *ld, size_t p, size_t c, size_t line)
{
	if (!gd_inv_uset_add(&ld->links, EDGE(p, c)))
		return;
	idxv_push(&ld->groups[p].kids, c);
	idxv_push(&ld->groups[p].kidlines, line);
	idxv_push(&ld->groups[c].parents, p);
}

void
gd_inv_add_member(struct loader *ld, size_t g, size_t h)
{
	if (!gd_inv_uset_add(&ld->links, MEMBER(g, h)))
		return;
	idxv_push(&ld->groups[g].hosts, h);
	idxv_push(&ld->hosts[h].groups, g);
}

/* InventoryData.add_host(): a host is created once; a port from its
 * name ('web1:2222') counts only then, as in Ansible. */
size_t
gd_inv_add_host(struct loader *ld, const char *name, size_t gid, const char *port, size_t line)
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
		h->file = ld->path;
		gd_map_put(&ld->hmap, h->name, id);
		if (port != NULL) {
			while (port[0] == '0' && port[1] != '\0')
				port++;
			if (strcmp(port, "0") != 0)   /* Host(name, port) ignores 0 */
				gd_inv_vlist_set(&h->vars, "ansible_port", port, GD_VAR_INT, ld->path,
				    line);
		}
	}
	if (gid != NONE)
		gd_inv_add_member(ld, gid, id);
	return id;
}

void
gd_inv_warn_file(struct loader *ld, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(ld, path ? path : ld->path, 0, fmt, ap);
	va_end(ap);
}

void
gd_inv_set_file(struct loader *ld, const char *path)
{
	size_t i;

	for (i = 0; i < ld->files.n; i++)
		if (strcmp(ld->files.v[i], path) == 0) {
			ld->path = ld->files.v[i];
			return;
		}
	strv_push(&ld->files, gd_xstrdup(path));
	ld->path = ld->files.v[ld->files.n - 1];
}

int
gd_inv_add_child(struct loader *ld, size_t gid, const char *child, size_t line)
{
	size_t cid;

	if (smap_get(&ld->gmap, child, &cid)) {
		if (cid == gid)
			return gd_inv_err(ld, line, "group '%s' cannot be a child of itself", child);
		if (cid == G_ALL)
			return gd_inv_err(ld, line, "group 'all' cannot be a child of '%s': "
			    "every group is inside 'all' already", ld->groups[gid].name);
		gd_inv_add_edge(ld, gid, cid, line);
		return 0;
	}
	if (smap_get(&ld->hmap, child, &cid)) {
		gd_inv_add_member(ld, gid, cid);
		return 0;
	}
	return gd_inv_err(ld, line, "'%s' is not a known host nor group", child);
}

/* Python's int() of a string, for ansible_group_priority. */
static int
priority_of(const char *s, int type, long *out)
{
	char *end;
	long long x;

	if (s == NULL)
		return -1;
	if (type == GD_VAR_BOOL) {
		*out = strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 ||
		    strcasecmp(s, "on") == 0;
		return 0;
	}
	if (type == GD_VAR_FLOAT) {
		*out = (long)strtod(s, NULL);
		return 0;
	}
	errno = 0;
	x = strtoll(s, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno != 0 || end == s || *end != '\0' || x > LONG_MAX || x < LONG_MIN)
		return -1;
	*out = (long)x;
	return 0;
}

int
gd_inv_set_var(struct loader *ld, size_t gid, size_t hid, const char *key,
    const char *value, int type, size_t line)
{
	long pr;

	if (hid != NONE && smap_get(&ld->gmap, ld->hosts[hid].name, &gid))
		hid = NONE;   /* set_variable() looks for a group of that name first */
	if (hid != NONE) {
		gd_inv_vlist_set(&ld->hosts[hid].vars, key, value, type, ld->path, line);
		return 0;
	}
	if (strcmp(key, "ansible_group_priority") == 0) {
		if (priority_of(value, type, &pr) < 0)
			return gd_inv_err(ld, line, "ansible_group_priority of group '%s' must be "
			    "an integer, not '%s'", ld->groups[gid].name, value ? value : "");
		ld->groups[gid].priority = pr;
		return 0;
	}
	gd_inv_vlist_set(&ld->groups[gid].vars, key, value, type, ld->path, line);
	return 0;
}

void
gd_inv_groups_free(struct gd_group *G, size_t n, size_t nsources)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		free(G[i].name);
		free(G[i].hosts.v);
		free(G[i].kids.v);
		free(G[i].kidlines.v);
		free(G[i].parents.v);
		gd_inv_vlist_free(&G[i].vars);
		for (k = 0; G[i].fvars != NULL && k < nsources; k++)
			gd_inv_vlist_free(&G[i].fvars[k]);
		free(G[i].fvars);
	}
	free(G);
}
