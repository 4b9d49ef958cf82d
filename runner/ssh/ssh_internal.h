/* ssh_internal.h: what the parts of runner/ssh/ share, and only they.
 *
 * ssh.c         the set of connections and the one poll() loop (gd_ssh_exec)
 * conn.c        one connection's state machine: connect, handshake, host
 *               key, auth, then channel, exec, read, close
 * knownhosts.c  host keys against known_hosts files
 * stream.c      streaming one host's stdout into another's stdin */
#ifndef GD_SSH_INTERNAL_H
#define GD_SSH_INTERNAL_H

#include <netdb.h>

#include <libssh2.h>

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


/* conn.c */
/* Advances c as far as it goes without blocking. Returns 1 when its job is
 * over (c->res filled), 0 when it waits on its socket or deadline. */
int gd_ssh_conn_step(struct gd_ssh *m, struct conn *c);
/* Frees the libssh2 side of a connection without waiting on the peer. */
void gd_ssh_conn_teardown(struct conn *c);
const char *gd_ssh_last_error(LIBSSH2_SESSION *s);
char *gd_ssh_home_path(const char *rel);
/* Keeps at most max bytes of what comes in b, counting all of it in *total. */
void gd_ssh_keep(struct gd_buf *b, size_t *total, size_t max, const char *p, size_t n);
int gd_ssh_connecting(const struct conn *c);
int gd_ssh_running(const struct conn *c);
/* Whether c has a deadline or keepalive limit that has passed at now. */
int gd_ssh_overdue(const struct gd_ssh *m, const struct conn *c, long long now);

/* knownhosts.c: gd_knownhosts_check and _add with the session s. */
int gd_knownhosts_check_s(LIBSSH2_SESSION *s, const char *file, const char *host, int port,
    const char *key, size_t keylen, int keytype, char *err, size_t errlen);
int gd_knownhosts_add_s(LIBSSH2_SESSION *s, const char *file, const char *host, int port,
    const char *key, size_t keylen, int keytype, char *err, size_t errlen);

#endif
