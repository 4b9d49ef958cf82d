/* jump.c: hosts behind jump hosts (ProxyJump, several hops "a,b").
 *
 * A jump host is a connection of its own (connect, host key, auth), made on
 * first use and shared by every host behind it. A host behind it gets a
 * direct-tcpip channel of the jump host's session (the jump host resolves
 * and connects the name, as `ssh -W %h:%p` does), and its own libssh2
 * session sends and receives through that channel instead of a socket
 * (LIBSSH2_CALLBACK_SEND/RECV), stepped by the same poll loop on the socket
 * under the first hop. Every hop's host key is checked as any host's.
 *
 * libssh2 sends one packet at a time per session: when a call on a jump
 * host's session stops with EAGAIN halfway through a packet, that very call
 * must be repeated before any other call on the session sends anything. So
 * the connection that made it is marked (pending) and the others wait. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh_internal.h"

#define MAX_HOPS 8

/* "[user@]host[:port]" or "ssh://[user@]host[:port]" (host may be [v6]). */
static int
parse_hop(const char *spec, char **user, char **host, int *port)
{
	const char *p = spec, *at, *colon, *end;

	*user = *host = NULL;
	*port = 0;
	if (strncmp(p, "ssh://", 6) == 0)
		p += 6;
	if ((at = strrchr(p, '@')) != NULL) {
		*user = gd_xasprintf("%.*s", (int)(at - p), p);
		p = at + 1;
	}
	if (*p == '[') {
		if ((end = strchr(p, ']')) == NULL)
			goto bad;
		*host = gd_xasprintf("%.*s", (int)(end - p - 1), p + 1);
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			goto bad;
	} else {
		colon = strchr(p, ':');
		*host = colon ? gd_xasprintf("%.*s", (int)(colon - p), p) : gd_xstrdup(p);
	}
	if (colon != NULL) {
		char *e;
		long v = strtol(colon + 1, &e, 10);

		if (*e != '\0' || v < 1 || v > 65535)
			goto bad;
		*port = (int)v;
	}
	if ((*host)[0] == '\0' || (*user != NULL && (*user)[0] == '\0'))
		goto bad;
	return 0;
bad:
	free(*user);
	free(*host);
	*user = *host = NULL;
	return -1;
}

static struct conn *
find_jump(struct gd_ssh *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->njumps; i++)
		if (strcmp(m->jumps[i]->jhost.name, key) == 0)
			return m->jumps[i];
	return NULL;
}

/* The ssh_config file the host's own arguments name (-F), or NULL. */
static const char *
config_file(const struct gd_host *h)
{
	const char *f = NULL;
	size_t i;

	for (i = 0; h->ssh_args != NULL && h->ssh_args[i] != NULL; i++)
		if (strcmp(h->ssh_args[i], "-F") == 0 && h->ssh_args[i + 1] != NULL)
			f = h->ssh_args[++i];
	return f;
}

/* A new jump host connection for one hop, via prev (NULL: its own
 * configuration's ProxyJump, if any, applies, as it does for ssh's first hop). */
static struct conn *
new_jump(struct gd_ssh *m, const char *key, const char *user, const char *host, int port,
    struct conn *prev, const struct gd_host *target)
{
	struct conn *j = gd_xcalloc(1, sizeof(*j));
	char **args = gd_xcalloc(7, sizeof(*args));
	const char *cfgfile = config_file(target);
	size_t n = 0;

	j->is_jump = 1;
	j->fd = -1;
	j->state = C_NEW;
	j->via = prev;
	j->jhost.name = gd_xstrdup(key);
	j->jhost.addr = gd_xstrdup(host);
	j->jhost.port = port > 0 ? port : 22;
	j->jhost.port_set = port > 0;
	j->jhost.user = user ? gd_xstrdup(user) : NULL;
	j->jhost.known_hosts = target->known_hosts ? gd_xstrdup(target->known_hosts) : NULL;
	if (port > 0) {
		args[n++] = gd_xstrdup("-o");
		args[n++] = gd_xasprintf("Port=%d", port);
	}
	if (user != NULL) {
		args[n++] = gd_xstrdup("-o");
		args[n++] = gd_xasprintf("User=%s", user);
	}
	if (cfgfile != NULL) {   /* the hop is looked up where its name was found */
		args[n++] = gd_xstrdup("-F");
		args[n++] = gd_xstrdup(cfgfile);
	}
	j->jhost.ssh_args = args;
	j->host = &j->jhost;
	j->res = &j->jres;
	j->jumpname = gd_xasprintf("%s%s%s%s%d", user ? user : "", user ? "@" : "", host,
	    ":", j->jhost.port);
	m->jumps = gd_xrealloc(m->jumps, (m->njumps + 1) * sizeof(*m->jumps));
	m->jumps[m->njumps++] = j;
	return j;
}

static int
depth(const struct conn *c)
{
	int d = 0;

	for (; c->via != NULL && d <= MAX_HOPS + 1; c = c->via)
		d++;
	return d;
}

int
gd_ssh_jump_for(struct gd_ssh *m, struct conn *c, const char *spec, char *err, size_t errlen)
{
	char *copy = gd_xstrdup(spec), *save = NULL, *hop;
	struct conn *prev = NULL;
	int rc = -1, i = 0;

	if (c->via != NULL) {   /* a later hop: the chain before it decides, not its config */
		free(copy);
		return 0;
	}
	for (hop = strtok_r(copy, ",", &save); hop != NULL; hop = strtok_r(NULL, ",", &save), i++) {
		char *user, *host, *key;
		int port;
		struct conn *j;

		if (parse_hop(hop, &user, &host, &port) < 0 || !gd_host_addr_valid(host)) {
			gd_errf(err, errlen, "ProxyJump '%s' of %s: '%s' is not [user@]host[:port]",
			    spec, c->is_jump ? c->jumpname : c->host->name, hop);
			free(user);
			free(host);
			goto out;
		}
		key = gd_xasprintf("%s|%s|%s", hop, prev ? prev->jhost.name : "-",
		    config_file(c->host) ? config_file(c->host) : "");
		if ((j = find_jump(m, key)) == NULL)
			j = new_jump(m, key, user, host, port, prev, c->host);
		free(key);
		free(user);
		free(host);
		prev = j;
		if (i >= MAX_HOPS || depth(prev) > MAX_HOPS) {
			gd_errf(err, errlen, "ProxyJump '%s' of %s: more than %d hops (a loop?)", spec,
			    c->is_jump ? c->jumpname : c->host->name, MAX_HOPS);
			goto out;
		}
	}
	if (prev == NULL) {
		gd_errf(err, errlen, "ProxyJump '%s' of %s names no host", spec, c->host->name);
		goto out;
	}
	if (prev == c) {
		gd_errf(err, errlen, "ProxyJump '%s' of %s goes through itself", spec, c->jumpname);
		goto out;
	}
	c->via = prev;
	rc = 0;
out:
	free(copy);
	return rc;
}

/* A jump host's failure, for each host behind it. */
static int
fail_behind(struct conn *c, const struct conn *j)
{
	snprintf(c->res->jump, sizeof(c->res->jump), "%s", j->jumpname);
	return gd_ssh_conn_fail(c, GD_SSH_UNREACHABLE, "through jump host %s: %s", j->jumpname,
	    j->jres.errmsg);
}

int
gd_ssh_step_via(struct gd_ssh *m, struct conn *c, long long now)
{
	struct conn *j = c->via;

	(void)now;
	if (j->state == C_READY) {
		c->state = C_TUNNEL;
		return STEP_ON;
	}
	if (j->state == C_DEAD && j->jfailed_at >= m->round_started)
		return fail_behind(c, j);   /* said once for all: the same reason */
	if (j->state == C_DEAD)
		memset(&j->jres, 0, sizeof(j->jres));
	j->res = &j->jres;
	gd_ssh_conn_step(m, j);
	if (j->state == C_READY) {
		c->state = C_TUNNEL;
		return STEP_ON;
	}
	if (j->state == C_DEAD) {
		j->jfailed_at = gd_now_ms();
		return fail_behind(c, j);
	}
	return STEP_WAIT;
}

int
gd_ssh_step_tunnel(struct gd_ssh *m, struct conn *c)
{
	struct conn *j = c->via;
	int e;

	if (j->state != C_READY) {   /* it went away meanwhile */
		c->state = C_VIA;
		return STEP_ON;
	}
	if ((j->opening != NULL && j->opening != c) || (j->pending != NULL && j->pending != c))
		return STEP_WAIT;   /* one channel open at a time on a session */
	j->opening = c;
	c->tun = libssh2_channel_direct_tcpip_ex(j->s, c->addr, c->port, "127.0.0.1", 22);
	if (c->tun == NULL) {
		e = libssh2_session_last_errno(j->s);
		if (e == LIBSSH2_ERROR_EAGAIN) {
			gd_ssh_jump_busy(j, c);
			return STEP_WAIT;
		}
		j->opening = NULL;
		if (j->pending == c)
			j->pending = NULL;
		snprintf(c->res->jump, sizeof(c->res->jump), "%s", j->jumpname);
		if (e != LIBSSH2_ERROR_CHANNEL_FAILURE && e != LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED) {
			char why[GD_ERRLEN];

			snprintf(why, sizeof(why), "%s", gd_ssh_last_error(j->s));
			j->res = &j->jres;
			gd_ssh_conn_fail(j, GD_SSH_UNREACHABLE, "lost it: %s", why);
			j->jfailed_at = gd_now_ms();
			return fail_behind(c, j);
		}
		return gd_ssh_conn_fail(c, GD_SSH_UNREACHABLE, "jump host %s cannot open a "
		    "connection to %s:%d: %s", j->jumpname, c->addr, c->port,
		    gd_ssh_last_error(j->s));
	}
	j->opening = NULL;
	if (j->pending == c)
		j->pending = NULL;
	c->tun_gen = j->gen;
	return gd_ssh_session_start(m, c);
}

void
gd_ssh_jump_busy(struct conn *j, struct conn *c)
{
	if (libssh2_session_block_directions(j->s) & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		j->pending = c;
}

/* Whether c's tunnel is still on the session it was opened on. */
static int
tunnel_alive(const struct conn *c)
{
	const struct conn *j = c->via;

	return c->tun != NULL && j != NULL && j->s != NULL && j->state == C_READY &&
	    c->tun_gen == j->gen;
}

/* One send or receive of c's session through its tunnel: what libssh2
 * wants of a socket (-EAGAIN, -ECONNRESET, or the bytes moved). */
static ssize_t
tun_io(struct conn *c, void *rbuf, const void *wbuf, size_t len)
{
	struct conn *j = c->via;
	ssize_t n;

	if (!tunnel_alive(c))
		return -ECONNRESET;
	if (j->pending != NULL && j->pending != c)
		return -EAGAIN;
	n = wbuf != NULL ? libssh2_channel_write(c->tun, wbuf, len) :
	    libssh2_channel_read(c->tun, rbuf, len);
	if (n == LIBSSH2_ERROR_EAGAIN) {
		gd_ssh_jump_busy(j, c);
		return -EAGAIN;
	}
	if (j->pending == c)
		j->pending = NULL;
	if (n == 0 && wbuf == NULL && !libssh2_channel_eof(c->tun))
		return -EAGAIN;
	return n < 0 ? -ECONNRESET : n;
}

static ssize_t
tun_send(libssh2_socket_t fd, const void *buf, size_t len, int flags, void **abstract)
{
	(void)fd;
	(void)flags;
	return tun_io(*abstract, NULL, buf, len);
}

static ssize_t
tun_recv(libssh2_socket_t fd, void *buf, size_t len, int flags, void **abstract)
{
	(void)fd;
	(void)flags;
	return tun_io(*abstract, buf, NULL, len);
}

int
gd_ssh_tunnel_queued(const struct conn *c)
{
	for (; c->via != NULL; c = c->via)
		if (tunnel_alive(c) && c->via->pending == NULL &&
		    libssh2_poll_channel_read(c->tun, 0) > 0)
			return 1;
	return 0;
}

LIBSSH2_SESSION *
gd_ssh_tunnel_session(struct conn *c)
{
	LIBSSH2_SESSION *s = libssh2_session_init_ex(NULL, NULL, NULL, c);

	if (s == NULL)
		return NULL;
	libssh2_session_callback_set(s, LIBSSH2_CALLBACK_SEND, (void *)tun_send);
	libssh2_session_callback_set(s, LIBSSH2_CALLBACK_RECV, (void *)tun_recv);
	return s;
}

void
gd_ssh_tunnel_close(struct conn *c)
{
	struct conn *j = c->via;

	if (c->tun == NULL)
		return;
	if (j != NULL && j->opening == c)
		j->opening = NULL;
	if (tunnel_alive(c) && (j->pending == NULL || j->pending == c)) {
		/* bounded and blocking: nothing else may use the session meanwhile */
		libssh2_session_set_timeout(j->s, 2000);
		libssh2_session_set_blocking(j->s, 1);
		libssh2_channel_free(c->tun);
		libssh2_session_set_blocking(j->s, 0);
		libssh2_session_set_timeout(j->s, 0);
		if (j->pending == c)
			j->pending = NULL;
	}
	c->tun = NULL;   /* else freed with the jump host's session */
}

/* C_PEER: the address the host sees us at, from $SSH_CONNECTION, so that a
 * fault on it spares the path through the jump host as it spares a direct one. */
int
gd_ssh_step_peer(struct conn *c)
{
	char buf[512];
	ssize_t n;
	int rc;

	switch (c->peerstep) {
	case 0:
		c->ch = libssh2_channel_open_session(c->s);
		if (c->ch == NULL) {
			if (libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_EAGAIN)
				return STEP_WAIT;
			return gd_ssh_conn_fail(c, GD_SSH_UNREACHABLE, "cannot open a channel to %s: %s",
			    c->addr, gd_ssh_last_error(c->s));
		}
		c->peerstep = 1;
		/* FALLTHROUGH */
	case 1:
		rc = libssh2_channel_exec(c->ch, "echo \"$SSH_CONNECTION\"");
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		if (rc != 0)
			return gd_ssh_conn_fail(c, GD_SSH_UNREACHABLE, "cannot run a command on %s: %s",
			    c->addr, gd_ssh_last_error(c->s));
		c->peerstep = 2;
		/* FALLTHROUGH */
	case 2:
		while ((n = libssh2_channel_read(c->ch, buf, sizeof(buf))) > 0)
			if (c->peer.len < 256)
				gd_buf_add(&c->peer, buf, (size_t)n);
		if (n == LIBSSH2_ERROR_EAGAIN || (n == 0 && !libssh2_channel_eof(c->ch)))
			return STEP_WAIT;
		if (n < 0)
			return gd_ssh_conn_fail(c, GD_SSH_UNREACHABLE, "lost %s: %s", c->addr,
			    gd_ssh_last_error(c->s));
		c->peerstep = 3;
		/* FALLTHROUGH */
	default:
		if (libssh2_channel_free(c->ch) == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		c->ch = NULL;
		c->peerstep = 0;
		c->local_addr[0] = '\0';
		if (c->peer.data != NULL)
			sscanf(c->peer.data, "%63s", c->local_addr);
		c->state = C_READY;
		return STEP_ON;
	}
}

void
gd_ssh_jumps_free(struct gd_ssh *m)
{
	size_t i, k;
	int d, maxd = 0;

	for (i = 0; i < m->njumps; i++)
		if (depth(m->jumps[i]) > maxd)
			maxd = depth(m->jumps[i]);
	for (d = maxd; d >= 0; d--)   /* what rides on a jump host goes first */
		for (i = 0; i < m->njumps; i++) {
			struct conn *j = m->jumps[i];

			if (depth(j) != d)
				continue;
			if (j->state == C_READY && j->s != NULL && j->pending == NULL) {
				libssh2_session_set_timeout(j->s, 1000);
				libssh2_session_set_blocking(j->s, 1);
				libssh2_session_disconnect(j->s, "gameday done");
			}
			gd_ssh_conn_teardown(j);
		}
	for (i = 0; i < m->njumps; i++) {
		struct conn *j = m->jumps[i];

		gd_ssh_auth_free(j);
		for (k = 0; k < j->nkh; k++)
			free(j->kh[k]);
		free(j->kh);
		free(j->cfgerr);
		free(j->jumpname);
		free(j->jhost.name);
		free(j->jhost.addr);
		free(j->jhost.user);
		free(j->jhost.known_hosts);
		for (k = 0; j->jhost.ssh_args[k] != NULL; k++)
			free(j->jhost.ssh_args[k]);
		free(j->jhost.ssh_args);
		gd_buf_free(&j->peer);
		free(j);
	}
	free(m->jumps);
	m->jumps = NULL;
	m->njumps = 0;
}
