/* ssh.h: the SSH transport. Many hosts at once from one thread: libssh2 in
 * non-blocking mode, every connection driven by one poll() loop. */
#ifndef GD_SSH_H
#define GD_SSH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gd.h"
#include "inventory.h"

struct gd_ssh_opts {
	const char *known_hosts;   /* overrides gameday_known_hosts and ssh_config's files */
	int accept_new;            /* record unknown host keys instead of refusing */
	const char *ssh_config;    /* ssh -F FILE instead of ~/.ssh/config and the system's */
	int no_ssh_config;         /* read no ssh_config (ssh -F /dev/null) */
	int connect_timeout_ms;    /* TCP connect, handshake and auth together */
	int connect_timeout_set;   /* given on purpose: it wins over ssh_config's ConnectTimeout */
	int cmd_timeout_ms;        /* a command's run; 0 for none */
	int keepalive_s;           /* keepalive interval; 0 for none */
	int keepalive_max;         /* keepalives unanswered before the host counts as gone */
	size_t max_output;         /* bytes kept of each of stdout and stderr */
	int forks;                 /* hosts worked on at once */
	/* Called after each host finishes, when not NULL. */
	void (*progress)(void *arg, size_t done, size_t total);
	void *progress_arg;
};

/* Sensible defaults: 10 s connect, 60 s command, 15 s keepalive × 3,
 * 1 MiB per stream, 50 forks; $GAMEDAY_SSH_CONFIG, when set, as ssh_config
 * ("none": no ssh_config). */
void gd_ssh_opts_default(struct gd_ssh_opts *o);

enum gd_ssh_status {
	GD_SSH_OK,          /* the command ran; see exit_code */
	GD_SSH_UNREACHABLE, /* connect, host key or auth failed, or the host went away */
	GD_SSH_TIMEOUT,     /* the command outlived cmd_timeout_ms */
};

struct gd_ssh_result {
	enum gd_ssh_status status;
	int exit_code;          /* the command's exit status; -1 when killed by a signal */
	char exit_signal[32];   /* the signal's name, when killed by one */
	struct gd_buf out, err; /* captured stdout and stderr, at most max_output each */
	size_t out_total, err_total; /* bytes the command wrote, kept or not */
	long long ms;           /* from start of work on the host to the end */
	char local_addr[64];    /* this end's address on the connection: the runner as the host
	                         * sees it (behind a jump host: the jump host's, from the host) */
	char jump[128];         /* the jump host that failed, when that is why it is unreachable */
	char errmsg[GD_ERRLEN]; /* why, when status is not GD_SSH_OK */
};

void gd_ssh_result_free(struct gd_ssh_result *r);

/* A set of connections that stay open across calls. */
struct gd_ssh;

struct gd_ssh *gd_ssh_new(const struct gd_ssh_opts *o);
/* Adds a host (borrowed: it must outlive the set); returns its index. */
size_t gd_ssh_add(struct gd_ssh *m, const struct gd_host *h);
/* Runs cmds[i] on host i, for every i < n with cmds[i] != NULL, all at once
 * (opts.forks at a time), connecting first where needed; fills res[i].
 * A host with become (and a user other than root) runs it under sudo -n.
 * Returns 0 when every command ran and exited 0, else 1 (results tell). */
int gd_ssh_exec(struct gd_ssh *m, const char *const *cmds, size_t n, struct gd_ssh_result *res);
/* Changes the command timeout for the calls that follow; 0 for none. */
void gd_ssh_set_timeout(struct gd_ssh *m, int cmd_timeout_ms);
/* Disconnects every host and frees the set. */
void gd_ssh_free(struct gd_ssh *m);

/* Streaming from one host's command into another's (gd_ssh_stream). */
typedef ssize_t (*gd_ssh_read_fn)(void *ctx, void *buf, size_t len, char *err, size_t errlen);
typedef int (*gd_ssh_write_fn)(void *ctx, const void *buf, size_t len, char *err, size_t errlen);
/* Pulls src's stdout through rd (0 at its end) and pushes what it makes to
 * dst's stdin through wr, both blocking with backpressure, then returns 0, or
 * -1 with err filled to stop the stream. */
typedef int (*gd_ssh_filter_fn)(void *arg, gd_ssh_read_fn rd, gd_ssh_write_fn wr, void *ctx,
    char *err, size_t errlen);

struct gd_ssh_stream_result {
	enum gd_ssh_status src_status, dst_status;
	int src_exit, dst_exit;        /* -1 when killed by a signal or not known */
	struct gd_buf src_err, dst_err, dst_out;  /* at most max_output each */
	uint64_t bytes_in, bytes_out;  /* read from src, written to dst */
	long long connect_ms, stream_ms;
};

void gd_ssh_stream_result_free(struct gd_ssh_stream_result *r);
/* Runs src_cmd on host src and dst_cmd on host dst (indexes from gd_ssh_add;
 * they may be the same) and pumps src's stdout through filter (NULL: copies)
 * into dst's stdin, then ends dst's stdin and waits for both to exit. Memory
 * stays bounded whatever the size. Returns 0 when the stream ran to its end
 * (res tells the exit codes), -1 with err filled when a host was unreachable
 * (res statuses say which) or the filter stopped it. */
int gd_ssh_stream(struct gd_ssh *m, size_t src, const char *src_cmd, size_t dst,
    const char *dst_cmd, gd_ssh_filter_fn filter, void *arg, struct gd_ssh_stream_result *res,
    char *err, size_t errlen);

/* Host key checking against known_hosts files, as OpenSSH checks. */
enum gd_hostkey_check {
	GD_HOSTKEY_MATCH,
	GD_HOSTKEY_UNKNOWN,
	GD_HOSTKEY_CHANGED,
	GD_HOSTKEY_REVOKED,     /* an @revoked line names this key: refused, never recorded */
	GD_HOSTKEY_CA_ONLY,     /* only an @cert-authority line names the host */
};
/* Where the line that decided was, and the key types known otherwise. */
struct gd_hostkey_where {
	char file[1024];
	size_t line;
	char other_types[160];
};
/* key/keylen: the raw key blob; keytype: a LIBSSH2_HOSTKEY_TYPE_*. Looks up
 * host (lowercased), or [host]:port off port 22, in files[0..n) (missing ones
 * read as empty; lines that are not key lines are passed over). Returns an
 * enum gd_hostkey_check (revoked beats all, then a match, a changed key of the
 * same type, a CA), or -1 with err filled. where may be NULL. */
int gd_knownhosts_check_files(const char *const *files, size_t n, const char *host, int port,
    const char *key, size_t keylen, int keytype, struct gd_hostkey_where *where, char *err,
    size_t errlen);
/* The same with one file. */
int gd_knownhosts_check(const char *file, const char *host, int port,
    const char *key, size_t keylen, int keytype, char *err, size_t errlen);
/* Appends host:port's key to file (made 0600 when new) and fsyncs it. */
int gd_knownhosts_add(const char *file, const char *host, int port, const char *key,
    size_t keylen, int keytype, char *err, size_t errlen);
/* The same, with the name hashed when hash is set (HashKnownHosts yes). */
int gd_knownhosts_record(const char *file, const char *host, int port, const char *key,
    size_t keylen, int keytype, int hash, char *err, size_t errlen);
/* "SHA256:..." as OpenSSH prints it, of a raw key blob, into out[64]. */
void gd_hostkey_fingerprint(const char *key, size_t keylen, char out[64]);
/* "ssh-ed25519" and so on, for a LIBSSH2_HOSTKEY_TYPE_*. */
const char *gd_hostkey_type_name(int keytype);

#endif
