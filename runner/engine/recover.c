/* recover.c: the recovery driver: reverts the open intents of a journal,
 * newest first, one round per host at a time, disarms each dead-man timer,
 * verifies each revert with its check, and appends the outcomes. A run's own
 * final pass (held_by_me) and `gameday recover` both come here. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "gd.h"
#include "journal.h"
#include "pool.h"
#include "recover.h"

enum result { R_PENDING, R_REVERTED, R_FAILED, R_UNREACHABLE, R_LEASED };

/* A guard exits so when another run holds the host (gameday.engine.lease). */
#define LEASE_HELD 75

struct rhost {
	struct gd_host h;
	size_t conn;  /* its connection in the pool */
	int dead;     /* unreachable: nothing more is tried on it in this call */
};

struct item {
	const json_t *intent;  /* borrowed from the open list */
	size_t pos;            /* in the journal, for a stable order */
	json_int_t seq;
	size_t host;           /* index into the hosts */
	const char *fault, *label, *revert, *disarm, *check, *guard;
	enum result result;
	int ok, verified;
	char error[GD_ERRLEN];
	char note[GD_ERRLEN];  /* said but not a failure: a disarm that failed */
};

struct recovery {
	const char *path, *run, *by;
	struct gd_journal *j;
	FILE *log;
	struct rhost *hosts;
	size_t nhosts;
	struct item *items;
	size_t nitems;
	struct gd_pool *pool;
	char append_err[GD_ERRLEN];  /* the first record that could not be written */
};

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? gd_xstrdup(s) : NULL;
}

static int
same_str(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static int
same_host(const struct gd_host *a, const struct gd_host *b)
{
	return same_str(a->name, b->name) && same_str(a->addr, b->addr) && a->port == b->port &&
	    same_str(a->user, b->user) && same_str(a->key_file, b->key_file) &&
	    same_str(a->known_hosts, b->known_hosts) && a->become == b->become &&
	    same_str(a->become_user, b->become_user);
}

/* The host an intent names, added to rc->hosts unless already there. */
static size_t
intent_host(struct recovery *rc, const json_t *intent)
{
	const json_t *o = json_object_get(intent, "host");
	const json_t *port = json_object_get(o, "port");
	struct gd_host h;
	size_t i;

	memset(&h, 0, sizeof(h));
	h.addr = (char *)str(o, "addr");
	h.name = (char *)(str(o, "name") != NULL ? str(o, "name") : h.addr);
	h.port = json_is_integer(port) ? (int)json_integer_value(port) : 22;
	h.user = (char *)str(o, "user");
	h.key_file = (char *)str(o, "key_file");
	h.known_hosts = (char *)str(o, "known_hosts");
	h.become = json_is_true(json_object_get(o, "become"));
	h.become_user = (char *)str(o, "become_user");
	for (i = 0; i < rc->nhosts; i++)
		if (same_host(&rc->hosts[i].h, &h))
			return i;
	rc->hosts = gd_xrealloc(rc->hosts, (rc->nhosts + 1) * sizeof(*rc->hosts));
	memset(&rc->hosts[rc->nhosts], 0, sizeof(rc->hosts[0]));
	rc->hosts[rc->nhosts].h.name = gd_xstrdup(h.name);
	rc->hosts[rc->nhosts].h.addr = gd_xstrdup(h.addr);
	rc->hosts[rc->nhosts].h.port = h.port;
	rc->hosts[rc->nhosts].h.user = dup_or_null(h.user);
	rc->hosts[rc->nhosts].h.key_file = dup_or_null(h.key_file);
	rc->hosts[rc->nhosts].h.known_hosts = dup_or_null(h.known_hosts);
	rc->hosts[rc->nhosts].h.become = h.become;
	rc->hosts[rc->nhosts].h.become_user = dup_or_null(h.become_user);
	return rc->nhosts++;
}

/* Newest first: the higher seq, then the later line. */
static int
newest_first(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq > y->seq ? -1 : 1;
	return x->pos > y->pos ? -1 : x->pos < y->pos;
}

/* The first non-blank line of b, at most len-1 bytes, into buf. */
static void
first_line(const struct gd_buf *b, char *buf, size_t len)
{
	const char *p = b->data, *e;
	size_t n;

	buf[0] = '\0';
	if (p == NULL)
		return;
	while (*p != '\0' && isspace((unsigned char)*p))
		p++;
	e = strchr(p, '\n');
	n = e != NULL ? (size_t)(e - p) : strlen(p);
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

/* Why a command did not exit 0, as "revert exited 1: rm: ...". */
static void
describe(const char *what, const struct gd_ssh_result *r, char *buf, size_t len)
{
	char line[200];

	first_line(&r->err, line, sizeof(line));
	if (line[0] == '\0')
		first_line(&r->out, line, sizeof(line));
	if (r->status == GD_SSH_TIMEOUT)
		snprintf(buf, len, "%s: %.400s", what, r->errmsg);
	else if (r->exit_code < 0)
		snprintf(buf, len, "%s killed by signal %s", what, r->exit_signal);
	else
		snprintf(buf, len, "%s exited %d%s%s", what, r->exit_code, line[0] ? ": " : "", line);
}

/* Runs one step of the items it[0..n) (at most one per host) all at once:
 * pick gives each item's command, or NULL. res[k] gets item k's result and
 * ran[k] says whether its command ran at all. */
static void
run_step(struct recovery *rc, struct item **it, size_t n,
    const char *(*pick)(const struct item *), struct gd_ssh_result *res, int *ran)
{
	const char **cmds = gd_xcalloc(n + 1, sizeof(*cmds));
	size_t *conn = gd_xcalloc(n + 1, sizeof(*conn));
	size_t k;

	for (k = 0; k < n; k++) {
		ran[k] = 0;
		conn[k] = rc->hosts[it[k]->host].conn;
		if (it[k]->result == R_PENDING && !rc->hosts[it[k]->host].dead)
			cmds[k] = pick(it[k]);
	}
	gd_pool_exec(rc->pool, conn, cmds, n, -1, res);
	for (k = 0; k < n; k++) {
		if (cmds[k] == NULL)
			continue;
		ran[k] = 1;
		if (res[k].status == GD_SSH_UNREACHABLE)
			rc->hosts[it[k]->host].dead = 1;
	}
	free(conn);
	free(cmds);
}

static const char *pick_guard(const struct item *it) { return it->guard; }
static const char *pick_revert(const struct item *it) { return it->revert; }
static const char *pick_disarm(const struct item *it) { return it->ok ? it->disarm : NULL; }
static const char *pick_check(const struct item *it) { return it->ok ? it->check : NULL; }

static int
exited_0(const struct gd_ssh_result *r)
{
	return r->status == GD_SSH_OK && r->exit_code == 0;
}

static void
unreachable(struct item *x, const struct gd_ssh_result *r, const char *when)
{
	x->result = R_UNREACHABLE;
	if (r != NULL)
		snprintf(x->error, sizeof(x->error), "host unreachable%s: %.400s", when, r->errmsg);
	else  /* its host failed earlier in this call: not tried again */
		snprintf(x->error, sizeof(x->error), "host unreachable%s: it did not answer before", when);
}

/* Items whose host another run holds now are left open: that run is
 * changing the host, and reverting under it would undo its work. */
static void
guard_round(struct recovery *rc, struct item **it, size_t n, struct gd_ssh_result *res, int *ran)
{
	char line[300];
	size_t k;

	run_step(rc, it, n, pick_guard, res, ran);
	for (k = 0; k < n; k++) {
		if (!ran[k])
			continue;
		if (res[k].status == GD_SSH_UNREACHABLE) {
			unreachable(it[k], &res[k], "");
		} else if (res[k].status == GD_SSH_OK && res[k].exit_code == LEASE_HELD) {
			it[k]->result = R_LEASED;
			first_line(&res[k].out, line, sizeof(line));
			snprintf(it[k]->error, sizeof(it[k]->error), "the host is leased by another run "
			    "(%s), which is changing it: left alone", line);
		}
		gd_ssh_result_free(&res[k]);
	}
}

/* One round of items, at most one per host: guard, revert, disarm, check. */
static void
run_round(struct recovery *rc, struct item **it, size_t n)
{
	struct gd_ssh_result *res = gd_xcalloc(n, sizeof(*res));
	int *ran = gd_xcalloc(n, sizeof(*ran));
	char why[GD_ERRLEN];
	size_t k;

	guard_round(rc, it, n, res, ran);
	run_step(rc, it, n, pick_revert, res, ran);
	for (k = 0; k < n; k++) {
		struct item *x = it[k];

		if (x->result != R_PENDING)
			;  /* leased, or unreachable at the guard */
		else if (!ran[k])
			unreachable(x, NULL, "");
		else if (res[k].status == GD_SSH_UNREACHABLE)
			unreachable(x, &res[k], "");
		else if (exited_0(&res[k]))
			x->ok = 1;
		else {
			x->result = R_FAILED;
			describe("revert", &res[k], x->error, sizeof(x->error));
		}
		gd_ssh_result_free(&res[k]);
	}

	/* a normal revert disarms the host's dead-man timer; should that fail,
	 * the timer runs the (idempotent) revert once more: worth a note only */
	run_step(rc, it, n, pick_disarm, res, ran);
	for (k = 0; k < n; k++) {
		struct item *x = it[k];

		if (!ran[k] || exited_0(&res[k])) {
			gd_ssh_result_free(&res[k]);
			continue;
		}
		if (res[k].status == GD_SSH_UNREACHABLE && x->check != NULL) {
			unreachable(x, &res[k], " after the revert");
		} else if (res[k].status == GD_SSH_UNREACHABLE) {
			snprintf(x->note, sizeof(x->note), "disarm: host unreachable: %.300s; the host's timer "
			    "may revert again, which is harmless", res[k].errmsg);
		} else {
			describe("disarm", &res[k], why, sizeof(why));
			snprintf(x->note, sizeof(x->note), "%.400s; the host's timer may revert again, which is harmless",
			    why);
		}
		gd_ssh_result_free(&res[k]);
	}

	run_step(rc, it, n, pick_check, res, ran);
	for (k = 0; k < n; k++) {
		struct item *x = it[k];

		if (x->result != R_PENDING) {
		} else if (x->check == NULL) {
			x->result = R_REVERTED;
		} else if (!ran[k]) {
			unreachable(x, NULL, " after the revert");
		} else if (res[k].status == GD_SSH_UNREACHABLE) {
			unreachable(x, &res[k], " after the revert");
		} else if (exited_0(&res[k])) {
			x->result = R_FAILED;
			snprintf(x->error, sizeof(x->error),
			    "the revert ran, but the check says the fault is still active");
		} else if (res[k].status == GD_SSH_OK && res[k].exit_code > 0) {
			x->result = R_REVERTED;  /* non-zero: the fault is gone */
			x->verified = 1;
		} else {
			x->result = R_FAILED;
			describe("check", &res[k], x->error, sizeof(x->error));
		}
		gd_ssh_result_free(&res[k]);
	}
	free(ran);
	free(res);
}

static const char *
result_name(enum result r)
{
	switch (r) {
	case R_REVERTED: return "reverted";
	case R_FAILED: return "revert_failed";
	case R_UNREACHABLE: return "unreachable";
	case R_LEASED: return "leased";
	default: return "pending";
	}
}

static void
append(struct recovery *rc, json_t *rec)
{
	char err[GD_ERRLEN];

	if (gd_journal_append(rc->j, rec, err, sizeof(err)) != 0 && rc->append_err[0] == '\0')
		snprintf(rc->append_err, sizeof(rc->append_err), "%s", err);
	json_decref(rec);
}

/* The record, the log line and the JSON result of a finished item. */
static void
report(struct recovery *rc, const struct item *x, json_t *results)
{
	const char *name = rc->hosts[x->host].h.name;
	json_t *rec = json_object();

	json_object_set_new(rec, "type", json_string("reverted"));
	json_object_set_new(rec, "seq", json_integer(x->seq));
	json_object_set_new(rec, "ok", json_boolean(x->ok));
	json_object_set_new(rec, "verified", json_boolean(x->verified));
	json_object_set_new(rec, "by", json_string(rc->by));
	json_object_set_new(rec, "error", x->error[0] ? json_string(x->error) : json_null());
	append(rc, rec);

	if (rc->log != NULL) {
		fprintf(rc->log, "%s: %s", name, x->fault != NULL ? x->fault : "fault");
		if (x->label != NULL)
			fprintf(rc->log, " (%s)", x->label);
		if (x->result == R_REVERTED)
			fprintf(rc->log, ": reverted, %s", x->verified ? "verified" : "no check to verify it");
		else if (x->result == R_FAILED)
			fprintf(rc->log, ": REVERT FAILED: %s", x->error);
		else if (x->result == R_LEASED)
			fprintf(rc->log, ": %s; still open, run gameday recover again once that run has ended",
			    x->error);
		else
			fprintf(rc->log, ": %s; still open, run gameday recover again", x->error);
		if (x->note[0] != '\0')
			fprintf(rc->log, " (%s)", x->note);
		fputc('\n', rc->log);
		fflush(rc->log);
	}
	if (results != NULL) {
		json_t *o = json_object();

		json_object_set_new(o, "run", json_string(rc->run));
		json_object_set_new(o, "host", json_string(name));
		json_object_set_new(o, "seq", json_integer(x->seq));
		json_object_set_new(o, "fault", x->fault ? json_string(x->fault) : json_null());
		json_object_set_new(o, "label", x->label ? json_string(x->label) : json_null());
		json_object_set_new(o, "result", json_string(result_name(x->result)));
		json_object_set_new(o, "error", x->error[0] ? json_string(x->error) : json_null());
		json_array_append_new(results, o);
	}
}

/* The run's id: from its first record, else the file's name. Into buf. */
static const char *
run_id_of(const char *path, const json_t *recs, char *buf, size_t len)
{
	const json_t *first = json_array_get(recs, 0);
	const char *base = strrchr(path, '/'), *run = str(first, "run");
	size_t n;

	if (run != NULL && str(first, "type") != NULL && strcmp(str(first, "type"), "run") == 0) {
		snprintf(buf, len, "%s", run);
		return buf;
	}
	base = base != NULL ? base + 1 : path;
	n = strlen(base);
	if (n > 6 && strcmp(base + n - 6, ".jsonl") == 0)
		n -= 6;
	snprintf(buf, len, "%.*s", (int)n, base);
	return buf;
}

/* Whether the run record says its runner is a process of this machine that
 * is gone: then whoever holds the lock is not the run (say, another recover). */
static int
runner_gone(const json_t *run)
{
	const json_t *pid = json_object_get(run, "pid");
	const char *runner = str(run, "runner");
	char host[256];

	if (!json_is_integer(pid) || json_integer_value(pid) <= 0 || runner == NULL ||
	    gethostname(host, sizeof(host)) != 0 || strcmp(host, runner) != 0)
		return 0;
	return kill((pid_t)json_integer_value(pid), 0) != 0 && errno == ESRCH;
}

static void
skipped_live(const char *run, const json_t *open, const json_t *recs, FILE *log,
    json_t *results)
{
	const json_t *first = json_array_get(recs, 0), *in;
	const json_t *pid = json_object_get(first, "pid");
	size_t i;

	if (log != NULL) {
		if (runner_gone(first))
			fprintf(log, "run %s: another process holds its journal (a gameday recover?), "
			    "though its runner (pid %lld) is gone: skipped\n", run,
			    (long long)json_integer_value(pid));
		else if (json_is_integer(pid))
			fprintf(log, "run %s is still running (pid %lld): skipped, it reverts its own "
			    "faults; if it hangs, stop it and run gameday recover again\n", run,
			    (long long)json_integer_value(pid));
		else
			fprintf(log, "run %s is still running (another process holds its journal): "
			    "skipped, it reverts its own faults\n", run);
		fflush(log);
	}
	if (results == NULL)
		return;
	json_array_foreach(open, i, in) {
		json_t *o = json_object();
		const json_t *h = json_object_get(in, "host");

		json_object_set_new(o, "run", json_string(run));
		json_object_set_new(o, "host", json_string(str(h, "name") ? str(h, "name") : str(h, "addr")));
		json_object_set_new(o, "seq", json_integer(json_integer_value(json_object_get(in, "seq"))));
		json_object_set_new(o, "fault", str(in, "fault") ? json_string(str(in, "fault")) : json_null());
		json_object_set_new(o, "label", str(in, "label") ? json_string(str(in, "label")) : json_null());
		json_object_set_new(o, "result", json_string("skipped_live"));
		json_object_set_new(o, "error", json_null());
		json_array_append_new(results, o);
	}
}

/* The open intents of open as items, newest first, their hosts in rc. */
static void
load_items(struct recovery *rc, const json_t *open)
{
	const json_t *in;
	size_t i;

	rc->nitems = json_array_size(open);
	rc->items = gd_xcalloc(rc->nitems + 1, sizeof(*rc->items));
	json_array_foreach(open, i, in) {
		struct item *x = &rc->items[i];

		x->intent = in;
		x->pos = i;
		x->seq = json_integer_value(json_object_get(in, "seq"));
		x->host = intent_host(rc, in);
		x->fault = str(in, "fault");
		x->label = str(in, "label");
		x->revert = str(in, "revert");
		x->disarm = str(in, "disarm");
		x->check = str(in, "check");
		x->guard = str(in, "guard");
	}
	qsort(rc->items, rc->nitems, sizeof(*rc->items), newest_first);
	for (i = 0; i < rc->nhosts; i++)
		rc->hosts[i].conn = gd_pool_conn(rc->pool, &rc->hosts[i].h);
}

/* Round r: each host's r-th newest open intent; hosts in a round go at once. */
static void
run_rounds(struct recovery *rc, json_t *results)
{
	struct item **round = gd_xcalloc(rc->nhosts + 1, sizeof(*round));
	char *taken = gd_xcalloc(rc->nhosts + 1, 1);
	size_t i, k, nround;

	for (;;) {
		nround = 0;
		memset(taken, 0, rc->nhosts);
		for (i = 0; i < rc->nitems; i++) {
			struct item *x = &rc->items[i];

			if (x->result != R_PENDING || taken[x->host])
				continue;
			taken[x->host] = 1;
			round[nround++] = x;
		}
		if (nround == 0)
			break;
		run_round(rc, round, nround);
		for (k = 0; k < nround; k++)
			report(rc, round[k], results);
	}
	free(taken);
	free(round);
}

/* Counts the outcomes into st, writes the closing record and line; returns
 * how many intents are still open. */
static size_t
conclude(struct recovery *rc, struct gd_recover_stats *st)
{
	size_t i, left = 0, reverted = 0;

	for (i = 0; i < rc->nitems; i++) {
		switch (rc->items[i].result) {
		case R_REVERTED: st->reverted++; reverted++; break;
		case R_FAILED: st->failed++; left++; break;
		case R_LEASED: st->leased++; left++; break;
		default: st->unreachable++; left++; break;
		}
	}
	if (left == 0 && reverted > 0) {
		json_t *rec = json_object();

		json_object_set_new(rec, "type", json_string("recovered"));
		json_object_set_new(rec, "by", json_string(rc->by));
		append(rc, rec);
	}
	if (rc->log != NULL) {
		if (left == 0)
			fprintf(rc->log, "run %s: recovered, nothing left open\n", rc->run);
		else
			fprintf(rc->log, "run %s: %zu of %zu intents still open; see above, then run gameday recover again\n",
			    rc->run, left, rc->nitems);
		fflush(rc->log);
	}
	return left;
}

static void
recovery_free(struct recovery *rc)
{
	size_t i;

	for (i = 0; i < rc->nhosts; i++) {
		free(rc->hosts[i].h.name);
		free(rc->hosts[i].h.addr);
		free(rc->hosts[i].h.user);
		free(rc->hosts[i].h.key_file);
		free(rc->hosts[i].h.known_hosts);
		free(rc->hosts[i].h.become_user);
	}
	free(rc->hosts);
	free(rc->items);
}

int
gd_recover_journal_report(const char *path, const struct gd_recover_opts *ro, char *err,
    size_t errlen)
{
	struct gd_recover_stats dummy, *st = ro->st;
	struct recovery rc;
	struct gd_journal *mine = NULL;
	struct gd_pool *own = NULL;
	json_t *recs = NULL, *open = NULL;
	char run[256];
	off_t good_end = 0;
	int torn = 0, live = 0, ret = -1;

	memset(&rc, 0, sizeof(rc));
	if (st == NULL)
		st = memset(&dummy, 0, sizeof(dummy));
	if (ro->held_by_me == NULL && (live = gd_journal_open(path, &mine, err, errlen)) < 0)
		goto out;
	/* read after locking: a dead run's journal no longer changes under us */
	if (gd_journal_read_whole(path, &recs, &good_end, &torn, err, errlen) != 0)
		goto out;
	open = gd_journal_open_intents(recs);
	rc.run = run_id_of(path, recs, run, sizeof(run));
	if (live) {
		if (json_array_size(open) > 0 || !ro->quiet)
			skipped_live(rc.run, open, recs, ro->log, ro->results);
		st->skipped_live += json_array_size(open);
		ret = 0;
		goto out;
	}
	if (json_array_size(open) == 0) {
		if (!ro->quiet && ro->log != NULL)
			fprintf(ro->log, "run %s: nothing to do, no open intents\n", rc.run);
		ret = 0;
		goto out;
	}

	rc.path = path;
	rc.j = ro->held_by_me != NULL ? ro->held_by_me : mine;
	rc.by = ro->held_by_me != NULL ? "run" : "recover";
	rc.log = ro->log;
	rc.pool = ro->pool != NULL ? ro->pool : (own = gd_pool_new(ro->ssh, NULL));
	st->journals++;
	/* or our records would glue to the torn line */
	if (torn && gd_journal_truncate(rc.j, good_end, err, errlen) != 0)
		goto out;
	load_items(&rc, open);
	if (rc.log != NULL) {
		fprintf(rc.log, "run %s: %zu open intent%s on %zu host%s, reverting newest first%s\n", rc.run,
		    rc.nitems, rc.nitems == 1 ? "" : "s", rc.nhosts, rc.nhosts == 1 ? "" : "s",
		    torn ? " (its torn last line was cut off)" : "");
		fflush(rc.log);
	}
	run_rounds(&rc, ro->results);
	ret = conclude(&rc, st) > 0;
	if (rc.append_err[0] != '\0')
		ret = gd_errf(err, errlen, "%s", rc.append_err);
out:
	gd_pool_free(own);
	recovery_free(&rc);
	json_decref(open);
	json_decref(recs);
	gd_journal_close(mine);
	return ret;
}

int
gd_recover_journal(const char *path, const struct gd_ssh_opts *o, struct gd_journal *held_by_me,
    FILE *log, char *err, size_t errlen)
{
	struct gd_recover_opts ro = { 0 };

	ro.ssh = o;
	ro.held_by_me = held_by_me;
	ro.log = log;
	return gd_recover_journal_report(path, &ro, err, errlen);
}
