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
	if (c->agent != NULL) {
		libssh2_agent_disconnect(c->agent);
		libssh2_agent_free(c->agent);
		c->agent = NULL;
	}
	if (c->s != NULL) {
		for (i = 0; i < 100 && libssh2_session_free(c->s) == LIBSSH2_ERROR_EAGAIN; i++)
			;
		c->s = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	if (c->ai != NULL) {
		freeaddrinfo(c->ai);
		c->ai = c->ai_next = NULL;
	}
	c->ident = NULL;
	c->agent_tried = c->agent_refused = 0;
	c->keyidx = 0;
	gd_buf_free(&c->autherr);
}

/* Ends the job with status st and a message; the connection is torn down. */
static int
conn_fail(struct conn *c, enum gd_ssh_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
conn_fail(struct conn *c, enum gd_ssh_status st, const char *fmt, ...)
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

/* Key files to offer after the agent: the inventory's, else OpenSSH's defaults. */
static void
conn_keyfiles(struct conn *c)
{
	static const char *defaults[] = { ".ssh/id_ed25519", ".ssh/id_ecdsa", ".ssh/id_rsa" };
	size_t i;

	if (c->keyfiles != NULL)
		return;
	if (c->host->key_file != NULL) {
		c->keyfiles = gd_xcalloc(1, sizeof(char *));
		c->keyfiles[c->nkeyfiles++] = gd_xstrdup(c->host->key_file);
		return;
	}
	c->keyfiles = gd_xcalloc(3, sizeof(char *));
	for (i = 0; i < 3; i++) {
		char *p = gd_ssh_home_path(defaults[i]);

		if (access(p, R_OK) == 0)
			c->keyfiles[c->nkeyfiles++] = p;
		else
			free(p);
	}
}

static int
check_hostkey(struct gd_ssh *m, struct conn *c)
{
	const char *key;
	size_t keylen;
	int type, rc;
	char fp[64], err[GD_ERRLEN];
	const struct gd_host *h = c->host;

	key = libssh2_session_hostkey(c->s, &keylen, &type);
	if (key == NULL)
		return conn_fail(c, GD_SSH_UNREACHABLE, "no host key from %s", h->addr);
	gd_hostkey_fingerprint(key, keylen, fp);
	rc = gd_knownhosts_check_s(c->s, c->known_hosts, h->addr, h->port, key, keylen,
	    type, err, sizeof(err));
	if (rc < 0)
		return conn_fail(c, GD_SSH_UNREACHABLE, "%s", err);
	if (rc == GD_HOSTKEY_CHANGED)
		return conn_fail(c, GD_SSH_UNREACHABLE,
		    "host key for %s:%d has CHANGED: the server offers %s %s, which does not "
		    "match %s; this may be a man-in-the-middle attack; if the change is expected, "
		    "remove the old key with ssh-keygen -R and connect again",
		    h->addr, h->port, gd_hostkey_type_name(type), fp, c->known_hosts);
	if (rc == GD_HOSTKEY_UNKNOWN) {
		if (!m->o.accept_new)
			return conn_fail(c, GD_SSH_UNREACHABLE,
			    "unknown host key for %s:%d: %s %s is not in %s; check the "
			    "fingerprint, then use --accept-new to record it",
			    h->addr, h->port, gd_hostkey_type_name(type), fp, c->known_hosts);
		if (gd_knownhosts_add_s(c->s, c->known_hosts, h->addr, h->port, key, keylen,
		    type, err, sizeof(err)) != 0)
			return conn_fail(c, GD_SSH_UNREACHABLE, "%s", err);
		gd_warnx("%s: recorded new host key %s %s in %s", h->name,
		    gd_hostkey_type_name(type), fp, c->known_hosts);
	}
	return 0;
}

/* One step of auth: returns 1 authenticated, 0 would block, -1 out of identities. */
static int
auth_step(struct conn *c)
{
	const char *sock = getenv("SSH_AUTH_SOCK");
	int rc;

	if (!c->agent_tried && sock != NULL && sock[0] != '\0') {
		if (c->agent == NULL) {
			c->agent = libssh2_agent_init(c->s);
			if (c->agent == NULL || libssh2_agent_connect(c->agent) != 0 ||
			    libssh2_agent_list_identities(c->agent) != 0) {
				gd_buf_printf(&c->autherr, "%sssh-agent unusable (%s)",
				    c->autherr.len ? "; " : "", gd_ssh_last_error(c->s));
				c->agent_tried = 1;
				goto keyfiles;
			}
			if (libssh2_agent_get_identity(c->agent, &c->ident, NULL) != 0)
				c->ident = NULL;
		}
		while (c->ident != NULL) {
			rc = libssh2_agent_userauth(c->agent, c->user, c->ident);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			if (rc == 0)
				return 1;
			c->agent_refused++;
			if (libssh2_agent_get_identity(c->agent, &c->ident, c->ident) != 0)
				c->ident = NULL;
		}
		if (c->agent_refused > 0)
			gd_buf_printf(&c->autherr, "%s%d ssh-agent key(s) refused",
			    c->autherr.len ? "; " : "", c->agent_refused);
		c->agent_tried = 1;
	}
keyfiles:
	conn_keyfiles(c);
	while (c->keyidx < c->nkeyfiles) {
		const char *kf = c->keyfiles[c->keyidx];

		rc = libssh2_userauth_publickey_fromfile_ex(c->s, c->user,
		    (unsigned int)strlen(c->user), NULL, kf, NULL);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc == 0)
			return 1;
		if (rc == LIBSSH2_ERROR_FILE || access(kf, R_OK) != 0)
			gd_buf_printf(&c->autherr, "%skey %s unreadable (%s)",
			    c->autherr.len ? "; " : "", kf,
			    access(kf, R_OK) != 0 ? strerror(errno) : gd_ssh_last_error(c->s));
		else
			gd_buf_printf(&c->autherr, "%skey %s refused", c->autherr.len ? "; " : "", kf);
		c->keyidx++;
	}
	return -1;
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
	return m->o.keepalive_s > 0 &&
	    now - c->last_rx > (long long)m->o.keepalive_s * m->o.keepalive_max * 1000;
}

/* The steps of the state machine return STEP_WAIT (blocked on the socket),
 * STEP_DONE (the job is over: c->res is filled) or STEP_ON (the state moved:
 * go on at once). */
enum { STEP_WAIT = 0, STEP_DONE = 1, STEP_ON = 2 };

static int
step_new(struct gd_ssh *m, struct conn *c, long long now)
{
	const struct gd_host *h = c->host;
	struct addrinfo hints;
	char port[16];
	int rc;

	if (h->refusal != NULL)   /* the inventory says connecting would go wrong */
		return conn_fail(c, GD_SSH_UNREACHABLE, "refused: %s", h->refusal);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", h->port);
	rc = getaddrinfo(h->addr, port, &hints, &c->ai);
	if (rc != 0) {
		c->ai = NULL;
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot resolve %s: %s",
		    h->addr, gai_strerror(rc));
	}
	c->ai_next = c->ai;
	c->deadline = now + m->o.connect_timeout_ms;
	if (tcp_start(c) != 0)
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot connect to %s:%d: %s",
		    h->addr, h->port, strerror(errno));
	c->state = C_TCP;
	return STEP_WAIT;
}

static int
step_tcp(struct gd_ssh *m, struct conn *c)
{
	const struct gd_host *h = c->host;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	struct pollfd p = { .fd = c->fd, .events = POLLOUT };

	if (poll(&p, 1, 0) == 0)
		return STEP_WAIT;
	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	if (soerr != 0) {
		if (c->ai_next != NULL && tcp_start(c) == 0)
			return STEP_WAIT;
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot connect to %s:%d: %s",
		    h->addr, h->port, strerror(soerr));
	}
	local_address(c);
	c->s = libssh2_session_init_ex(NULL, NULL, NULL, c);
	if (c->s == NULL)
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot start an SSH session");
	libssh2_session_set_blocking(c->s, 0);
	if (m->hostkey_prefs[0] != '\0')
		(void)libssh2_session_method_pref(c->s, LIBSSH2_METHOD_HOSTKEY, m->hostkey_prefs);
	if (m->o.keepalive_s > 0)
		libssh2_keepalive_config(c->s, 1, (unsigned)m->o.keepalive_s);
	c->state = C_HANDSHAKE;
	return STEP_ON;
}

static int
step_handshake(struct gd_ssh *m, struct conn *c)
{
	int rc = libssh2_session_handshake(c->s, c->fd);

	if (rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (rc != 0)
		return conn_fail(c, GD_SSH_UNREACHABLE, "SSH handshake with %s:%d failed: %s",
		    c->host->addr, c->host->port, gd_ssh_last_error(c->s));
	if (check_hostkey(m, c) != 0)
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
			c->state = C_READY;
			return STEP_ON;
		}
		if (libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot ask %s for auth methods: %s",
		    c->host->addr, gd_ssh_last_error(c->s));
	}
	if (strstr(list, "publickey") == NULL)
		return conn_fail(c, GD_SSH_UNREACHABLE,
		    "%s@%s takes no public keys (it offers: %s)", c->user, c->host->addr, list);
	c->state = C_AUTH;
	return STEP_ON;
}

static int
step_auth(struct conn *c)
{
	int rc = auth_step(c);

	if (rc == 0)
		return STEP_WAIT;
	if (rc < 0)
		return conn_fail(c, GD_SSH_UNREACHABLE, "authentication failed for %s@%s: %s",
		    c->user, c->host->addr, c->autherr.len ? c->autherr.data : "no key to offer");
	if (c->agent != NULL) {
		libssh2_agent_disconnect(c->agent);
		libssh2_agent_free(c->agent);
		c->agent = NULL;
	}
	c->state = C_READY;
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
		    c->host->addr, gd_ssh_last_error(c->s));
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
		    c->host->addr, gd_ssh_last_error(c->s));
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
		    c->host->addr, gd_ssh_last_error(c->s));
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
		    c->host->addr, gd_ssh_last_error(c->s));
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
	case C_HANDSHAKE: return step_handshake(m, c);
	case C_AUTHLIST: return step_authlist(c);
	case C_AUTH: return step_auth(c);
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
	const struct gd_host *h = c->host;
	long long now = gd_now_ms();
	int rc;

	if (gd_ssh_connecting(c) && now >= c->deadline)
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot connect to %s:%d: timed out after %.1f s",
		    h->addr, h->port, m->o.connect_timeout_ms / 1000.0);
	if (gd_ssh_running(c) && m->o.cmd_timeout_ms > 0 && now >= c->deadline)
		return conn_fail(c, GD_SSH_TIMEOUT,
		    "command timed out after %.1f s; its connection was closed",
		    m->o.cmd_timeout_ms / 1000.0);
	if (gd_ssh_overdue(m, c, now))
		return conn_fail(c, GD_SSH_UNREACHABLE, "no answer from %s for %d s (keepalive)",
		    h->addr, m->o.keepalive_s * m->o.keepalive_max);
	while ((rc = step_one(m, c, now)) == STEP_ON)
		;
	return rc;
}
