/* ssh_internal.h: what the parts of runner/ssh/ share, and only they.
 *
 * ssh.c         the set of connections and the one poll() loop (gd_ssh_exec)
 * conn.c        one connection's state machine: connect (or tunnel), handshake,
 *               host key, auth, then channel, exec, read, close
 * auth.c        host keys against the known_hosts files, and the identities
 *               offered: agent keys, key files, IdentitiesOnly
 * jump.c        jump hosts: ProxyJump chains, one shared session per jump host,
 *               a direct-tcpip channel of it carrying each session behind it
 * sshconfig.c   OpenSSH's own configuration of a host, from `ssh -G`
 * knownhosts.c  known_hosts files as OpenSSH reads and writes them
 * stream.c      streaming one host's stdout into another's stdin */
#ifndef GD_SSH_INTERNAL_H
#define GD_SSH_INTERNAL_H

#include <netdb.h>

#include <libssh2.h>

#include "map.h"
#include "ssh.h"

/* OpenSSH's configuration of one host, as `ssh -G` prints it. */
struct gd_ssh_cfg {
	char *hostname;            /* where to connect */
	int port;
	char *user;
	char **identityfiles;      /* as printed ("~/" not expanded) */
	size_t nidentityfiles;
	int identities_only;
	char **user_kh, **global_kh; /* UserKnownHostsFile, GlobalKnownHostsFile */
	size_t nuser_kh, nglobal_kh;
	char *strict;              /* StrictHostKeyChecking: ask, true, false, accept-new */
	int hash_known_hosts;
	int connect_timeout_s;     /* 0: none */
	int alive_interval_s, alive_count;
	char *proxyjump;           /* NULL: none (a ProxyCommand 'ssh -W' becomes one) */
	char *proxycommand;
	char *hostkeyalias;
	char *identityagent;       /* NULL or SSH_AUTH_SOCK: the agent of $SSH_AUTH_SOCK */
	char *addressfamily;       /* any, inet, inet6 */
	char **lines;              /* every "key value" line */
	size_t nlines;
	char **warnings;           /* options set that gameday does not honour */
	size_t nwarnings;
	char *refusal;             /* set when honouring less would go wrong */
};

enum cstate {
	C_NEW,       /* not connected */
	C_TCP,       /* non-blocking connect under way */
	C_VIA,       /* waiting for its jump host's session */
	C_TUNNEL,    /* opening a direct-tcpip channel through the jump host */
	C_HANDSHAKE, /* SSH handshake, then host key check */
	C_AUTHLIST,  /* asking which auth methods the server takes */
	C_AUTH,      /* offering identities: agent keys, then key files */
	C_PEER,      /* behind a jump host: asking how the host sees us ($SSH_CONNECTION) */
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
	const struct gd_ssh_cfg *cfg;   /* borrowed from the set's cache; NULL until resolved */
	char *cfgerr;                   /* why it could not be resolved */
	enum cstate state;
	int fd;                         /* the TCP socket; -1 behind a jump host */
	LIBSSH2_SESSION *s;
	LIBSSH2_CHANNEL *ch;
	struct addrinfo *ai, *ai_next;
	const char *addr;               /* where: the configuration's HostName, or the inventory's */
	int port;
	const char *user;
	char **kh;                      /* known_hosts files: the user's (the first records), then global */
	size_t nkh;
	const char *khname;             /* the name looked up there: HostKeyAlias, else addr */
	int accept;                     /* record unknown host keys */
	int hash;                       /* ... with the name hashed */
	int connect_timeout_ms, keepalive_s, keepalive_max;
	char local_addr[64];
	/* auth */
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *ident;
	int agent_tried, agent_refused, tries;
	int no_agent;                   /* IdentityAgent none */
	int identities_only;
	char **keyfiles;
	size_t nkeyfiles, keyidx;
	struct gd_buf pubs;             /* IdentitiesOnly: the key files' public blobs, length-prefixed */
	struct gd_buf autherr;
	char disconnect[160];           /* what the server said when it hung up, if it did */
	/* jump hosts */
	struct conn *via;               /* the jump host this goes through, or NULL */
	LIBSSH2_CHANNEL *tun;           /* the direct-tcpip channel of via that carries it */
	unsigned tun_gen;               /* via's session generation the tunnel belongs to */
	unsigned gen;                   /* as a jump host: bumped whenever its session goes */
	int peerstep;                   /* C_PEER's own steps */
	struct conn *pending;           /* as a jump host: the connection whose call must be
	                                 * repeated before any other (a partly sent packet) */
	struct conn *opening;           /* as a jump host: the one channel open under way */
	int is_jump;
	char *jumpname;                 /* as a jump host: "user@host:port", for messages */
	struct gd_host jhost;           /* as a jump host: its own fields */
	struct gd_ssh_result jres;      /* as a jump host: why it failed */
	long long jfailed_at;
	/* the job */
	char *cmd;                      /* owned: after the become wrapper */
	struct gd_ssh_result *res;
	long long started, deadline, last_rx;
	struct gd_buf peer;             /* C_PEER's output */
};

struct gd_ssh {
	struct gd_ssh_opts o;
	struct conn **c;                /* the hosts added, each allocated once */
	size_t n, cap;
	struct conn **jumps;            /* jump host sessions, shared */
	size_t njumps;
	char *local_user;
	char *hostkey_prefs;
	/* OpenSSH's configuration: a cache per host and arguments */
	struct gd_map cfgmap;
	struct gd_ssh_cfg **cfgs;
	size_t ncfgs;
	int global;                     /* -1 not known; 1: the same for every host */
	struct gd_ssh_cfg *base, *nocfg;  /* ssh -G of a dummy host, with and without files */
	int base_defaults_ids;          /* base's identity files are ssh's defaults */
	struct gd_map warned;           /* warnings said once */
	long long round_started;        /* when the gd_ssh_exec under way began */
};

/* conn.c */
/* Advances c as far as it goes without blocking. Returns 1 when its job is
 * over (c->res filled), 0 when it waits on its socket or deadline. */
int gd_ssh_conn_step(struct gd_ssh *m, struct conn *c);
/* Frees the libssh2 side of a connection without waiting on the peer. */
void gd_ssh_conn_teardown(struct conn *c);
/* Ends c's job with status st and a message; tears it down. Returns 1. */
int gd_ssh_conn_fail(struct conn *c, enum gd_ssh_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A fresh session for c, on its socket or its tunnel; STEP_ON (C_HANDSHAKE) or
 * STEP_DONE after failing c. */
int gd_ssh_session_start(struct gd_ssh *m, struct conn *c);
/* Resolves c's configuration (ssh -G) and what follows from it, once. */
int gd_ssh_conn_setup(struct gd_ssh *m, struct conn *c);
const char *gd_ssh_last_error(LIBSSH2_SESSION *s);
char *gd_ssh_home_path(const char *rel);
/* Keeps at most max bytes of what comes in b, counting all of it in *total. */
void gd_ssh_keep(struct gd_buf *b, size_t *total, size_t max, const char *p, size_t n);
int gd_ssh_connecting(const struct conn *c);
int gd_ssh_running(const struct conn *c);
/* Whether c has a deadline or keepalive limit that has passed at now. */
int gd_ssh_overdue(const struct gd_ssh *m, const struct conn *c, long long now);
/* The poll() events c waits for on its root socket. */
short gd_ssh_conn_events(const struct conn *c);
/* The socket under c: its own, or its first jump host's. */
int gd_ssh_root_fd(const struct conn *c);
/* Says a warning once per set. */
void gd_ssh_warn_once(struct gd_ssh *m, const char *msg);

/* auth.c */
/* Checks the host key of c's fresh session; 0, or 1 after failing c. */
int gd_ssh_check_hostkey(struct gd_ssh *m, struct conn *c);
/* One step of auth: 1 authenticated, 0 would block, -1 out of identities
 * (c->autherr says why). */
int gd_ssh_auth_step(struct conn *c);
void gd_ssh_auth_reset(struct conn *c);
void gd_ssh_auth_free(struct conn *c);

/* jump.c */
/* The jump host session for c's ProxyJump (made on first use, shared), into
 * c->via; 0, or -1 with err filled (a bad spec, a loop). */
int gd_ssh_jump_for(struct gd_ssh *m, struct conn *c, const char *spec, char *err,
    size_t errlen);
/* C_VIA, C_TUNNEL and C_PEER: STEP_* results as in conn.c. */
int gd_ssh_step_via(struct gd_ssh *m, struct conn *c, long long now);
int gd_ssh_step_tunnel(struct gd_ssh *m, struct conn *c);
int gd_ssh_step_peer(struct conn *c);
/* Starts c's session on its tunnel (send and recv through the channel). */
LIBSSH2_SESSION *gd_ssh_tunnel_session(struct conn *c);
/* Whether a jump host under c holds data for c's tunnel that it read while
 * stepping another host (the socket will not say so again). */
int gd_ssh_tunnel_queued(const struct conn *c);
/* Closes c's tunnel channel, if its jump host can take it now. */
void gd_ssh_tunnel_close(struct conn *c);
void gd_ssh_jumps_free(struct gd_ssh *m);
/* Marks s's caller c as the one to go on first after an EAGAIN that left a
 * packet half sent on the jump host j. */
void gd_ssh_jump_busy(struct conn *j, struct conn *c);

/* sshconfig.c */
/* The configuration of host with the inventory's ssh arguments (cached in m;
 * borrowed). 0, or -1 with err filled when ssh -G cannot be run. */
int gd_ssh_cfg_get(struct gd_ssh *m, const char *const *args, const char *host,
    const struct gd_ssh_cfg **out, char *err, size_t errlen);
void gd_ssh_cfg_free(struct gd_ssh_cfg *c);
/* Runs ssh -G for many hosts at once (16 at a time) into the cache. */
void gd_ssh_cfg_prefetch(struct gd_ssh *m, const struct gd_host *const *hosts, size_t n);
/* "ssh [-q ...] -W %h:%p [user@]host" as the ProxyJump it is; -1 when it is
 * another command. *jump is malloc'd. */
int gd_ssh_proxycommand_jump(const char *cmd, char **jump);

enum { STEP_WAIT = 0, STEP_DONE = 1, STEP_ON = 2 };

#endif
