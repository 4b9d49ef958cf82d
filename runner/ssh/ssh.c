/* ssh.c: libssh2 sessions to many hosts, multiplexed by one poll() loop.
 *
 * Each connection is a small state machine (conn.c). gd_ssh_exec() starts up
 * to opts.forks of them and steps each one whenever its socket is ready in
 * the direction libssh2 says it is blocked on, or its deadline has passed. */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quote.h"
#include "ssh_internal.h"

/* Host key types in the order OpenSSH prefers them, so that the key a host
 * offers is the one ssh recorded in known_hosts. */
static const char *const hostkey_order[] = {
	"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa",
};

/* The preference list of hostkey_order that this libssh2 supports: given a
 * name it lacks, libssh2 1.10's method_pref copies overlapping memory. */
static char *
hostkey_prefs(void)
{
	LIBSSH2_SESSION *s = libssh2_session_init();
	const char **algs = NULL;
	struct gd_buf b = { 0 };
	size_t i;
	int n = 0, k;

	gd_buf_add(&b, "", 0);
	if (s != NULL)
		n = libssh2_session_supported_algs(s, LIBSSH2_METHOD_HOSTKEY, &algs);
	for (i = 0; i < sizeof(hostkey_order) / sizeof(hostkey_order[0]); i++)
		for (k = 0; k < n; k++)
			if (strcmp(algs[k], hostkey_order[i]) == 0)
				gd_buf_printf(&b, "%s%s", b.len ? "," : "", hostkey_order[i]);
	if (n > 0)
		libssh2_free(s, algs);
	if (s != NULL)
		libssh2_session_free(s);
	return b.data;
}

void
gd_ssh_opts_default(struct gd_ssh_opts *o)
{
	const char *f = getenv("GAMEDAY_SSH_CONFIG");

	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = 10000;
	o->cmd_timeout_ms = 60000;
	o->keepalive_s = 15;
	o->keepalive_max = 3;
	o->max_output = 1 << 20;
	o->forks = 50;
	if (f != NULL && strcmp(f, "none") == 0)
		o->no_ssh_config = 1;
	else if (f != NULL && f[0] != '\0')
		o->ssh_config = f;
}

void
gd_ssh_result_free(struct gd_ssh_result *r)
{
	gd_buf_free(&r->out);
	gd_buf_free(&r->err);
}

struct gd_ssh *
gd_ssh_new(const struct gd_ssh_opts *o)
{
	struct gd_ssh *m = gd_xcalloc(1, sizeof(*m));
	struct passwd *pw = getpwuid(getuid());
	const char *u = getenv("USER");

	m->o = *o;
	if (m->o.forks < 1)
		m->o.forks = 1;
	m->local_user = gd_xstrdup(pw != NULL ? pw->pw_name : (u != NULL ? u : "root"));
	m->hostkey_prefs = hostkey_prefs();
	m->global = -1;
	return m;
}

size_t
gd_ssh_add(struct gd_ssh *m, const struct gd_host *h)
{
	struct conn *c;
	size_t i;

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->c = gd_xrealloc(m->c, m->cap * sizeof(*m->c));
	}
	/* each its own allocation: a libssh2 session keeps a pointer to it */
	c = m->c[m->n] = gd_xcalloc(1, sizeof(*c));
	c->host = h;
	c->fd = -1;
	c->state = C_NEW;
	c->user = h->user != NULL ? h->user : m->local_user;
	c->addr = h->addr;
	c->port = h->port;
	c->connect_timeout_ms = m->o.connect_timeout_ms;
	c->keepalive_s = m->o.keepalive_s;
	c->keepalive_max = m->o.keepalive_max;
	for (i = 0; i < h->nwarnings; i++)   /* once per host and set */
		gd_warnx("warning: %s", h->warnings[i]);
	return m->n++;
}

/* Starts the next hosts while there is room: their first step. */
static void
start_hosts(struct gd_ssh *m, const char *const *cmds, size_t n, struct gd_ssh_result *res,
    size_t *active, size_t *nactive, size_t *next, size_t *done, size_t total)
{
	while (*nactive < (size_t)m->o.forks && *next < n && *next < m->n) {
		struct conn *c = m->c[*next];

		if (cmds[*next] == NULL) {
			(*next)++;
			continue;
		}
		c->res = &res[*next];
		c->cmd = gd_become_command_as(c->host->become, c->user, c->host->become_user,
		    cmds[*next]);
		c->started = c->last_rx = gd_now_ms();
		if (gd_ssh_conn_step(m, c)) {
			res[*next].ms = gd_now_ms() - c->started;
			(*done)++;
			if (m->o.progress != NULL)
				m->o.progress(m->o.progress_arg, *done, total);
		} else {
			active[(*nactive)++] = *next;
		}
		(*next)++;
	}
}

/* Keepalives of the jump hosts, which no job steps on its own. */
static void
jump_keepalives(struct gd_ssh *m)
{
	size_t i;
	int next_ka;

	for (i = 0; i < m->njumps; i++)
		if (m->jumps[i]->state == C_READY && m->jumps[i]->pending == NULL &&
		    m->jumps[i]->keepalive_s > 0)
			(void)libssh2_keepalive_send(m->jumps[i]->s, &next_ka);
}

/* A host behind a jump host may find its data read already, by another
 * host's step on the same session: step those again while there are. */
static size_t
step_queued(struct gd_ssh *m, size_t *active, size_t nactive, struct gd_ssh_result *res,
    long long now, size_t done, size_t total)
{
	size_t j, finished = 0;
	int pass, any = 1;

	for (pass = 0; pass < 16 && any; pass++) {
		any = 0;
		for (j = 0; j < nactive; j++) {
			struct conn *c;

			if (active[j] == SIZE_MAX || (c = m->c[active[j]])->via == NULL ||
			    !gd_ssh_tunnel_queued(c))
				continue;
			any = 1;
			if (!gd_ssh_conn_step(m, c))
				continue;
			res[active[j]].ms = now - c->started;
			finished++;
			if (m->o.progress != NULL)
				m->o.progress(m->o.progress_arg, done + finished, total);
			active[j] = SIZE_MAX;
		}
	}
	return finished;
}

int
gd_ssh_exec(struct gd_ssh *m, const char *const *cmds, size_t n, struct gd_ssh_result *res)
{
	size_t *active, nactive = 0, next = 0, done = 0, total = 0, i, j;
	struct pollfd *pfd;
	int all_ok = 1;

	active = gd_xcalloc(m->n + 1, sizeof(*active));
	pfd = gd_xcalloc(m->n + 1, sizeof(*pfd));
	m->round_started = gd_now_ms();
	{
		const struct gd_host **hs = gd_xcalloc(n + 1, sizeof(*hs));

		for (i = 0; i < n && i < m->n; i++) {
			memset(&res[i], 0, sizeof(res[i]));
			if (cmds[i] != NULL) {
				total++;
				if (m->c[i]->cfg == NULL)
					hs[i] = m->c[i]->host;
			}
		}
		gd_ssh_cfg_prefetch(m, hs, i);   /* OpenSSH's configuration, in parallel */
		free(hs);
	}
	while (done < total) {
		long long now, wake;
		int timeout;

		start_hosts(m, cmds, n, res, active, &nactive, &next, &done, total);
		if (nactive == 0)
			continue;
		/* wait for a socket (a jump host's for those behind it) or a deadline */
		now = gd_now_ms();
		wake = now + 1000;
		for (j = 0; j < nactive; j++) {
			struct conn *c = m->c[active[j]];

			pfd[j].fd = gd_ssh_root_fd(c);
			pfd[j].events = gd_ssh_conn_events(c);
			pfd[j].revents = 0;
			if (pfd[j].fd < 0)   /* its jump host went away meanwhile: step it now */
				wake = now;
			if ((gd_ssh_connecting(c) || (gd_ssh_running(c) && m->o.cmd_timeout_ms > 0)) &&
			    c->deadline < wake)
				wake = c->deadline;
		}
		timeout = wake > now ? (int)(wake - now) : 0;
		if (poll(pfd, nactive, timeout) < 0 && errno != EINTR) {
			gd_warnx("poll: %s", strerror(errno));
			break;
		}
		now = gd_now_ms();
		jump_keepalives(m);
		for (j = 0; j < nactive; j++) {
			struct conn *c = m->c[active[j]];

			if (pfd[j].revents & POLLIN)
				c->last_rx = now;
			if (gd_ssh_running(c) && c->keepalive_s > 0 &&
			    (c->via == NULL || c->via->pending == NULL)) {
				int next_ka;

				(void)libssh2_keepalive_send(c->s, &next_ka);
			}
			if (pfd[j].revents == 0 && pfd[j].fd >= 0 && !gd_ssh_overdue(m, c, now))
				continue;
			if (!gd_ssh_conn_step(m, c))
				continue;
			res[active[j]].ms = now - c->started;
			done++;
			if (m->o.progress != NULL)
				m->o.progress(m->o.progress_arg, done, total);
			active[j] = SIZE_MAX;  /* finished: compact below */
		}
		done += step_queued(m, active, nactive, res, now, done, total);
		for (i = j = 0; j < nactive; j++)
			if (active[j] != SIZE_MAX)
				active[i++] = active[j];
		nactive = i;
	}
	for (i = 0; i < n && i < m->n; i++) {
		if (cmds[i] == NULL)
			continue;
		if (res[i].status != GD_SSH_OK || res[i].exit_code != 0)
			all_ok = 0;
		free(m->c[i]->cmd);
		m->c[i]->cmd = NULL;
		m->c[i]->res = NULL;
	}
	free(active);
	free(pfd);
	return all_ok ? 0 : 1;
}

void
gd_ssh_set_timeout(struct gd_ssh *m, int cmd_timeout_ms)
{
	m->o.cmd_timeout_ms = cmd_timeout_ms;
}

void
gd_ssh_free(struct gd_ssh *m)
{
	size_t i, k;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		struct conn *c = m->c[i];

		if (c->state == C_READY && c->s != NULL &&
		    (c->via == NULL || c->via->pending == NULL)) {
			/* a polite goodbye, bounded: the peer may be gone */
			libssh2_session_set_timeout(c->s, 1000);
			libssh2_session_set_blocking(c->s, 1);
			libssh2_session_disconnect(c->s, "gameday done");
		}
		gd_ssh_conn_teardown(c);
		gd_ssh_auth_free(c);
		for (k = 0; k < c->nkh; k++)
			free(c->kh[k]);
		free(c->kh);
		free(c->cfgerr);
		free(c->cmd);
		gd_buf_free(&c->peer);
		free(c);
	}
	free(m->c);
	gd_ssh_jumps_free(m);   /* after what rides on them */
	for (i = 0; i < m->ncfgs; i++)
		gd_ssh_cfg_free(m->cfgs[i]);
	free(m->cfgs);
	gd_map_free(&m->cfgmap);
	gd_ssh_cfg_free(m->base);
	gd_ssh_cfg_free(m->nocfg);
	gd_map_free(&m->warned);
	free(m->local_user);
	free(m->hostkey_prefs);
	free(m);
}
