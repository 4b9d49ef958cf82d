/* pool.c: a session's SSH connections, one per host, opened on first use. */
#include <stdlib.h>
#include <string.h>

#include "gd.h"
#include "pool.h"

struct gd_pool {
	struct gd_ssh *m;
	struct gd_ssh_opts o;
	const struct gd_inventory *inv;
	size_t *inv_conn;        /* inventory host -> connection + 1; 0: not added */
	const struct gd_host **conn_host;  /* connection -> its host */
	size_t nconn;
	struct gd_host **own;    /* hosts the pool copied (not in the inventory) */
	size_t nown;
};

struct gd_pool *
gd_pool_new(const struct gd_ssh_opts *o, const struct gd_inventory *inv)
{
	struct gd_pool *p = gd_xcalloc(1, sizeof(*p));

	p->o = *o;
	p->o.progress = NULL;
	p->o.progress_arg = NULL;
	p->m = gd_ssh_new(&p->o);
	p->inv = inv;
	if (inv != NULL)
		p->inv_conn = gd_xcalloc(inv->nhosts + 1, sizeof(*p->inv_conn));
	return p;
}

static size_t
add(struct gd_pool *p, const struct gd_host *h)
{
	size_t c = gd_ssh_add(p->m, h);

	p->conn_host = gd_xrealloc(p->conn_host, (c + 1) * sizeof(*p->conn_host));
	p->conn_host[c] = h;
	p->nconn = c + 1;
	return c;
}

size_t
gd_pool_host(struct gd_pool *p, size_t i)
{
	if (p->inv_conn[i] == 0)
		p->inv_conn[i] = add(p, &p->inv->hosts[i]) + 1;
	return p->inv_conn[i] - 1;
}

static int
same_str(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* Whether h is the host x names; x's known_hosts is the file its keys were
 * checked against, which is the pool's --known-hosts when one is given. */
static int
same_host(const struct gd_pool *p, const struct gd_host *h, const struct gd_host *x)
{
	const char *kh = p->o.known_hosts != NULL ? p->o.known_hosts : h->known_hosts;

	return same_str(h->name, x->name) && same_str(h->addr, x->addr) && h->port == x->port &&
	    same_str(h->user, x->user) && same_str(h->key_file, x->key_file) &&
	    h->become == x->become && same_str(h->become_user, x->become_user) && (x->known_hosts == NULL || same_str(kh, x->known_hosts));
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? gd_xstrdup(s) : NULL;
}

size_t
gd_pool_conn(struct gd_pool *p, const struct gd_host *x)
{
	struct gd_host *h;
	size_t i;

	for (i = 0; p->inv != NULL && i < p->inv->nhosts; i++)
		if (same_host(p, &p->inv->hosts[i], x))
			return gd_pool_host(p, i);
	for (i = 0; i < p->nown; i++)
		if (same_host(p, p->own[i], x))
			break;
	if (i < p->nown) {
		size_t c;

		for (c = 0; c < p->nconn; c++)
			if (p->conn_host[c] == p->own[i])
				return c;
	}
	h = gd_xcalloc(1, sizeof(*h));
	h->name = gd_xstrdup(x->name != NULL ? x->name : x->addr);
	h->addr = gd_xstrdup(x->addr);
	h->port = x->port;
	h->user = dup_or_null(x->user);
	h->key_file = dup_or_null(x->key_file);
	h->known_hosts = dup_or_null(x->known_hosts);
	h->become = x->become;
	h->become_user = dup_or_null(x->become_user);
	p->own = gd_xrealloc(p->own, (p->nown + 1) * sizeof(*p->own));
	p->own[p->nown++] = h;
	return add(p, h);
}

const struct gd_host *
gd_pool_conn_host(const struct gd_pool *p, size_t c)
{
	return c < p->nconn ? p->conn_host[c] : NULL;
}

void
gd_pool_exec(struct gd_pool *p, const size_t *conn, const char *const *cmds, size_t n,
    int timeout_ms, struct gd_ssh_result *res)
{
	const char **all = gd_xcalloc(p->nconn + 1, sizeof(*all));
	struct gd_ssh_result *r = gd_xcalloc(p->nconn + 1, sizeof(*r));
	size_t k, any = 0;

	for (k = 0; k < n; k++) {
		memset(&res[k], 0, sizeof(res[k]));
		if (conn[k] < p->nconn && cmds[k] != NULL) {
			all[conn[k]] = cmds[k];
			any++;
		}
	}
	gd_ssh_set_timeout(p->m, timeout_ms >= 0 ? timeout_ms : p->o.cmd_timeout_ms);
	if (any > 0)
		gd_ssh_exec(p->m, all, p->nconn, r);
	gd_ssh_set_timeout(p->m, p->o.cmd_timeout_ms);
	for (k = 0; k < n; k++) {
		if (conn[k] >= p->nconn || cmds[k] == NULL)
			continue;
		res[k] = r[conn[k]];  /* takes its buffers */
		memset(&r[conn[k]], 0, sizeof(r[conn[k]]));
	}
	for (k = 0; k < p->nconn; k++)
		gd_ssh_result_free(&r[k]);
	free(r);
	free(all);
}

struct gd_ssh *
gd_pool_ssh(struct gd_pool *p)
{
	return p->m;
}

int
gd_pool_timeout(const struct gd_pool *p)
{
	return p->o.cmd_timeout_ms;
}

void
gd_pool_free(struct gd_pool *p)
{
	size_t i;

	if (p == NULL)
		return;
	gd_ssh_free(p->m);
	for (i = 0; i < p->nown; i++) {
		free(p->own[i]->name);
		free(p->own[i]->addr);
		free(p->own[i]->user);
		free(p->own[i]->key_file);
		free(p->own[i]->known_hosts);
		free(p->own[i]->become_user);
		free(p->own[i]);
	}
	free(p->own);
	free(p->conn_host);
	free(p->inv_conn);
	free(p);
}
