/* ssh.c: libssh2 sessions to many hosts, multiplexed by one poll() loop.
 *
 * Each connection is a small state machine (connect, handshake, host key,
 * auth, then channel open, exec, read, close). gd_ssh_exec() starts up to
 * opts.forks of them and steps each one whenever its socket is ready in the
 * direction libssh2 says it is blocked on, or its deadline has passed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh2.h>
#include <openssl/evp.h>

#include "quote.h"
#include "ssh.h"

enum cstate {
	C_NEW,       /* not connected */
	C_TCP,       /* non-blocking connect under way */
	C_HANDSHAKE, /* SSH handshake, then host key check */
	C_AUTHLIST,  /* asking which auth methods the server takes */
	C_AUTH,      /* offering identities: agent keys, then key files */
	C_READY,     /* connected and idle */
	C_OPEN,      /* opening a session channel */
	C_EXEC,      /* sending the command */
	C_READ,      /* reading stdout and stderr until EOF */
	C_CLOSE,     /* closing the channel, collecting the exit status */
	C_FREE,      /* freeing the channel */
	C_DEAD,      /* failed; torn down, reconnects on next use */
};

struct conn {
	const struct gd_host *host;
	enum cstate state;
	int fd;
	LIBSSH2_SESSION *s;
	LIBSSH2_CHANNEL *ch;
	struct addrinfo *ai, *ai_next;
	const char *user;
	char *known_hosts;
	char local_addr[64];
	/* auth */
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *ident;
	int agent_tried, agent_refused;
	char **keyfiles;
	size_t nkeyfiles, keyidx;
	struct gd_buf autherr;
	/* the job */
	char *cmd;                /* owned: after the become wrapper */
	struct gd_ssh_result *res;
	long long started, deadline, last_rx;
};

struct gd_ssh {
	struct gd_ssh_opts o;
	struct conn *c;
	size_t n, cap;
	char *local_user;
	char *hostkey_prefs;
};

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
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = 10000;
	o->cmd_timeout_ms = 60000;
	o->keepalive_s = 15;
	o->keepalive_max = 3;
	o->max_output = 1 << 20;
	o->forks = 50;
}

void
gd_ssh_result_free(struct gd_ssh_result *r)
{
	gd_buf_free(&r->out);
	gd_buf_free(&r->err);
}

/* --- host keys --- */

const char *
gd_hostkey_type_name(int keytype)
{
	switch (keytype) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: return "ssh-rsa";
	case LIBSSH2_HOSTKEY_TYPE_DSS: return "ssh-dss";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return "ecdsa-sha2-nistp256";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return "ecdsa-sha2-nistp384";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return "ecdsa-sha2-nistp521";
	case LIBSSH2_HOSTKEY_TYPE_ED25519: return "ssh-ed25519";
	default: return "unknown";
	}
}

static int
knownhost_keytype(int keytype)
{
	switch (keytype) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
	default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
	}
}

void
gd_hostkey_fingerprint(const char *key, size_t keylen, char out[64])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char b64[64];
	int n;

	EVP_Digest(key, keylen, md, &mdlen, EVP_sha256(), NULL);
	n = EVP_EncodeBlock((unsigned char *)b64, md, (int)mdlen);
	while (n > 0 && b64[n - 1] == '=')  /* OpenSSH prints it unpadded */
		b64[--n] = '\0';
	snprintf(out, 64, "SHA256:%.56s", b64);
}

/* Reads file line by line into a fresh known-hosts set of session s, so that
 * one line libssh2 cannot parse (a certificate authority, a security key
 * type) does not hide the lines after it. A missing file reads as empty. */
static LIBSSH2_KNOWNHOSTS *
knownhosts_read(LIBSSH2_SESSION *s, const char *file, char *err, size_t errlen)
{
	LIBSSH2_KNOWNHOSTS *kh;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	kh = libssh2_knownhost_init(s);
	if (kh == NULL) {
		gd_errf(err, errlen, "cannot set up host key checking");
		return NULL;
	}
	f = fopen(file, "r");
	if (f == NULL) {
		if (errno == ENOENT)
			return kh;
		gd_errf(err, errlen, "cannot read %s: %s", file, strerror(errno));
		libssh2_knownhost_free(kh);
		return NULL;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		(void)libssh2_knownhost_readline(kh, line, (size_t)len,
		    LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	}
	free(line);
	if (ferror(f)) {
		gd_errf(err, errlen, "cannot read %s: %s", file, strerror(errno));
		fclose(f);
		libssh2_knownhost_free(kh);
		return NULL;
	}
	fclose(f);
	return kh;
}

/* Needs a session only because libssh2's known-hosts API hangs off one. */
static LIBSSH2_SESSION *
scratch_session(void)
{
	return libssh2_session_init();
}

static int
knownhosts_check_with(LIBSSH2_SESSION *s, const char *file, const char *host, int port,
    const char *key, size_t keylen, int keytype, char *err, size_t errlen)
{
	LIBSSH2_KNOWNHOSTS *kh;
	struct libssh2_knownhost *found = NULL;
	int rc, ret;

	kh = knownhosts_read(s, file, err, errlen);
	if (kh == NULL)
		return -1;
	rc = libssh2_knownhost_checkp(kh, host, port, key, keylen,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
	    knownhost_keytype(keytype), &found);
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH: ret = GD_HOSTKEY_MATCH; break;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: ret = GD_HOSTKEY_CHANGED; break;
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND: ret = GD_HOSTKEY_UNKNOWN; break;
	default: ret = gd_errf(err, errlen, "cannot check host key in %s", file); break;
	}
	libssh2_knownhost_free(kh);
	return ret;
}

int
gd_knownhosts_check(const char *file, const char *host, int port,
    const char *key, size_t keylen, int keytype, char *err, size_t errlen)
{
	LIBSSH2_SESSION *s = scratch_session();
	int rc;

	if (s == NULL)
		return gd_errf(err, errlen, "cannot set up host key checking");
	rc = knownhosts_check_with(s, file, host, port, key, keylen, keytype, err, errlen);
	libssh2_session_free(s);
	return rc;
}

static int
knownhosts_add_with(LIBSSH2_SESSION *s, const char *file, const char *host, int port,
    const char *key, size_t keylen, int keytype, char *err, size_t errlen)
{
	LIBSSH2_KNOWNHOSTS *kh;
	struct libssh2_knownhost *entry = NULL;
	char name[300], line[8192];
	size_t linelen = 0;
	int fd = -1, ret = -1;

	kh = libssh2_knownhost_init(s);
	if (kh == NULL)
		return gd_errf(err, errlen, "cannot set up host key checking");
	if (port == 22)
		snprintf(name, sizeof(name), "%s", host);
	else
		snprintf(name, sizeof(name), "[%s]:%d", host, port);
	if (libssh2_knownhost_addc(kh, name, NULL, key, keylen, NULL, 0,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
	    knownhost_keytype(keytype), &entry) != 0 ||
	    libssh2_knownhost_writeline(kh, entry, line, sizeof(line), &linelen,
	    LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0) {
		gd_errf(err, errlen, "cannot record the host key of %s", name);
		goto out;
	}
	/* One O_APPEND write of the whole line: hosts recorded at once do not interleave. */
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, linelen) != (ssize_t)linelen || fsync(fd) != 0) {
		gd_errf(err, errlen, "cannot write %s: %s", file, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0 && close(fd) != 0 && ret == 0)
		ret = gd_errf(err, errlen, "cannot write %s: %s", file, strerror(errno));
	libssh2_knownhost_free(kh);
	return ret;
}

int
gd_knownhosts_add(const char *file, const char *host, int port,
    const char *key, size_t keylen, int keytype, char *err, size_t errlen)
{
	LIBSSH2_SESSION *s = scratch_session();
	int rc;

	if (s == NULL)
		return gd_errf(err, errlen, "cannot set up host key checking");
	rc = knownhosts_add_with(s, file, host, port, key, keylen, keytype, err, errlen);
	libssh2_session_free(s);
	return rc;
}

/* --- connections --- */

static char *
home_path(const char *rel)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home == NULL || home[0] == '\0') {
		pw = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : "/";
	}
	return gd_xasprintf("%s/%s", home, rel);
}

static const char *
last_error(LIBSSH2_SESSION *s)
{
	char *msg = NULL;

	if (s == NULL)
		return "no session";
	libssh2_session_last_error(s, &msg, NULL, 0);
	return msg != NULL && msg[0] != '\0' ? msg : "unknown error";
}

/* Frees the libssh2 side of a connection without waiting on the peer. */
static void
conn_teardown(struct conn *c)
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
	conn_teardown(c);
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
		char *p = home_path(defaults[i]);

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
	rc = knownhosts_check_with(c->s, c->known_hosts, h->addr, h->port, key, keylen,
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
		if (knownhosts_add_with(c->s, c->known_hosts, h->addr, h->port, key, keylen,
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
				    c->autherr.len ? "; " : "", last_error(c->s));
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
			    access(kf, R_OK) != 0 ? strerror(errno) : last_error(c->s));
		else
			gd_buf_printf(&c->autherr, "%skey %s refused", c->autherr.len ? "; " : "", kf);
		c->keyidx++;
	}
	return -1;
}

static void
keep(struct gd_buf *b, size_t *total, size_t max, const char *p, size_t n)
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
			keep(&c->res->out, &c->res->out_total, m->o.max_output, buf, (size_t)n1);
		n2 = libssh2_channel_read_ex(c->ch, SSH_EXTENDED_DATA_STDERR, buf, sizeof(buf));
		if (n2 > 0)
			keep(&c->res->err, &c->res->err_total, m->o.max_output, buf, (size_t)n2);
		if ((n1 < 0 && n1 != LIBSSH2_ERROR_EAGAIN) || (n2 < 0 && n2 != LIBSSH2_ERROR_EAGAIN))
			return -1;
		if (n1 > 0 || n2 > 0)
			continue;
		if (libssh2_channel_eof(c->ch))
			return 1;
		return 0;
	}
}

static int
connecting(const struct conn *c)
{
	return c->state > C_NEW && c->state < C_READY;
}

static int
running(const struct conn *c)
{
	return c->state > C_READY && c->state < C_DEAD;
}

/* Whether c has a deadline or keepalive limit that has passed at now. */
static int
overdue(const struct gd_ssh *m, const struct conn *c, long long now)
{
	if (connecting(c))
		return now >= c->deadline;
	if (!running(c))
		return 0;
	if (m->o.cmd_timeout_ms > 0 && now >= c->deadline)
		return 1;
	return m->o.keepalive_s > 0 &&
	    now - c->last_rx > (long long)m->o.keepalive_s * m->o.keepalive_max * 1000;
}

/* Advances c as far as it goes without blocking. Returns 1 when its job is
 * over (c->res filled), 0 when it waits on its socket or deadline. */
static int
conn_step(struct gd_ssh *m, struct conn *c)
{
	const struct gd_host *h = c->host;
	long long now = gd_now_ms();
	int rc;

	if (connecting(c) && now >= c->deadline)
		return conn_fail(c, GD_SSH_UNREACHABLE, "cannot connect to %s:%d: timed out after %.1f s",
		    h->addr, h->port, m->o.connect_timeout_ms / 1000.0);
	if (running(c) && m->o.cmd_timeout_ms > 0 && now >= c->deadline)
		return conn_fail(c, GD_SSH_TIMEOUT,
		    "command timed out after %.1f s; its connection was closed",
		    m->o.cmd_timeout_ms / 1000.0);
	if (overdue(m, c, now))
		return conn_fail(c, GD_SSH_UNREACHABLE, "no answer from %s for %d s (keepalive)",
		    h->addr, m->o.keepalive_s * m->o.keepalive_max);

	for (;;) {
		switch (c->state) {
		case C_DEAD:
			conn_teardown(c);
			c->state = C_NEW;
			/* FALLTHROUGH */
		case C_NEW: {
			struct addrinfo hints;
			char port[16];

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
			return 0;
		}
		case C_TCP: {
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			struct pollfd p = { .fd = c->fd, .events = POLLOUT };

			if (poll(&p, 1, 0) == 0)
				return 0;
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			if (soerr != 0) {
				if (c->ai_next != NULL && tcp_start(c) == 0)
					return 0;
				return conn_fail(c, GD_SSH_UNREACHABLE, "cannot connect to %s:%d: %s",
				    h->addr, h->port, strerror(soerr));
			}
			local_address(c);
			c->s = libssh2_session_init_ex(NULL, NULL, NULL, c);
			if (c->s == NULL)
				return conn_fail(c, GD_SSH_UNREACHABLE, "cannot start an SSH session");
			libssh2_session_set_blocking(c->s, 0);
			if (m->hostkey_prefs[0] != '\0')
				(void)libssh2_session_method_pref(c->s, LIBSSH2_METHOD_HOSTKEY,
				    m->hostkey_prefs);
			if (m->o.keepalive_s > 0)
				libssh2_keepalive_config(c->s, 1, (unsigned)m->o.keepalive_s);
			c->state = C_HANDSHAKE;
			continue;
		}
		case C_HANDSHAKE:
			rc = libssh2_session_handshake(c->s, c->fd);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			if (rc != 0)
				return conn_fail(c, GD_SSH_UNREACHABLE, "SSH handshake with %s:%d failed: %s",
				    h->addr, h->port, last_error(c->s));
			if (check_hostkey(m, c) != 0)
				return 1;
			c->state = C_AUTHLIST;
			continue;
		case C_AUTHLIST: {
			char *list = libssh2_userauth_list(c->s, c->user, (unsigned)strlen(c->user));

			if (list == NULL) {
				if (libssh2_userauth_authenticated(c->s)) {
					c->state = C_READY;
					continue;
				}
				if (libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_EAGAIN)
					return 0;
				return conn_fail(c, GD_SSH_UNREACHABLE, "cannot ask %s for auth methods: %s",
				    h->addr, last_error(c->s));
			}
			if (strstr(list, "publickey") == NULL)
				return conn_fail(c, GD_SSH_UNREACHABLE,
				    "%s@%s takes no public keys (it offers: %s)", c->user, h->addr, list);
			c->state = C_AUTH;
			continue;
		}
		case C_AUTH:
			rc = auth_step(c);
			if (rc == 0)
				return 0;
			if (rc < 0)
				return conn_fail(c, GD_SSH_UNREACHABLE, "authentication failed for %s@%s: %s",
				    c->user, h->addr, c->autherr.len ? c->autherr.data : "no key to offer");
			if (c->agent != NULL) {
				libssh2_agent_disconnect(c->agent);
				libssh2_agent_free(c->agent);
				c->agent = NULL;
			}
			c->state = C_READY;
			continue;
		case C_READY:
			if (c->cmd == NULL)
				return 1;
			memcpy(c->res->local_addr, c->local_addr, sizeof(c->local_addr));
			c->deadline = now + m->o.cmd_timeout_ms;
			c->state = C_OPEN;
			continue;
		case C_OPEN:
			c->ch = libssh2_channel_open_session(c->s);
			if (c->ch == NULL) {
				if (libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_EAGAIN)
					return 0;
				return conn_fail(c, GD_SSH_UNREACHABLE, "cannot open a channel to %s: %s",
				    h->addr, last_error(c->s));
			}
			c->state = C_EXEC;
			continue;
		case C_EXEC:
			rc = libssh2_channel_exec(c->ch, c->cmd);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			if (rc != 0)
				return conn_fail(c, GD_SSH_UNREACHABLE, "cannot run the command on %s: %s",
				    h->addr, last_error(c->s));
			c->state = C_READ;
			continue;
		case C_READ:
			rc = read_step(m, c);
			if (rc == 0)
				return 0;
			if (rc < 0)
				return conn_fail(c, GD_SSH_UNREACHABLE, "lost %s while reading output: %s",
				    h->addr, last_error(c->s));
			c->state = C_CLOSE;
			continue;
		case C_CLOSE: {
			char *sig = NULL;
			size_t siglen = 0;

			rc = libssh2_channel_close(c->ch);
			if (rc == 0)
				rc = libssh2_channel_wait_closed(c->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			if (rc != 0)
				return conn_fail(c, GD_SSH_UNREACHABLE, "lost %s while closing: %s",
				    h->addr, last_error(c->s));
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
			continue;
		}
		case C_FREE:
			if (libssh2_channel_free(c->ch) == LIBSSH2_ERROR_EAGAIN)
				return 0;
			c->ch = NULL;
			c->state = C_READY;
			free(c->cmd);
			c->cmd = NULL;
			return 1;
		}
	}
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
	return m;
}

size_t
gd_ssh_add(struct gd_ssh *m, const struct gd_host *h)
{
	struct conn *c;

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->c = gd_xrealloc(m->c, m->cap * sizeof(*m->c));
	}
	c = &m->c[m->n];
	memset(c, 0, sizeof(*c));
	c->host = h;
	c->fd = -1;
	c->state = C_NEW;
	c->user = h->user != NULL ? h->user : m->local_user;
	if (m->o.known_hosts != NULL)
		c->known_hosts = gd_xstrdup(m->o.known_hosts);
	else if (h->known_hosts != NULL)
		c->known_hosts = gd_xstrdup(h->known_hosts);
	else
		c->known_hosts = home_path(".ssh/known_hosts");
	return m->n++;
}

static short
conn_events(const struct conn *c)
{
	int dirs;
	short ev = POLLIN;

	if (c->state == C_TCP)
		return POLLOUT;
	dirs = libssh2_session_block_directions(c->s);
	if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		ev |= POLLOUT;
	return ev;
}

int
gd_ssh_exec(struct gd_ssh *m, const char *const *cmds, size_t n, struct gd_ssh_result *res)
{
	size_t *active, nactive = 0, next = 0, done = 0, total = 0, i, j;
	struct pollfd *pfd;
	int all_ok = 1;

	active = gd_xcalloc(m->n, sizeof(*active));
	pfd = gd_xcalloc(m->n, sizeof(*pfd));
	for (i = 0; i < n && i < m->n; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		if (cmds[i] != NULL)
			total++;
	}

	while (done < total) {
		long long now, wake;
		int timeout;

		/* start hosts while there is room */
		while (nactive < (size_t)m->o.forks && next < n && next < m->n) {
			struct conn *c = &m->c[next];

			if (cmds[next] == NULL) {
				next++;
				continue;
			}
			c->res = &res[next];
			c->cmd = gd_become_command(c->host->become, c->user, cmds[next]);
			c->started = c->last_rx = gd_now_ms();
			if (conn_step(m, c)) {
				res[next].ms = gd_now_ms() - c->started;
				done++;
				if (m->o.progress != NULL)
					m->o.progress(m->o.progress_arg, done, total);
			} else {
				active[nactive++] = next;
			}
			next++;
		}
		if (nactive == 0)
			continue;

		/* wait for a socket or the nearest deadline */
		now = gd_now_ms();
		wake = now + 1000;
		for (j = 0; j < nactive; j++) {
			struct conn *c = &m->c[active[j]];

			pfd[j].fd = c->fd;
			pfd[j].events = conn_events(c);
			pfd[j].revents = 0;
			if ((connecting(c) || (running(c) && m->o.cmd_timeout_ms > 0)) &&
			    c->deadline < wake)
				wake = c->deadline;
		}
		timeout = wake > now ? (int)(wake - now) : 0;
		if (poll(pfd, nactive, timeout) < 0 && errno != EINTR) {
			gd_warnx("poll: %s", strerror(errno));
			break;
		}

		now = gd_now_ms();
		for (j = 0; j < nactive; j++) {
			struct conn *c = &m->c[active[j]];

			if (pfd[j].revents & POLLIN)
				c->last_rx = now;
			if (running(c) && m->o.keepalive_s > 0) {
				int next_ka;

				(void)libssh2_keepalive_send(c->s, &next_ka);
			}
			if (pfd[j].revents == 0 && !overdue(m, c, now))
				continue;
			if (!conn_step(m, c))
				continue;
			res[active[j]].ms = now - c->started;
			done++;
			if (m->o.progress != NULL)
				m->o.progress(m->o.progress_arg, done, total);
			active[j] = SIZE_MAX;  /* finished: compact below */
		}
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
		free(m->c[i].cmd);
		m->c[i].cmd = NULL;
		m->c[i].res = NULL;
	}
	free(active);
	free(pfd);
	return all_ok ? 0 : 1;
}

/* --- streaming between two hosts --- */

struct pump {
	struct gd_ssh *m;
	struct conn *src, *dst;
	LIBSSH2_CHANNEL *sch, *dch;
	struct gd_ssh_stream_result *res;
	int broken;  /* a session failed: its connection must be torn down */
};

void
gd_ssh_stream_result_free(struct gd_ssh_stream_result *r)
{
	gd_buf_free(&r->src_err);
	gd_buf_free(&r->dst_err);
	gd_buf_free(&r->dst_out);
}

/* Reads what ch has now without waiting: stdout into out (when not NULL,
 * else it is left for the pump), stderr into eb. Returns -1 on a session error. */
static int
drain(struct gd_ssh *m, struct conn *c, LIBSSH2_CHANNEL *ch, struct gd_buf *out, struct gd_buf *eb)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;
	int ret = 0;

	libssh2_session_set_blocking(c->s, 0);
	for (;;) {
		int got = 0;

		if (out != NULL) {
			n = libssh2_channel_read_ex(ch, 0, buf, sizeof(buf));
			if (n > 0) {
				keep(out, &total, m->o.max_output, buf, (size_t)n);
				got = 1;
			} else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
				ret = -1;
				break;
			}
		}
		n = libssh2_channel_read_ex(ch, SSH_EXTENDED_DATA_STDERR, buf, sizeof(buf));
		if (n > 0) {
			keep(eb, &total, m->o.max_output, buf, (size_t)n);
			got = 1;
		} else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
			ret = -1;
			break;
		}
		if (!got)
			break;
	}
	libssh2_session_set_blocking(c->s, 1);
	return ret;
}

static ssize_t
pump_read(void *ctx, void *buf, size_t len, char *err, size_t errlen)
{
	struct pump *p = ctx;
	ssize_t n;

	for (;;) {
		n = libssh2_channel_read(p->sch, buf, len);
		if (n > 0) {
			p->res->bytes_in += (uint64_t)n;
			if (p->src == p->dst)  /* one session: keep dst's output moving too */
				drain(p->m, p->dst, p->dch, &p->res->dst_out, &p->res->dst_err);
			return n;
		}
		if (n < 0) {
			p->broken = 1;
			gd_errf(err, errlen, "reading from %s: %s", p->src->host->name, last_error(p->src->s));
			return -1;
		}
		if (drain(p->m, p->src, p->sch, NULL, &p->res->src_err) != 0) {
			p->broken = 1;
			gd_errf(err, errlen, "reading from %s: %s", p->src->host->name, last_error(p->src->s));
			return -1;
		}
		if (libssh2_channel_eof(p->sch))
			return 0;
	}
}

static int
pump_write(void *ctx, const void *buf, size_t len, char *err, size_t errlen)
{
	struct pump *p = ctx;
	const char *b = buf;
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = libssh2_channel_write(p->dch, b + off, len - off);
		if (n < 0) {
			p->broken = n != LIBSSH2_ERROR_CHANNEL_EOF_SENT && n != LIBSSH2_ERROR_CHANNEL_CLOSED;
			gd_errf(err, errlen, "writing to %s: %s", p->dst->host->name, last_error(p->dst->s));
			return -1;
		}
		off += (size_t)n;
		/* dst's own output, so that it never stalls on a full window */
		if (drain(p->m, p->dst, p->dch, &p->res->dst_out, &p->res->dst_err) != 0) {
			p->broken = 1;
			gd_errf(err, errlen, "reading from %s: %s", p->dst->host->name, last_error(p->dst->s));
			return -1;
		}
	}
	p->res->bytes_out += len;
	return 0;
}

/* The copy filter: what src says goes to dst as it is. */
static int
copy_filter(void *arg, gd_ssh_read_fn rd, gd_ssh_write_fn wr, void *ctx, char *err, size_t errlen)
{
	char buf[32768];
	ssize_t n;

	(void)arg;
	while ((n = rd(ctx, buf, sizeof(buf), err, errlen)) > 0)
		if (wr(ctx, buf, (size_t)n, err, errlen) != 0)
			return -1;
	return n < 0 ? -1 : 0;
}

/* Opens a channel on c and runs cmd there, blocking. */
static LIBSSH2_CHANNEL *
stream_open(struct conn *c, const char *cmd, char *err, size_t errlen)
{
	LIBSSH2_CHANNEL *ch;
	char *full = gd_become_command(c->host->become, c->user, cmd);

	ch = libssh2_channel_open_session(c->s);
	if (ch == NULL) {
		gd_errf(err, errlen, "cannot open a channel to %s: %s", c->host->name, last_error(c->s));
		goto out;
	}
	if (libssh2_channel_exec(ch, full) != 0) {
		gd_errf(err, errlen, "cannot run the command on %s: %s", c->host->name, last_error(c->s));
		libssh2_channel_free(ch);
		ch = NULL;
	}
out:
	free(full);
	return ch;
}

/* Closes ch, collects its exit status into *code; -1 if the session failed. */
static int
stream_close(struct conn *c, LIBSSH2_CHANNEL *ch, int *code)
{
	char *sig = NULL;
	size_t siglen = 0;
	int rc;

	rc = libssh2_channel_close(ch);
	if (rc == 0)
		rc = libssh2_channel_wait_closed(ch);
	*code = libssh2_channel_get_exit_status(ch);
	libssh2_channel_get_exit_signal(ch, &sig, &siglen, NULL, NULL, NULL, NULL);
	if (sig != NULL && siglen > 0)
		*code = -1;
	if (sig != NULL)
		libssh2_free(c->s, sig);
	libssh2_channel_free(ch);
	return rc == 0 ? 0 : -1;
}

/* Waits (bounded) until dst has said all it will, keeping its output. */
static int
stream_wait_eof(struct pump *p, int timeout_ms)
{
	long long end = gd_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = p->dst->fd, .events = POLLIN };

		if (drain(p->m, p->dst, p->dch, &p->res->dst_out, &p->res->dst_err) != 0)
			return -1;
		if (libssh2_channel_eof(p->dch))
			return 0;
		if (gd_now_ms() >= end)
			return -1;
		(void)poll(&pfd, 1, 100);
	}
}

int
gd_ssh_stream(struct gd_ssh *m, size_t src, const char *src_cmd, size_t dst,
    const char *dst_cmd, gd_ssh_filter_fn filter, void *arg, struct gd_ssh_stream_result *res,
    char *err, size_t errlen)
{
	const char **cmds = NULL;
	struct gd_ssh_result *cr = NULL;
	struct pump p;
	long long t0 = gd_now_ms();
	int tmo = m->o.cmd_timeout_ms > 0 ? m->o.cmd_timeout_ms : 60000;
	int ret = -1, frc, i;
	size_t k;

	memset(res, 0, sizeof(*res));
	res->src_exit = res->dst_exit = -1;
	memset(&p, 0, sizeof(p));
	if (src >= m->n || dst >= m->n) {
		gd_errf(err, errlen, "stream: no such host in the set");
		return -1;
	}
	/* connect both through the state machine, with a command that does nothing */
	cmds = gd_xcalloc(m->n, sizeof(*cmds));
	cr = gd_xcalloc(m->n, sizeof(*cr));
	cmds[src] = cmds[dst] = "true";
	gd_ssh_exec(m, cmds, m->n, cr);
	res->src_status = cr[src].status;
	res->dst_status = cr[dst].status;
	res->connect_ms = gd_now_ms() - t0;
	for (i = 0; i < 2; i++) {
		k = i == 0 ? src : dst;
		if (cr[k].status != GD_SSH_OK) {
			gd_errf(err, errlen, "%s: %s", m->c[k].host->name, cr[k].errmsg);
			goto out;
		}
	}

	p.m = m;
	p.src = &m->c[src];
	p.dst = &m->c[dst];
	p.res = res;
	for (i = 0; i < 2; i++) {
		struct conn *c = i == 0 ? p.src : p.dst;

		libssh2_session_set_timeout(c->s, tmo);
		libssh2_session_set_blocking(c->s, 1);
	}
	t0 = gd_now_ms();
	p.sch = stream_open(p.src, src_cmd, err, errlen);
	if (p.sch == NULL) {
		p.broken = 1;
		goto done;
	}
	p.dch = stream_open(p.dst, dst_cmd, err, errlen);
	if (p.dch == NULL) {
		p.broken = 1;
		goto done;
	}
	frc = (filter != NULL ? filter : copy_filter)(arg, pump_read, pump_write, &p, err, errlen);
	/* dst's stdin ends either way: a stopped stream must not look whole to it */
	if (!p.broken && libssh2_channel_send_eof(p.dch) != 0)
		p.broken = 1;
	if (!p.broken && stream_wait_eof(&p, tmo) != 0) {
		if (frc == 0)
			gd_errf(err, errlen, "%s did not finish within %.1f s of its input's end",
			    p.dst->host->name, tmo / 1000.0);
		frc = -1;
	}
	if (frc == 0)
		ret = 0;
done:
	if (p.sch != NULL) {
		if (!p.broken)
			drain(m, p.src, p.sch, NULL, &res->src_err);
		if (stream_close(p.src, p.sch, &res->src_exit) != 0)
			p.broken = 1;
	}
	if (p.dch != NULL && stream_close(p.dst, p.dch, &res->dst_exit) != 0)
		p.broken = 1;
	res->stream_ms = gd_now_ms() - t0;
	for (i = 0; i < 2; i++) {
		struct conn *c = i == 0 ? p.src : p.dst;

		if (c->s == NULL)
			continue;
		if (p.broken) {  /* reconnects on next use */
			conn_teardown(c);
			c->state = C_NEW;
			*(i == 0 ? &res->src_status : &res->dst_status) = GD_SSH_UNREACHABLE;
			ret = -1;
			continue;
		}
		libssh2_session_set_timeout(c->s, 0);
		libssh2_session_set_blocking(c->s, 0);
	}
out:
	for (k = 0; cr != NULL && k < m->n; k++)
		gd_ssh_result_free(&cr[k]);
	free(cr);
	free(cmds);
	return ret;
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
		struct conn *c = &m->c[i];

		if (c->state == C_READY && c->s != NULL) {
			/* a polite goodbye, bounded: the peer may be gone */
			libssh2_session_set_timeout(c->s, 1000);
			libssh2_session_set_blocking(c->s, 1);
			libssh2_session_disconnect(c->s, "gameday done");
		}
		conn_teardown(c);
		for (k = 0; k < c->nkeyfiles; k++)
			free(c->keyfiles[k]);
		free(c->keyfiles);
		free(c->known_hosts);
		free(c->cmd);
	}
	free(m->c);
	free(m->local_user);
	free(m->hostkey_prefs);
	free(m);
}
