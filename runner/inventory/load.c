/* load.c: the inventory loader: its errors and budgets, the group and host
 * graph as InventoryData builds it, and the public entry points.
 *
 * It follows ansible-core 2.14 closely, so that teams can keep one inventory
 * for both tools: plugins/inventory/yaml.py and plugins/inventory/__init__.py
 * (parsing, host ranges), inventory/data.py, group.py, host.py (the group
 * graph, 'ungrouped', variable precedence) and inventory/manager.py
 * (patterns), so a pattern gives the hosts, in the order, that
 * `ansible -i INV PATTERN --list-hosts` prints. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
gd_inv_vlist_set(struct vlist *l, const char *key, const char *value, size_t line)
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

void
gd_inv_warn(struct loader *ld, size_t line, const char *fmt, ...)
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
		gd_map_put(&ld->hmap, h->name, id);
		if (port != NULL) {
			while (port[0] == '0' && port[1] != '\0')
				port++;
			if (strcmp(port, "0") != 0)   /* Host(name, port) ignores 0 */
				gd_inv_vlist_set(&h->vars, "ansible_port", port, line);
		}
	}
	if (gid != NONE)
		gd_inv_add_member(ld, gid, id);
	return id;
}

void
gd_inv_groups_free(struct gd_group *G, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(G[i].name);
		free(G[i].hosts.v);
		free(G[i].kids.v);
		free(G[i].kidlines.v);
		free(G[i].parents.v);
		gd_inv_vlist_free(&G[i].vars);
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
	gd_inv_addr_re_free(&ld->ipv6);
	gd_inv_groups_free(ld->groups, ld->ngroups);
	gd_map_free(&ld->gmap);
	for (i = 0; i < ld->nhosts; i++) {
		free(ld->hosts[i].name);
		gd_inv_vlist_free(&ld->hosts[i].vars);
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
	struct loader ld = { 0 };
	int rc = -1;

	memset(inv, 0, sizeof(*inv));
	ld.path = path;
	ld.err = err;
	ld.errlen = errlen;
	gd_inv_add_group(&ld, "all", 0);
	gd_inv_add_group(&ld, "ungrouped", 0);
	gd_inv_add_edge(&ld, G_ALL, G_UNGROUPED, 0);
	if (gd_inv_yaml_read(&ld) < 0 || gd_inv_finish(&ld, inv) < 0)
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
		gd_inv_host_clear(&inv->hosts[i]);
	free(inv->hosts);
	gd_inv_groups_free(inv->groups, inv->ngroups);
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

