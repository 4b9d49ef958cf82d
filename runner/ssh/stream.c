/* stream.c: one host's stdout streamed into another's stdin through a
 * filter, blocking with backpressure and bounded memory. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quote.h"
#include "ssh_internal.h"

struct pump {
	struct gd_ssh *m;
	struct conn *src, *dst;
	LIBSSH2_CHANNEL *sch, *dch;
	struct gd_ssh_stream_result *res;
	int broken;  /* a session failed: its connection must be torn down */
	int tmo;     /* ms a side may stay silent (the command timeout) */
};

/* libssh2's blocking calls, with keepalives on, give up after the keepalive
 * interval even when the peer answers them: a source that thinks for 15 s
 * (restic, pg_dump, a first byte from S3) is not gone. Retried until the
 * stream's own timeout from since_ms. */
static int
patient(const struct pump *p, ssize_t n, long long since_ms)
{
	return n == LIBSSH2_ERROR_TIMEOUT && gd_now_ms() - since_ms < p->tmo;
}

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
				gd_ssh_keep(out, &total, m->o.max_output, buf, (size_t)n);
				got = 1;
			} else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
				ret = -1;
				break;
			}
		}
		n = libssh2_channel_read_ex(ch, SSH_EXTENDED_DATA_STDERR, buf, sizeof(buf));
		if (n > 0) {
			gd_ssh_keep(eb, &total, m->o.max_output, buf, (size_t)n);
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
	long long since = gd_now_ms();
	ssize_t n;

	for (;;) {
		n = libssh2_channel_read(p->sch, buf, len);
		if (patient(p, n, since))
			continue;
		if (n > 0) {
			p->res->bytes_in += (uint64_t)n;
			if (p->src == p->dst)  /* one session: keep dst's output moving too */
				drain(p->m, p->dst, p->dch, &p->res->dst_out, &p->res->dst_err);
			return n;
		}
		if (n < 0) {
			p->broken = 1;
			gd_errf(err, errlen, "reading from %s: %s", p->src->host->name, gd_ssh_last_error(p->src->s));
			return -1;
		}
		if (drain(p->m, p->src, p->sch, NULL, &p->res->src_err) != 0) {
			p->broken = 1;
			gd_errf(err, errlen, "reading from %s: %s", p->src->host->name, gd_ssh_last_error(p->src->s));
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

	long long since = gd_now_ms();

	while (off < len) {
		n = libssh2_channel_write(p->dch, b + off, len - off);
		if (patient(p, n, since))
			continue;
		since = gd_now_ms();
		if (n < 0) {
			p->broken = n != LIBSSH2_ERROR_CHANNEL_EOF_SENT && n != LIBSSH2_ERROR_CHANNEL_CLOSED;
			gd_errf(err, errlen, "writing to %s: %s", p->dst->host->name, gd_ssh_last_error(p->dst->s));
			return -1;
		}
		off += (size_t)n;
		/* dst's own output, so that it never stalls on a full window */
		if (drain(p->m, p->dst, p->dch, &p->res->dst_out, &p->res->dst_err) != 0) {
			p->broken = 1;
			gd_errf(err, errlen, "reading from %s: %s", p->dst->host->name, gd_ssh_last_error(p->dst->s));
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
	char *full = gd_become_command_as(c->host->become, c->user, c->host->become_user,
	    cmd);

	ch = libssh2_channel_open_session(c->s);
	if (ch == NULL) {
		gd_errf(err, errlen, "cannot open a channel to %s: %s", c->host->name, gd_ssh_last_error(c->s));
		goto out;
	}
	if (libssh2_channel_exec(ch, full) != 0) {
		gd_errf(err, errlen, "cannot run the command on %s: %s", c->host->name, gd_ssh_last_error(c->s));
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
			gd_errf(err, errlen, "%s: %s", m->c[k]->host->name, cr[k].errmsg);
			goto out;
		}
	}

	p.m = m;
	p.src = m->c[src];
	p.dst = m->c[dst];
	p.res = res;
	p.tmo = tmo;
	for (i = 0; i < 2; i++) {
		struct conn *c = i == 0 ? p.src : p.dst;

		libssh2_session_set_timeout(c->s, tmo);
		libssh2_session_set_blocking(c->s, 1);
		/* no keepalives inside blocking calls: libssh2 1.10 sends one in the
		 * middle of a partly sent packet and fails the write (BAD_USE, "Unable
		 * to send keepalive message"), and gives up a read after the interval */
		libssh2_keepalive_config(c->s, 1, 0);
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
			gd_ssh_conn_teardown(c);
			c->state = C_NEW;
			*(i == 0 ? &res->src_status : &res->dst_status) = GD_SSH_UNREACHABLE;
			ret = -1;
			continue;
		}
		libssh2_session_set_timeout(c->s, 0);
		libssh2_session_set_blocking(c->s, 0);
		if (m->o.keepalive_s > 0)
			libssh2_keepalive_config(c->s, 1, (unsigned)m->o.keepalive_s);
	}
out:
	for (k = 0; cr != NULL && k < m->n; k++)
		gd_ssh_result_free(&cr[k]);
	free(cr);
	free(cmds);
	return ret;
}

