/* practical.c: a quiz's practical questions on lab hosts, in a session
 * (session.c): each setup is journaled (gameday.engine.practical: the hosts'
 * leases, an intent whose revert is the cleanup, a dead-man timer), the probe
 * is polled until it passes, the limit or the participant gives up, and the
 * cleanup always runs; a killed quiz is cleaned up by `gameday recover`. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "duration.h"
#include "gd.h"
#include "practical.h"
#include "session.h"

#define POLL_MS 2000                /* between two probes */
#define PROBE_TIMEOUT_MS 30000      /* one probe's run */
#define SETUP_TIMEOUT_MS 120000     /* setup's or cleanup's run */

static volatile sig_atomic_t quiz_stop;

static void
on_stop(int sig)
{
	(void)sig;
	quiz_stop = 1;
}

/* seconds through the one duration formatter */
static const char *
dur(long s, char *buf, size_t len)
{
	return gd_duration_fmt((long long)s * 1000, buf, len);
}

void
gd_lab_free(struct gd_lab *l, size_t nq)
{
	size_t i, k;

	if (l->s != NULL)
		gd_session_recover(l->s);   /* whatever a setup left, nothing stays */
	for (i = 0; l->p != NULL && i < nq; i++) {
		for (k = 0; l->p[i].last != NULL && k < l->p[i].n; k++)
			gd_ssh_result_free(&l->p[i].last[k]);
		free(l->p[i].last);
		free(l->p[i].idx);
	}
	free(l->p);
	gd_session_close(l->s);
	memset(l, 0, sizeof(*l));
}

/* Runs cmd on the n hosts idx names (indexes into the inventory) at once;
 * res gets one result per host. -1 with err naming the hosts that could not
 * be reached; a command that fails is not an error here. */
static int
lab_run(struct gd_lab *l, const size_t *idx, size_t n, const char *cmd, int timeout_ms,
    struct gd_ssh_result *res, char *err, size_t errlen)
{
	struct gd_pool *pool = gd_session_pool(l->s);
	const char **cmds = gd_xcalloc(n + 1, sizeof(*cmds));
	size_t *conn = gd_xcalloc(n + 1, sizeof(*conn)), i;
	struct gd_buf why = { 0 };
	int ret = 0;

	for (i = 0; i < n; i++) {
		cmds[i] = cmd;
		conn[i] = gd_pool_host(pool, idx[i]);
	}
	gd_pool_exec(pool, conn, cmds, n, timeout_ms, res);
	for (i = 0; i < n; i++)
		if (res[i].status == GD_SSH_UNREACHABLE)
			gd_buf_printf(&why, "%s%s: unreachable: %s", why.len ? "; " : "",
			    l->inv->hosts[idx[i]].name, res[i].errmsg);
	if (why.len > 0) {
		l->unreachable = 1;
		ret = gd_errf(err, errlen, "%s", why.data);
	}
	free(conn);
	free(cmds);
	gd_buf_free(&why);
	return ret;
}

static void
results_free(struct gd_ssh_result *res, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		gd_ssh_result_free(&res[i]);
}

/* Loads the inventory, resolves every practical question's hosts and
 * checks that each of them answers, before any question is asked. */
int
gd_lab_open(struct gd_lab *l, const struct gd_bank *b, const char *path, const char *state_dir,
    char *err, size_t errlen)
{
	struct gd_session_opts so = { 0 };
	struct gd_ssh_result *res = NULL;
	size_t *all = NULL, nall = 0, i, k;
	char *used = NULL;
	int ret = -1;

	l->path = path;
	so.what = "quiz";
	so.inventory = path;
	so.state_dir = state_dir;
	l->bank = b->id;
	so.quiet = 1;
	so.max_output = 16384;
	if (gd_session_open(&l->s, &so, err, errlen) != GD_EXIT_OK)
		goto out;
	l->inv = gd_session_inventory(l->s);
	l->p = gd_xcalloc(b->nq, sizeof(*l->p));
	used = gd_xcalloc(l->inv->nhosts + 1, 1);
	for (i = 0; i < b->nq; i++) {
		const struct gd_question *q = &b->q[i];
		char e[GD_ERRLEN];

		if (q->type != GD_Q_PRACTICAL)
			continue;
		if (gd_inventory_match(l->inv, q->probe_on, &l->p[i].idx, &l->p[i].n, e,
		    sizeof(e)) < 0) {
			gd_errf(err, errlen, "%s: question '%s': probe 'on': %s", b->path, q->id, e);
			goto out;
		}
		if (l->p[i].n == 0) {
			gd_errf(err, errlen, "%s: question '%s': probe 'on: %s' matches no host in %s",
			    b->path, q->id, q->probe_on, path);
			goto out;
		}
		for (k = 0; k < l->p[i].n; k++)
			used[l->p[i].idx[k]] = 1;
	}
	all = gd_xcalloc(l->inv->nhosts + 1, sizeof(*all));
	for (i = 0; i < l->inv->nhosts; i++) {
		if (used[i])
			all[nall++] = i;
	}
	res = gd_xcalloc(nall + 1, sizeof(*res));
	if (nall > 0 && lab_run(l, all, nall, "true", PROBE_TIMEOUT_MS, res, err, errlen) < 0)
		goto out;
	ret = 0;
out:
	if (res != NULL)
		results_free(res, nall);
	free(res);
	free(all);
	free(used);
	return ret;
}

/* Waits until the deadline (monotonic ms) for a line on stdin when watched.
 * Returns 1 for "check now", 2 for "skip", 0 when the time is up or a signal
 * came. Input ending stops the watch and counts as a skip. */
static int
wait_input(struct gd_lab *l, long long deadline)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char line[256];
	long long left;
	ssize_t n;
	int r;

	while (!quiz_stop && (left = deadline - gd_now_ms()) > 0) {
		r = poll(&pfd, l->watch ? 1 : 0, (int)left);
		if (r < 0 && errno != EINTR)
			return 0;
		if (r <= 0)
			continue;
		if ((n = read(STDIN_FILENO, line, sizeof(line) - 1)) <= 0) {
			l->watch = 0;
			return 2;
		}
		line[n] = '\0';
		line[strcspn(line, "\r\n")] = '\0';
		return strcmp(line, "skip") == 0 ? 2 : 1;
	}
	return 0;
}

/* The question's setup or cleanup, journaled (lua/gameday/engine/practical.lua):
 * the hosts' leases, an intent per host whose revert is the cleanup, a
 * dead-man timer that runs it should the quiz die, then the setup; or the
 * cleanup, its record and the leases freed. -1 with err when it failed. */
static int
journaled(struct gd_lab *l, const struct gd_question *q, const struct gd_prac *p, const char *what,
    char *err, size_t errlen)
{
	json_t *hosts = json_array(), *args, *res;
	size_t k;
	int ret = -1;

	for (k = 0; k < p->n; k++)
		json_array_append_new(hosts, json_string(l->inv->hosts[p->idx[k]].name));
	args = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s?, s:I, s:i}", "run_id",
	    gd_session_run_id(l->s), "token", gd_session_token(l->s), "bank", l->bank, "id", q->id,
	    "hosts", hosts, "setup", q->setup != NULL ? q->setup : "true", "cleanup", q->cleanup,
	    "duration_ms", (json_int_t)p->limit_s * 1000 + 2 * SETUP_TIMEOUT_MS + 60000,
	    "timeout_ms", SETUP_TIMEOUT_MS);
	res = gd_session_call(l->s, "gameday.engine.practical", what, args, err, errlen);
	if (res == NULL) {
		l->unreachable = 1;
		goto out;
	}
	if (json_is_true(json_object_get(res, "ok")))
		ret = 0;
	else if (strcmp(what, "setup") == 0)
		gd_errf(err, errlen, "%s", json_string_value(json_object_get(res, "error")));
	else
		gd_errf(err, errlen, "%s", json_string_value(json_object_get(res, "detail")));
	if (json_is_true(json_object_get(res, "unreachable")))
		l->unreachable = 1;   /* the lab is not as the bank expects */
out:
	json_decref(args);
	json_decref(res);
	return ret;
}

/* Runs practical question j: setup, the task, the probe every 2 s until
 * solved, skipped, interrupted or the limit, then cleanup whatever happened.
 * -1 with err when a host cannot be reached or setup fails; an interrupt
 * sets l->stopped. */
int
gd_lab_practical(struct gd_lab *l, const struct gd_bank *b, size_t j, size_t shown, size_t total,
    char *err, size_t errlen)
{
	const struct gd_question *q = &b->q[j];
	struct gd_prac *p = &l->p[j];
	struct sigaction sa, oldint, oldterm;
	struct gd_ssh_result *res = gd_xcalloc(p->n, sizeof(*res));
	char d1[32], d2[32];
	long long t0, tprobe;
	size_t k;
	int ret = -1, ok, in;

	p->limit_s = l->limit_s > 0 ? l->limit_s : 2 * q->target_s;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;   /* no SA_RESTART: poll() must wake up */
	sigemptyset(&sa.sa_mask);
	quiz_stop = 0;
	sigaction(SIGINT, &sa, &oldint);
	sigaction(SIGTERM, &sa, &oldterm);

	fprintf(stderr, "\n[%zu/%zu] %s, %g point%s, practical on %s: target %s, limit %s\n",
	    shown, total, q->topic, q->points, q->points == 1 ? "" : "s", q->probe_on,
	    dur(q->target_s, d1, sizeof(d1)), dur(p->limit_s, d2, sizeof(d2)));
	p->setup_ran = 1;
	if (q->setup != NULL)
		fputs("  setting up the task...\n", stderr);
	if (journaled(l, q, p, "setup", err, errlen) < 0)
		goto out;
	fprintf(stderr, "%s\n", q->text);
	if (l->watch)
		fputs("  checking every 2 s; Enter: check now, 'skip': give up\n", stderr);
	p->ran = 1;
	p->outcome = "timeout";
	p->last = gd_xcalloc(p->n, sizeof(*p->last));
	t0 = gd_now_ms();
	for (;;) {
		if (quiz_stop) {
			p->outcome = "interrupted";
			l->stopped = 1;
			break;
		}
		tprobe = gd_now_ms();
		results_free(p->last, p->n);
		if (lab_run(l, p->idx, p->n, q->probe_cmd, PROBE_TIMEOUT_MS, p->last, err,
		    errlen) < 0)
			goto out;
		for (ok = 1, k = 0; k < p->n; k++)
			ok &= p->last[k].status == GD_SSH_OK && p->last[k].exit_code == 0;
		p->seconds = round((double)(tprobe - t0) / 100) / 10;
		if (ok) {
			p->solved = 1;
			p->outcome = "solved";
			break;
		}
		if (tprobe - t0 >= p->limit_s * 1000LL)
			break;
		if (l->watch)
			fprintf(stderr, "\r  not solved yet (%.0f s)\033[K", p->seconds);
		in = wait_input(l, tprobe + POLL_MS < t0 + p->limit_s * 1000LL ?
		    tprobe + POLL_MS : t0 + p->limit_s * 1000LL);
		if (in == 2) {
			p->outcome = "skipped";
			p->seconds = round((double)(gd_now_ms() - t0) / 100) / 10;
			break;
		}
	}
	if (l->watch)
		fputs("\r\033[K", stderr);
	if (p->solved)
		fprintf(stderr, "  solved in %.1f s (target %s)\n", p->seconds,
		    dur(q->target_s, d1, sizeof(d1)));
	else
		fprintf(stderr, "  not solved: %s after %.1f s\n", p->outcome, p->seconds);
	ret = 0;
out:
	/* always undo the setup, even after an error or an interrupt */
	if (p->setup_ran) {
		char e[GD_ERRLEN];

		if (journaled(l, q, p, "cleanup", e, sizeof(e)) < 0 && q->cleanup != NULL)
			snprintf(p->cleanup, sizeof(p->cleanup), "%s", e);
		else if (q->cleanup != NULL)
			snprintf(p->cleanup, sizeof(p->cleanup), "ok");
		if (q->cleanup != NULL && strcmp(p->cleanup, "ok") != 0)
			gd_warnx("quiz: question '%s': cleanup %s", q->id, p->cleanup);
	}
	results_free(res, p->n);
	free(res);
	sigaction(SIGINT, &oldint, NULL);
	sigaction(SIGTERM, &oldterm, NULL);
	return ret;
}
