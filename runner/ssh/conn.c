/* conn.c: one SSH connection as a small state machine (connect, handshake,
 * host key, auth, then channel open, exec, read, close), stepped by the poll
 * loop of ssh.c whenever its socket is ready or its deadline has passed. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssh_internal.h"

char *
gd_ssh_home_path(const char *rel)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home == NULL || home[0] == '\0') {
		pw = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : "/";
	}
	return gd_xasprintf("%s/%s", home, rel);
}

const char *
gd_ssh_last_error(LIBSSH2_SESSION *s)
{
	char *msg = NULL;

	if (s == NULL)
		return "no session";
	libssh2_session_last_error(s, &msg, NULL, 0);
	return msg != NULL && msg[0] != '\0' ? msg : "unknown error";
}

/* Frees the libssh2 side of a connection without waiting on the peer. */
void
gd_ssh_conn_teardown(struct conn *c)
{
	int i;

	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);  /* so nothing below can block on it */
	if (c->ch != NULL) {
		for (i = 0; i < 100 && libssh2_channel_free(c->ch) == LIBSSH2_ERROR_EAGAIN; i++)
			;
		c->ch = NULL;
	}
	gd_ssh_auth_reset(c);
	if (c->s != NULL) {
		for (i = 0; i < 100 && libssh2_session_free(c->s) == LIBSSH2_ERROR_EAGAIN; i++)
			;
		c->s = NULL;
	}
	gd_ssh_tunnel_close(c);
	if (c->is_jump)
		c->gen++;   /* the tunnels on the old session are gone with it */
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	if (c->ai != NULL) {
		freeaddrinfo(c->ai);
		c->ai = c->ai_next = NULL;
	}
	c->peer.len = 0;
}

int
gd_ssh_conn_fail(struct conn *c, enum gd_ssh_status st, const char *fmt, ...)
{
	va_list ap;

	c->res->status = st;
	va_start(ap, fmt);
	vsnprintf(c->res->errmsg, sizeof(c->res->errmsg), fmt, ap);
	va_end(ap);
	gd_ssh_conn_teardown(c);
	c->state = C_DEAD;
	return 1;
}

#define conn_fail gd_ssh_conn_fail

static int
tcp_start(struct conn *c)
{
	int one = 1;

	while (c->ai_next != NULL) {
		struct addrinfo *a = c->ai_next;

		c->ai_next = a->ai_next;
		if (c->fd >= 0)
			close(c->fd);
		c->fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    a->ai_protocol);
		if (c->fd < 0)
			continue;
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(c->fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS)
			return 0;
	}
	return -1;
}

/* Remembers this end's address of the connected socket. */
static void
local_address(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	c->local_addr[0] = '\0';
	if (getsockname(c->fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, c->local_addr, sizeof(c->local_addr));
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, c->local_addr,
		    sizeof(c->local_addr));
}

void
gd_ssh_keep(struct gd_buf *b, size_t *total, size_t max, const char *p, size_t n)
{
	if (b->len < max)
		gd_buf_add(b, p, b->len + n <= max ? n : max - b->len);
	*total += n;
}

/* Reads what is there of stdout and stderr: 1 at EOF, 0 would block, -1 error. */
static int
read_step(struct gd_ssh *m, struct conn *c)
{
	char buf[16384];
	ssize_t n1, n2;

	for (;;) {
		n1 = libssh2_channel_read_ex(c->ch, 0, buf, sizeof(buf));
		if (n1 > 0)
			gd_ssh_keep(&c->res->out, &c->res->out_total, m->o.max_output, buf, (size_t)n1);
		n2 = libssh2_channel_read_ex(c->ch, SSH_EXTENDED_DATA_STDERR, buf, sizeof(buf));
		if (n2 > 0)
			gd_ssh_keep(&c->res->err, &c->res->err_total, m->o.max_output, buf, (size_t)n2);
		if ((n1 < 0 && n1 != LIBSSH2_ERROR_EAGAIN) || (n2 < 0 && n2 != LIBSSH2_ERROR_EAGAIN))
			return -1;
		if (n1 > 0 || n2 > 0)
			continue;
		if (libssh2_channel_eof(c->ch))
			return 1;
		return 0;
	}
}

int
gd_ssh_connecting(const struct conn *c)
{
	return c->state > C_NEW && c->state < C_READY;
}

int
gd_ssh_running(const struct conn *c)
{
	return c->state > C_READY && c->state < C_DEAD;
}

/* Whether c has a deadline or keepalive limit that has passed at now. */
int
gd_ssh_overdue(const struct gd_ssh *m, const struct conn *c, long long now)
{
	if (gd_ssh_connecting(c))
		return now >= c->deadline;
	if (!gd_ssh_running(c))
		return 0;
	if (m->o.cmd_timeout_ms > 0 && now >= c->deadline)
		return 1;
	return c->keepalive_s > 0 &&
	    now - c->last_rx > (long long)c->keepalive_s * c->keepalive_max * 1000;
}

int
gd_ssh_root_fd(const struct conn *c)
{
	while (c->via != NULL)
		c = c->via;
	return c->fd;
}

short
gd_ssh_conn_events(const struct conn *c)
{
	const struct conn *r = c;
	short ev = POLLIN;

	while (r->via != NULL)
		r = r->via;
	if (r->state == C_TCP)
		return POLLOUT;
	for (r = c; r != NULL; r = r->via)
		if (r->s != NULL && (libssh2_session_block_directions(r->s) &
		    LIBSSH2_SESSION_BLOCK_OUTBOUND))
			ev |= POLLOUT;
	return ev;
}

void
gd_ssh_warn_once(struct gd_ssh *m, const char *msg)
{
	if (gd_map_get(&m->warned, msg) != NULL)
		return;
	gd_map_put(&m->warned, msg, 1);
	gd_warnx("warning: %s", msg);
}

/* The known_hosts files of c: --known-hosts, else the inventory's
 * gameday_known_hosts, else ssh_config's UserKnownHostsFile; then its
 * GlobalKnownHostsFile (/etc/ssh/ssh_known_hosts). */
static void
setup_known_hosts(struct gd_ssh *m, struct conn *c, const struct gd_host *h)
{
	const struct gd_ssh_cfg *g = c->cfg;
	size_t i, n = 0;

	c->kh = gd_xcalloc((g ? g->nuser_kh + g->nglobal_kh : 0) + 3, sizeof(*c->kh));
	if (m->o.known_hosts != NULL)
		c->kh[n++] = gd_xstrdup(m->o.known_hosts);
	else if (h != NULL && h->known_hosts != NULL)
		c->kh[n++] = gd_xstrdup(h->known_hosts);
	else if (g != NULL && g->nuser_kh > 0)
		for (i = 0; i < g->nuser_kh; i++)
			c->kh[n++] = g->user_kh[i][0] == '~' && g->user_kh[i][1] == '/' ?
			    gd_ssh_home_path(g->user_kh[i] + 2) : gd_xstrdup(g->user_kh[i]);
	else
		c->kh[n++] = gd_ssh_home_path(".ssh/known_hosts");
	for (i = 0; g != NULL && i < g->nglobal_kh; i++)
		c->kh[n++] = gd_xstrdup(g->global_kh[i]);
	c->nkh = n;
}

/* Everything that follows from c's configuration, once: where, who, which
 * keys and known_hosts, how strict, which timeouts, which jump host. */
int
gd_ssh_conn_setup(struct gd_ssh *m, struct conn *c)
{
	const struct gd_host *h = c->host;
	const struct gd_ssh_cfg *g;
	char err[GD_ERRLEN];
	size_t i;

	if (c->cfg != NULL || c->cfgerr != NULL)
		return c->cfgerr != NULL ? -1 : 0;
	if (gd_ssh_cfg_get(m, (const char *const *)h->ssh_args, h->addr, &c->cfg, err,
	    sizeof(err)) < 0) {
		c->cfgerr = gd_xstrdup(err);
		return -1;
	}
	g = c->cfg;
	for (i = 0; i < g->nwarnings; i++)
		gd_ssh_warn_once(m, g->warnings[i]);
	c->addr = g->hostname != NULL ? g->hostname : h->addr;
	c->port = g->port > 0 ? g->port : h->port;
	c->user = h->user != NULL ? h->user : g->user != NULL ? g->user : m->local_user;
	c->khname = g->hostkeyalias != NULL ? g->hostkeyalias : c->addr;
	setup_known_hosts(m, c, c->is_jump ? NULL : h);
	c->accept = m->o.accept_new || (g->strict != NULL && (strcmp(g->strict, "accept-new") == 0 ||
	    strcmp(g->strict, "false") == 0 || strcmp(g->strict, "no") == 0 ||
	    strcmp(g->strict, "off") == 0));
	if (!m->o.accept_new && g->strict != NULL && strcmp(g->strict, "accept-new") != 0 &&
	    c->accept)
		gd_ssh_warn_once(m, "ssh_config says StrictHostKeyChecking no: gameday records "
		    "unknown host keys as accept-new does and still refuses changed ones");
	c->hash = g->hash_known_hosts;
	c->connect_timeout_ms = !m->o.connect_timeout_set && g->connect_timeout_s > 0 ?
	    g->connect_timeout_s * 1000 : m->o.connect_timeout_ms;
	c->keepalive_s = g->alive_interval_s > 0 ? g->alive_interval_s : m->o.keepalive_s;
	c->keepalive_max = g->alive_interval_s > 0 && g->alive_count > 0 ? g->alive_count :
	    m->o.keepalive_max;
	c->identities_only = g->identities_only || (!c->is_jump && h->key_file != NULL);
	c->no_agent = g->identityagent != NULL && strcmp(g->identityagent, "none") == 0;
	if (g->proxyjump != NULL && gd_ssh_jump_for(m, c, g->proxyjump, err, sizeof(err)) < 0) {
		c->cfgerr = gd_xstrdup(err);
		return -1;
	}
	return 0;
}

static int
step_new(struct gd_ssh *m, struct conn *c, long long now)
{
	const struct gd_host *h = c->host;
	struct addrinfo hints;
	char port[16];
	int rc;

	if (h->refusal != NULL)   /* the inventory says connecting would go wrong */
		return conn_fail(c, GD_SSH_UNREACHABLE, "refused: %s", h->refusal);
	if (gd_ssh_conn_setup(m, c) < 0)
		return conn_fail(c, GD_SSH_UNREACHABLE, "%s", c->cfgerr);
	if (c->cfg->refusal != NULL)
		return conn_fail(c, GD_SSH_UNREACHABLE, "refused: %s", c->cfg->refusal);
	c->deadline = now + c->connect_timeout_ms;
	if (c->via != NULL) {
		c->state = C_VIA;
		return STEP_ON;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = c->cfg->addressfamily == NULL ? AF_UNSPEC :
	    strcmp(c->cfg->addressfamily, "inet") == 0 ? AF_INET :
	    strcmp(c->cfg->addressfamily, "inet6") == 0 ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", c->port);
	rc = getaddrinfo(c->addr, port, &hints, &c->ai);
	if (rc != 0) {
		c->ai = NULL;
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot resolve %s: %s", c->addr,
		    gai_strerror(rc));
	}
	c->ai_next = c->ai;
	if (tcp_start(c) != 0)
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot connect to %s:%d: %s",
		    c->addr, c->port, strerror(errno));
	c->state = C_TCP;
	return STEP_WAIT;
}

/* The server's SSH_MSG_DISCONNECT, kept: its reason is the best message. */
static void
on_disconnect(LIBSSH2_SESSION *s, int reason, const char *msg, int msglen, const char *lang,
    int langlen, void **abstract)
{
	struct conn *c = *abstract;

	(void)s;
	(void)reason;
	(void)lang;
	(void)langlen;
	snprintf(c->disconnect, sizeof(c->disconnect), "%.*s", msglen > 0 ? msglen : 0,
	    msg != NULL ? msg : "");
	if (c->disconnect[0] == '\0')
		snprintf(c->disconnect, sizeof(c->disconnect), "no reason given");
}

/* A fresh session for c (on its socket, or on its tunnel). */
static int
session_start(struct gd_ssh *m, struct conn *c)
{
	c->s = c->via != NULL ? gd_ssh_tunnel_session(c) : libssh2_session_init_ex(NULL, NULL, NULL, c);
	if (c->s == NULL)
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot start an SSH session");
	c->disconnect[0] = '\0';
	libssh2_session_callback_set(c->s, LIBSSH2_CALLBACK_DISCONNECT, (void *)on_disconnect);
	libssh2_session_set_blocking(c->s, 0);
	if (m->hostkey_prefs[0] != '\0')
		(void)libssh2_session_method_pref(c->s, LIBSSH2_METHOD_HOSTKEY, m->hostkey_prefs);
	if (c->keepalive_s > 0)
		libssh2_keepalive_config(c->s, 1, (unsigned)c->keepalive_s);
	c->state = C_HANDSHAKE;
	return STEP_ON;
}

int
gd_ssh_session_start(struct gd_ssh *m, struct conn *c)
{
	return session_start(m, c);
}

static int
step_tcp(struct gd_ssh *m, struct conn *c)
{
	int soerr = 0, big = 4 << 20;
	socklen_t sl = sizeof(soerr);
	struct pollfd p = { .fd = c->fd, .events = POLLOUT };

	if (poll(&p, 1, 0) == 0)
		return STEP_WAIT;
	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	if (soerr != 0) {
		if (c->ai_next != NULL && tcp_start(c) == 0)
			return STEP_WAIT;
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot connect to %s:%d: %s",
		    c->addr, c->port, strerror(soerr));
	}
	local_address(c);
	if (c->is_jump)   /* many sessions ride on it: a packet must rarely wait half sent */
		setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	return session_start(m, c);
}

static int
step_handshake(struct gd_ssh *m, struct conn *c)
{
	int rc = libssh2_session_handshake(c->s, gd_ssh_root_fd(c));

	if (rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (rc != 0)
		return conn_fail(c, GD_SSH_UNREACHABLE, "SSH handshake with %s:%d failed: %s",
		    c->addr, c->port, gd_ssh_last_error(c->s));
	if (gd_ssh_check_hostkey(m, c) != 0)
		return STEP_DONE;
	c->state = C_AUTHLIST;
	return STEP_ON;
}

static int
step_authlist(struct conn *c)
{
	char *list = libssh2_userauth_list(c->s, c->user, (unsigned)strlen(c->user));

	if (list == NULL) {
		if (libssh2_userauth_authenticated(c->s)) {
			c->state = c->via != NULL && !c->is_jump ? C_PEER : C_READY;
			return STEP_ON;
		}
		if (libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot ask %s for auth methods: %s",
		    c->addr, gd_ssh_last_error(c->s));
	}
	if (strstr(list, "publickey") == NULL)
		return conn_fail(c, GD_SSH_UNREACHABLE,
		    "%s@%s takes no public keys (it offers: %s)", c->user, c->addr, list);
	c->state = C_AUTH;
	return STEP_ON;
}

static int
step_auth(struct conn *c)
{
	int rc = gd_ssh_auth_step(c);

	if (rc == 0)
		return STEP_WAIT;
	if (rc < 0)
		return conn_fail(c, GD_SSH_UNREACHABLE, "authentication failed for %s@%s: %s",
		    c->user, c->addr, c->autherr.len ? c->autherr.data : "no key to offer");
	gd_ssh_auth_reset(c);
	c->state = c->via != NULL && !c->is_jump ? C_PEER : C_READY;
	return STEP_ON;
}

static int
step_ready(struct gd_ssh *m, struct conn *c, long long now)
{
	if (c->cmd == NULL)
		return STEP_DONE;
	memcpy(c->res->local_addr, c->local_addr, sizeof(c->local_addr));
	c->deadline = now + m->o.cmd_timeout_ms;
	c->state = C_OPEN;
	return STEP_ON;
}

static int
step_open(struct conn *c)
{
	c->ch = libssh2_channel_open_session(c->s);
	if (c->ch == NULL) {
		if (libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot open a channel to %s: %s",
		    c->addr, gd_ssh_last_error(c->s));
	}
	c->state = C_EXEC;
	return STEP_ON;
}

static int
step_exec(struct conn *c)
{
	int rc = libssh2_channel_exec(c->ch, c->cmd);

	if (rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (rc != 0)
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot run the command on %s: %s",
		    c->addr, gd_ssh_last_error(c->s));
	c->state = C_READ;
	return STEP_ON;
}

static int
step_read(struct gd_ssh *m, struct conn *c)
{
	int rc = read_step(m, c);

	if (rc == 0)
		return STEP_WAIT;
	if (rc < 0)
		return conn_fail(c, GD_SSH_UNREACHABLE, "lost %s while reading output: %s",
		    c->addr, gd_ssh_last_error(c->s));
	c->state = C_CLOSE;
	return STEP_ON;
}

static int
step_close(struct conn *c)
{
	char *sig = NULL;
	size_t siglen = 0;
	int rc;

	rc = libssh2_channel_close(c->ch);
	if (rc == 0)
		rc = libssh2_channel_wait_closed(c->ch);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (rc != 0)
		return conn_fail(c, GD_SSH_UNREACHABLE, "lost %s while closing: %s",
		    c->addr, gd_ssh_last_error(c->s));
	c->res->status = GD_SSH_OK;
	c->res->exit_code = libssh2_channel_get_exit_status(c->ch);
	libssh2_channel_get_exit_signal(c->ch, &sig, &siglen, NULL, NULL, NULL, NULL);
	if (sig != NULL && siglen > 0) {
		snprintf(c->res->exit_signal, sizeof(c->res->exit_signal), "%.*s",
		    (int)siglen, sig);
		c->res->exit_code = -1;
	}
	if (sig != NULL)
		libssh2_free(c->s, sig);
	c->state = C_FREE;
	return STEP_ON;
}

static int
step_free(struct conn *c)
{
	if (libssh2_channel_free(c->ch) == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	c->ch = NULL;
	c->state = C_READY;
	free(c->cmd);
	c->cmd = NULL;
	return STEP_DONE;
}

static int
step_one(struct gd_ssh *m, struct conn *c, long long now)
{
	switch (c->state) {
	case C_DEAD:
		gd_ssh_conn_teardown(c);
		c->state = C_NEW;
		return STEP_ON;
	case C_NEW: return step_new(m, c, now);
	case C_TCP: return step_tcp(m, c);
	case C_VIA: return gd_ssh_step_via(m, c, now);
	case C_TUNNEL: return gd_ssh_step_tunnel(m, c);
	case C_HANDSHAKE: return step_handshake(m, c);
	case C_AUTHLIST: return step_authlist(c);
	case C_AUTH: return step_auth(c);
	case C_PEER: return gd_ssh_step_peer(c);
	case C_READY: return step_ready(m, c, now);
	case C_OPEN: return step_open(c);
	case C_EXEC: return step_exec(c);
	case C_READ: return step_read(m, c);
	case C_CLOSE: return step_close(c);
	case C_FREE: return step_free(c);
	}
	return conn_fail(c, GD_SSH_UNREACHABLE, "internal error: connection in state %d",
	    (int)c->state);
}

int
gd_ssh_conn_step(struct gd_ssh *m, struct conn *c)
{
	long long now = gd_now_ms();
	int rc;

	if (gd_ssh_connecting(c) && now >= c->deadline)
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot connect to %s:%d: timed out after "
		    "%.1f s%s%s", c->addr, c->port, c->connect_timeout_ms / 1000.0,
		    c->via ? " through jump host " : "", c->via ? c->via->jumpname : "");
	if (gd_ssh_running(c) && m->o.cmd_timeout_ms > 0 && now >= c->deadline)
		return conn_fail(c, GD_SSH_TIMEOUT,
		    "command timed out after %.1f s; its connection was closed",
		    m->o.cmd_timeout_ms / 1000.0);
	if (gd_ssh_overdue(m, c, now))
		return conn_fail(c, GD_SSH_UNREACHABLE, "no answer from %s for %d s (keepalive)",
		    c->addr, c->keepalive_s * c->keepalive_max);
	while ((rc = step_one(m, c, now)) == STEP_ON)
		;
	return rc;
}
