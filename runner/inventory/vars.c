/* vars.c: InventoryData.reconcile_inventory() ('ungrouped', group depths),
 * the variable precedence of VariableManager, and the public host list in
 * the order of 'all'. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inv_internal.h"

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
	gd_inv_err(ld, line, "groups form a cycle: %s (a group cannot be its own ancestor)",
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


void
gd_inv_walk_init(struct walk *w, size_t ng, size_t nh)
{
	w->gstamp = gd_xcalloc(ng + 1, sizeof(*w->gstamp));
	w->hstamp = gd_xcalloc(nh + 1, sizeof(*w->hstamp));
	w->stamp = 0;
	memset(&w->queue, 0, sizeof(w->queue));
}

void
gd_inv_walk_free(struct walk *w)
{
	free(w->gstamp);
	free(w->hstamp);
	free(w->queue.v);
}

/* Group.get_hosts(): the hosts of root and its descendants, each once, the
 * groups taken breadth first. Ansible walks each level through a Python set,
 * so where several groups of one level have children its order varies from
 * run to run; we follow the order the groups were listed in. */
void
gd_inv_group_hosts(const struct gd_group *G, size_t root, struct walk *w, struct idxv *out)
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

void
gd_inv_host_clear(struct gd_host *h)
{
	size_t i;

	free(h->name);
	free(h->addr);
	free(h->user);
	free(h->key_file);
	free(h->known_hosts);
	free(h->become_user);
	free(h->jump);
	for (i = 0; h->ssh_args != NULL && h->ssh_args[i] != NULL; i++)
		free(h->ssh_args[i]);
	free(h->ssh_args);
	for (i = 0; i < h->nwarnings; i++)
		free(h->warnings[i]);
	free(h->warnings);
	free(h->refusal);
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
	return gd_inv_spend(ld, closure->n, h->line);
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

/* Hosts in no group but 'all' go to 'ungrouped'; hosts put there that are
 * in other groups too leave it, as Host.remove_group() has them. */
static int
reconcile_ungrouped(struct loader *ld)
{
	const size_t ng = ld->ngroups, nh = ld->nhosts;
	struct idxv closure = { 0 }, added = { 0 }, *u;
	size_t *stamp = gd_xcalloc(ng, sizeof(*stamp));
	unsigned char *drop = gd_xcalloc(nh + 1, 1);
	size_t i, j, q, k;
	int rc = -1;

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
		if (in_ung && others && gd_inv_uset_has(&ld->links, MEMBER(G_UNGROUPED, i))) {
			drop[i] = 1;   /* in other groups too: not ungrouped after all */
			drop_ungrouped(ld->groups, ng, &closure);
			h->fixed = 1;   /* from now on the host's groups are these */
			free(h->groups.v);
			h->groups = closure;
			memset(&closure, 0, sizeof(closure));
		} else if (!in_ung && !others) {
			/* add_child('ungrouped', name) takes a group of that name first */
			if (!smap_get(&ld->gmap, h->name, &gid)) {
				idxv_push(&added, i);
				idxv_push(&h->groups, G_UNGROUPED);
			} else if (is_ancestor(ld->groups, ng, gid, G_UNGROUPED)) {
				gd_inv_err(ld, h->line, "host '%s' is in no group, and ansible then puts "
				    "the group of the same name into 'ungrouped', which makes a "
				    "cycle: rename the host or the group", h->name);
				goto out;
			} else {
				gd_inv_add_edge(ld, G_UNGROUPED, gid, 0);
			}
		}
	}
	u = &ld->groups[G_UNGROUPED].hosts;
	for (j = k = 0; j < u->n; j++)
		if (!drop[u->v[j]])
			u->v[k++] = u->v[j];
	u->n = k;
	for (j = 0; j < added.n; j++)
		idxv_push(u, added.v[j]);
	rc = 0;
out:
	free(stamp);
	free(drop);
	free(closure.v);
	free(added.v);
	return rc;
}

/* Group.depth: the longest path from 'all', in topological order. */
static void
set_depths(struct gd_group *G, size_t ng, size_t *order, size_t *indeg)
{
	size_t i, j;

	topo_order(G, ng, order, indeg);
	for (i = 0; i < ng; i++)
		for (j = 0; j < G[order[i]].kids.n; j++) {
			struct gd_group *c = &G[G[order[i]].kids.v[j]];

			if (c->depth < G[order[i]].depth + 1)
				c->depth = G[order[i]].depth + 1;
		}
}

static void
merge_list(struct vlist *m, const struct vlist *from)
{
	size_t j;

	for (j = 0; j < from->n; j++)
		gd_inv_vlist_set(m, from->v[j].key, from->v[j].value, from->v[j].type,
		    from->v[j].file, from->v[j].line);
}

/* The variables of host i as VariableManager.get_vars() merges them: 'all',
 * its groups by (depth, priority, name), group_vars/all, group_vars of its
 * groups (source by source), the host, host_vars/HOST; then its connection
 * fields. Into *out. */
static int
merge_host(struct loader *ld, size_t i, size_t *stamp, struct idxv *closure,
    struct idxv *sorted, struct gd_host *out)
{
	const struct gd_group *G = ld->groups;
	struct ihost *h = &ld->hosts[i];
	struct vlist m = { 0 };
	size_t j, q, k;

	if (h->fixed) {   /* Host.remove_group() decided them */
		closure->n = 0;
		for (j = 0; j < h->groups.n; j++)
			idxv_push(closure, h->groups.v[j]);
	} else if (host_closure(ld, i, stamp, closure) < 0) {
		return -1;
	}
	sorted->n = 0;
	for (q = 0; q < closure->n; q++)
		if (closure->v[q] != G_ALL)
			idxv_push(sorted, closure->v[q]);
	qsort_r(sorted->v, sorted->n, sizeof(*sorted->v), cmp_group_order, (void *)G);
	merge_list(&m, &G[G_ALL].vars);
	for (q = 0; q < sorted->n; q++) {
		if (gd_inv_spend(ld, G[sorted->v[q]].vars.n, h->line) < 0)
			goto fail;
		merge_list(&m, &G[sorted->v[q]].vars);
	}
	for (k = 0; k < ld->nsources; k++)   /* group_vars/all of each source */
		if (G[G_ALL].fvars != NULL)
			merge_list(&m, &G[G_ALL].fvars[k]);
	for (k = 0; k < ld->nsources; k++)   /* then each source's group_vars/GROUP */
		for (q = 0; q < sorted->n; q++)
			if (G[sorted->v[q]].fvars != NULL) {
				if (gd_inv_spend(ld, G[sorted->v[q]].fvars[k].n, h->line) < 0)
					goto fail;
				merge_list(&m, &G[sorted->v[q]].fvars[k]);
			}
	merge_list(&m, &h->vars);
	for (k = 0; h->fvars != NULL && k < ld->nsources; k++)
		merge_list(&m, &h->fvars[k]);
	out->name = h->name;
	h->name = NULL;
	if (gd_inv_host_fill(ld, out, &m) < 0)
		goto fail;
	return 0;
fail:
	gd_inv_vlist_free(&m);
	return -1;
}

/* Moves the merged hosts (tmp, in the order first defined) into inv in the
 * order of 'all', renumbers the groups' hosts, and hands the groups over. */
static void
publish(struct loader *ld, struct gd_host *tmp, struct gd_inventory *inv)
{
	struct gd_group *G = ld->groups;
	const size_t ng = ld->ngroups, nh = ld->nhosts;
	struct idxv all = { 0 };
	struct walk w = { 0 };
	size_t i, j, *pub;

	gd_inv_walk_init(&w, ng, nh);
	gd_inv_group_hosts(G, G_ALL, &w, &all);
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
	for (i = 0; i < nh; i++)
		gd_map_put(&inv->index->byname, inv->hosts[i].name, i);
	for (i = 0; i < ng; i++) {   /* merged into the hosts: not kept */
		for (j = 0; G[i].fvars != NULL && j < ld->nsources; j++)
			gd_inv_vlist_free(&G[i].fvars[j]);
		free(G[i].fvars);
		G[i].fvars = NULL;
	}
	inv->groups = ld->groups;
	inv->ngroups = ng;
	ld->groups = NULL;
	ld->ngroups = 0;
	free(all.v);
	gd_inv_walk_free(&w);
}

/* InventoryData.reconcile_inventory() and the variable precedence of
 * VariableManager; then the hosts in the order of 'all'. */
int
gd_inv_finish(struct loader *ld, struct gd_inventory *inv)
{
	size_t ng = ld->ngroups, nh = ld->nhosts, i, *order, *indeg, *stamp = NULL;
	struct idxv closure = { 0 }, sorted = { 0 };
	struct gd_host *tmp = NULL;
	int rc = -1;

	order = gd_xcalloc(ng, sizeof(*order));
	indeg = gd_xcalloc(ng, sizeof(*indeg));
	if (topo_order(ld->groups, ng, order, indeg) < ng) {
		cycle_error(ld, indeg);
		goto out;
	}
	for (i = 1; i < ng; i++)   /* groups without a parent go under 'all' */
		if (ld->groups[i].parents.n == 0)
			gd_inv_add_edge(ld, G_ALL, i, 0);
	if (reconcile_ungrouped(ld) < 0)
		goto out;
	set_depths(ld->groups, ng, order, indeg);
	stamp = gd_xcalloc(ng, sizeof(*stamp));
	tmp = gd_xcalloc(nh + 1, sizeof(*tmp));
	for (i = 0; i < nh; i++)
		if (merge_host(ld, i, stamp, &closure, &sorted, &tmp[i]) < 0)
			goto out;
	publish(ld, tmp, inv);
	rc = 0;
out:
	if (tmp != NULL)
		for (i = 0; i < nh; i++)
			gd_inv_host_clear(&tmp[i]);
	free(tmp);
	free(order);
	free(indeg);
	free(stamp);
	free(closure.v);
	free(sorted.v);
	return rc;
}
