/* journal.c: the run journal, JSON Lines with one write() and one fsync()
 * per record, and its recovery by `gameday recover`.
 *
 * Crash-test hooks, read by gd_journal_append. Records are counted per
 * process from 1, whoever appends them (a run, or recover):
 *   GAMEDAY_KILL_BEFORE=N  SIGKILL this process right before writing record N
 *   GAMEDAY_KILL_AFTER=N   SIGKILL it right after record N is fsync'd
 *   GAMEDAY_KILL_TORN=N    write the first half of record N (no newline),
 *                          fsync it, then SIGKILL: a torn last line
 * The crash tests set one of them to kill the runner at every journal point,
 * then check that `gameday recover` puts every host back. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "gd.h"
#include "journal.h"

struct gd_journal {
	int fd;
	char *path;
};

/* Tries to take a journal's lock for this long before calling it busy: a
 * recover may hold a brand-new, still empty journal for an instant. */
#define CREATE_LOCK_TRIES 100
#define CREATE_LOCK_WAIT_NS 10000000L

char *
gd_state_dir(const char *dir)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	struct passwd *pw;

	if (dir != NULL)
		return gd_xstrdup(dir);
	if (xdg != NULL && xdg[0] == '/')  /* relative values are ignored, as the XDG spec says */
		return gd_xasprintf("%s/gameday", xdg);
	if (home == NULL || home[0] == '\0') {
		pw = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : "/";
	}
	return gd_xasprintf("%s/.local/state/gameday", home);
}

/* mkdir -p, new directories 0700. */
static int
mkdirs(const char *path, char *err, size_t errlen)
{
	char *p, *s, c;
	struct stat st;
	int ret = -1;

	if (path[0] == '\0')
		return gd_errf(err, errlen, "empty state directory");
	p = gd_xstrdup(path);
	for (s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			gd_errf(err, errlen, "cannot make %s: %s", p, strerror(errno));
			goto out;
		}
		if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
			gd_errf(err, errlen, "%s is not a directory", p);
			goto out;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	ret = 0;
out:
	free(p);
	return ret;
}

/* Run ids become file names: keep them plain. */
static int
check_run_id(const char *id, char *err, size_t errlen)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > 128 || id[0] == '.' || id[0] == '-')
		return gd_errf(err, errlen, "bad run id '%s': 1 to 128 characters, not starting with . or -",
		    id);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && strchr("._-", id[i]) == NULL)
			return gd_errf(err, errlen, "bad run id '%s': letters, digits and . _ - only", id);
	return 0;
}

static struct gd_journal *
journal_new(int fd, const char *path)
{
	struct gd_journal *j = gd_xcalloc(1, sizeof(*j));

	j->fd = fd;
	j->path = gd_xstrdup(path);
	return j;
}

int
gd_journal_create(const char *state_dir, const char *run_id, struct gd_journal **jp,
    char *err, size_t errlen)
{
	struct timespec wait = { 0, CREATE_LOCK_WAIT_NS };
	char *runs = NULL, *path = NULL;
	int fd = -1, dfd = -1, tries, ret = -1;

	*jp = NULL;
	if (check_run_id(run_id, err, errlen) != 0)
		goto out;
	runs = gd_xasprintf("%s/runs", state_dir);
	if (mkdirs(runs, err, errlen) != 0)
		goto out;
	path = gd_xasprintf("%s/%s.jsonl", runs, run_id);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			gd_errf(err, errlen, "cannot create %s: a journal for run %s already exists",
			    path, run_id);
		else
			gd_errf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		goto out;
	}
	for (tries = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; tries++) {
		if (errno != EWOULDBLOCK || tries == CREATE_LOCK_TRIES) {
			gd_errf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
			unlink(path);
			goto out;
		}
		nanosleep(&wait, NULL);
	}
	/* the new name must survive a crash, not only the records in it */
	dfd = open(runs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		gd_errf(err, errlen, "cannot sync %s: %s", runs, strerror(errno));
		unlink(path);
		goto out;
	}
	*jp = journal_new(fd, path);
	fd = -1;
	ret = 0;
out:
	if (dfd >= 0)
		close(dfd);
	if (fd >= 0)
		close(fd);
	free(path);
	free(runs);
	return ret;
}

int
gd_journal_open(const char *path, struct gd_journal **jp, char *err, size_t errlen)
{
	int fd;

	*jp = NULL;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return gd_errf(err, errlen, "no journal at %s", path);
		return gd_errf(err, errlen, "cannot open %s: %s", path, strerror(errno));
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK)
			return 1;
		return gd_errf(err, errlen, "cannot lock %s: %s", path, strerror(e));
	}
	*jp = journal_new(fd, path);
	return 0;
}

const char *
gd_journal_path(const struct gd_journal *j)
{
	return j->path;
}

void
gd_journal_close(struct gd_journal *j)
{
	if (j == NULL)
		return;
	close(j->fd);  /* releases the flock */
	free(j->path);
	free(j);
}

/* Whether the crash-test hook name is set to n. */
static int
hook(const char *name, long n)
{
	const char *v = getenv(name);
	char *end;
	long want;

	if (v == NULL || v[0] == '\0')
		return 0;
	want = strtol(v, &end, 10);
	return *end == '\0' && want == n;
}

/* This process's record number for the next record, from 1 (a forked child
 * counts afresh). */
static long
next_record_no(void)
{
	static long n;
	static pid_t pid;

	if (pid != getpid()) {
		pid = getpid();
		n = 0;
	}
	return ++n;
}

int
gd_journal_append(struct gd_journal *j, json_t *rec, char *err, size_t errlen)
{
	json_t *out = json_object(), *type = json_object_get(rec, "type"), *v;
	const char *key;
	char *line = NULL;
	struct stat st;
	size_t len;
	ssize_t n;
	long no;
	int ret = -1;

	if (!json_is_object(rec)) {
		gd_errf(err, errlen, "%s: a journal record must be a JSON object", j->path);
		goto out;
	}
	/* "type" first, then "ts": the journal reads well with less or jq */
	if (type != NULL)
		json_object_set(out, "type", type);
	json_object_set_new(out, "ts", json_integer(gd_epoch_ms()));
	json_object_foreach(rec, key, v)
		if (strcmp(key, "ts") != 0 && strcmp(key, "type") != 0)
			json_object_set(out, key, v);
	line = json_dumps(out, JSON_COMPACT);
	if (line == NULL) {
		gd_errf(err, errlen, "%s: cannot encode a record (not UTF-8?)", j->path);
		goto out;
	}
	len = strlen(line);
	line = gd_xrealloc(line, len + 2);
	line[len++] = '\n';
	line[len] = '\0';

	no = next_record_no();
	if (hook("GAMEDAY_KILL_BEFORE", no))
		raise(SIGKILL);
	if (hook("GAMEDAY_KILL_TORN", no)) {
		if (write(j->fd, line, len / 2) >= 0)
			(void)fsync(j->fd);
		raise(SIGKILL);
	}
	if (fstat(j->fd, &st) != 0) {
		gd_errf(err, errlen, "cannot stat %s: %s", j->path, strerror(errno));
		goto out;
	}
	/* one write: a crash leaves a whole line or a torn last one, which readers skip */
	do
		n = write(j->fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != len) {
		if (n < 0)
			gd_errf(err, errlen, "cannot write %s: %s", j->path, strerror(errno));
		else
			gd_errf(err, errlen, "short write to %s: %zd of %zu bytes", j->path, n, len);
		/* cut the torn line off, or the next record would glue to it; we hold the lock */
		if (n > 0 && ftruncate(j->fd, st.st_size) != 0)
			gd_errf(err, errlen, "short write to %s, and cannot cut it back: %s", j->path,
			    strerror(errno));
		goto out;
	}
	if (fsync(j->fd) != 0) {
		gd_errf(err, errlen, "cannot sync %s: %s", j->path, strerror(errno));
		goto out;
	}
	if (hook("GAMEDAY_KILL_AFTER", no))
		raise(SIGKILL);
	ret = 0;
out:
	free(line);
	json_decref(out);
	return ret;
}

/* Reading */

static int
opt_string(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return v == NULL || json_is_null(v) || json_is_string(v);
}

static int
nonempty_string(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && s[0] != '\0';
}

/* What is wrong with a record, or NULL. Unknown types pass, for journals of
 * newer versions. */
static const char *
record_problem(const json_t *r)
{
	const char *type = json_string_value(json_object_get(r, "type"));
	const json_t *h, *v;

	if (!json_is_object(r))
		return "not a JSON object";
	if (type == NULL)
		return "record without a \"type\"";
	if (strcmp(type, "intent") == 0) {
		if (!json_is_integer(json_object_get(r, "seq")))
			return "intent without an integer \"seq\"";
		h = json_object_get(r, "host");
		if (!json_is_object(h))
			return "intent without a \"host\" object";
		if (!nonempty_string(h, "addr"))
			return "intent whose host has no \"addr\"";
		if (!opt_string(h, "name") || !opt_string(h, "user") || !opt_string(h, "key_file") ||
		    !opt_string(h, "known_hosts"))
			return "intent whose host has a name, user, key_file or known_hosts that is not a string";
		v = json_object_get(h, "port");
		if (v != NULL && !json_is_null(v) &&
		    (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65535))
			return "intent whose host port is not a number from 1 to 65535";
		v = json_object_get(h, "become");
		if (v != NULL && !json_is_null(v) && !json_is_boolean(v))
			return "intent whose host \"become\" is not true or false";
		if (!nonempty_string(r, "revert"))
			return "intent without a \"revert\" command";
		if (!opt_string(r, "fault") || !opt_string(r, "label") || !opt_string(r, "check") ||
		    !opt_string(r, "disarm") || !opt_string(r, "inject"))
			return "intent whose fault, label, inject, check or disarm is not a string";
	} else if (strcmp(type, "reverted") == 0) {
		if (!json_is_integer(json_object_get(r, "seq")))
			return "reverted without an integer \"seq\"";
		if (!json_is_boolean(json_object_get(r, "ok")))
			return "reverted without \"ok\": true or false";
		v = json_object_get(r, "verified");
		if (v != NULL && !json_is_boolean(v))
			return "reverted whose \"verified\" is not true or false";
	} else if (strcmp(type, "injected") == 0) {
		if (!json_is_integer(json_object_get(r, "seq")))
			return "injected without an integer \"seq\"";
	}
	return NULL;
}

/* Reads path; *good_end: bytes of whole lines (what follows is torn). */
static int
read_records(const char *path, json_t **recs, off_t *good_end, int *torn, char *err,
    size_t errlen)
{
	struct gd_buf b = { 0 };
	char *p, *nl, *end;
	size_t lineno = 0;
	int ret = -1;

	*recs = NULL;
	if ((b.data = gd_read_file(path, 0, &b.len, err, errlen)) == NULL) {
		if (errno == ENOENT)
			gd_errf(err, errlen, "no journal at %s", path);
		return -1;
	}
	*recs = json_array();
	p = b.data;
	end = b.data + b.len;
	while (p < end) {
		json_error_t jerr;
		const char *why;
		json_t *r;
		char *q;

		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;  /* torn: the writer died mid-write */
		for (q = p; q < nl && isspace((unsigned char)*q); q++)
			;
		if (q == nl) {  /* a blank line, say from a hand edit */
			p = nl + 1;
			continue;
		}
		r = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &jerr);
		if (r == NULL) {
			gd_errf(err, errlen, "%s: line %zu: not valid JSON: %s", path, lineno, jerr.text);
			goto out;
		}
		why = record_problem(r);
		if (why != NULL) {
			gd_errf(err, errlen, "%s: line %zu: %s", path, lineno, why);
			json_decref(r);
			goto out;
		}
		json_array_append_new(*recs, r);
		p = nl + 1;
	}
	if (good_end != NULL)
		*good_end = (off_t)(p - b.data);
	if (torn != NULL)
		*torn = p < end;
	ret = 0;
out:
	if (ret != 0) {
		json_decref(*recs);
		*recs = NULL;
	}
	gd_buf_free(&b);
	return ret;
}

int
gd_journal_read(const char *path, json_t **recs, int *torn, char *err, size_t errlen)
{
	return read_records(path, recs, NULL, torn, err, errlen);
}

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

json_t *
gd_journal_open_intents(const json_t *recs)
{
	json_t *open = json_array(), *r, *in;
	size_t i, k;

	json_array_foreach(recs, i, r) {
		const char *type = str(r, "type");
		json_int_t seq = json_integer_value(json_object_get(r, "seq"));

		if (type == NULL)
			continue;
		if (strcmp(type, "intent") == 0) {
			json_array_append(open, r);
			continue;
		}
		if (strcmp(type, "reverted") != 0 || !json_is_true(json_object_get(r, "ok")))
			continue;
		for (k = json_array_size(open); k-- > 0;) {
			in = json_array_get(open, k);
			if (json_integer_value(json_object_get(in, "seq")) != seq)
				continue;
			/* with no check to run, a revert that exited 0 is all there is */
			if (json_is_true(json_object_get(r, "verified")) || str(in, "check") == NULL)
				json_array_remove(open, k);
			break;
		}
	}
	return open;
}

/* Recovery */

enum result { R_PENDING, R_REVERTED, R_FAILED, R_UNREACHABLE };

struct rhost {
	struct gd_host h;
	int dead;  /* unreachable: nothing more is tried on it in this call */
};

struct item {
	const json_t *intent;  /* borrowed from the open list */
	size_t pos;            /* in the journal, for a stable order */
	json_int_t seq;
	size_t host;           /* index into the hosts */
	const char *fault, *label, *revert, *disarm, *check;
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
	struct gd_ssh *ssh;
	char append_err[GD_ERRLEN];  /* the first record that could not be written */
};

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
	    same_str(a->known_hosts, b->known_hosts) && a->become == b->become;
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
	const char **cmds = gd_xcalloc(rc->nhosts, sizeof(*cmds));
	struct gd_ssh_result *hres = gd_xcalloc(rc->nhosts, sizeof(*hres));
	size_t k, any = 0;

	for (k = 0; k < n; k++) {
		ran[k] = 0;
		memset(&res[k], 0, sizeof(res[k]));
		if (it[k]->result != R_PENDING || rc->hosts[it[k]->host].dead)
			continue;
		cmds[it[k]->host] = pick(it[k]);
		any += cmds[it[k]->host] != NULL;
	}
	if (any > 0)
		gd_ssh_exec(rc->ssh, cmds, rc->nhosts, hres);
	for (k = 0; k < n; k++) {
		size_t h = it[k]->host;

		if (cmds[h] == NULL)
			continue;
		ran[k] = 1;
		res[k] = hres[h];  /* takes its buffers */
		memset(&hres[h], 0, sizeof(hres[h]));
		if (res[k].status == GD_SSH_UNREACHABLE)
			rc->hosts[h].dead = 1;
	}
	free(hres);
	free(cmds);
}

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

/* One round of items, at most one per host: revert, disarm, check. */
static void
run_round(struct recovery *rc, struct item **it, size_t n)
{
	struct gd_ssh_result *res = gd_xcalloc(n, sizeof(*res));
	int *ran = gd_xcalloc(n, sizeof(*ran));
	char why[GD_ERRLEN];
	size_t k;

	run_step(rc, it, n, pick_revert, res, ran);
	for (k = 0; k < n; k++) {
		struct item *x = it[k];

		if (!ran[k])
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

int
gd_recover_journal_report(const char *path, const struct gd_ssh_opts *o,
    struct gd_journal *held_by_me, FILE *log, int quiet, struct gd_recover_stats *st,
    json_t *results, char *err, size_t errlen)
{
	struct gd_recover_stats dummy;
	struct recovery rc;
	struct gd_journal *mine = NULL;
	struct item **round = NULL;
	json_t *recs = NULL, *open = NULL, *in;
	size_t i, k, nround, left = 0, reverted = 0, *rounds = NULL;
	char run[256];
	off_t good_end = 0;
	int torn = 0, live = 0, ret = -1;

	memset(&rc, 0, sizeof(rc));
	if (st == NULL)
		st = memset(&dummy, 0, sizeof(dummy));
	if (held_by_me == NULL) {
		live = gd_journal_open(path, &mine, err, errlen);
		if (live < 0)
			goto out;
	}
	/* read after locking: a dead run's journal no longer changes under us */
	if (read_records(path, &recs, &good_end, &torn, err, errlen) != 0)
		goto out;
	open = gd_journal_open_intents(recs);
	rc.run = run_id_of(path, recs, run, sizeof(run));
	if (live) {
		if (json_array_size(open) > 0 || !quiet)
			skipped_live(rc.run, open, recs, log, results);
		st->skipped_live += json_array_size(open);
		ret = 0;
		goto out;
	}
	if (json_array_size(open) == 0) {
		if (!quiet && log != NULL)
			fprintf(log, "run %s: nothing to do, no open intents\n", rc.run);
		ret = 0;
		goto out;
	}

	rc.path = path;
	rc.j = held_by_me != NULL ? held_by_me : mine;
	rc.by = held_by_me != NULL ? "run" : "recover";
	rc.log = log;
	st->journals++;
	if (torn && ftruncate(rc.j->fd, good_end) != 0) {  /* or our records would glue to it */
		gd_errf(err, errlen, "%s: cannot cut off its torn last line: %s", path, strerror(errno));
		goto out;
	}
	rc.nitems = json_array_size(open);
	rc.items = gd_xcalloc(rc.nitems, sizeof(*rc.items));
	json_array_foreach(open, i, in) {
		struct item *x = &rc.items[i];

		x->intent = in;
		x->pos = i;
		x->seq = json_integer_value(json_object_get(in, "seq"));
		x->host = intent_host(&rc, in);
		x->fault = str(in, "fault");
		x->label = str(in, "label");
		x->revert = str(in, "revert");
		x->disarm = str(in, "disarm");
		x->check = str(in, "check");
	}
	qsort(rc.items, rc.nitems, sizeof(*rc.items), newest_first);
	if (log != NULL) {
		fprintf(log, "run %s: %zu open intent%s on %zu host%s, reverting newest first%s\n", rc.run,
		    rc.nitems, rc.nitems == 1 ? "" : "s", rc.nhosts, rc.nhosts == 1 ? "" : "s",
		    torn ? " (its torn last line was cut off)" : "");
		fflush(log);
	}

	rc.ssh = gd_ssh_new(o);
	for (i = 0; i < rc.nhosts; i++)
		gd_ssh_add(rc.ssh, &rc.hosts[i].h);
	/* round r: each host's r-th newest open intent; hosts in a round go at once */
	rounds = gd_xcalloc(rc.nhosts, sizeof(*rounds));
	round = gd_xcalloc(rc.nhosts, sizeof(*round));
	for (;;) {
		nround = 0;
		memset(rounds, 0, rc.nhosts * sizeof(*rounds));
		for (i = 0; i < rc.nitems; i++) {
			struct item *x = &rc.items[i];

			if (x->result != R_PENDING || rounds[x->host])
				continue;
			rounds[x->host] = 1;
			round[nround++] = x;
		}
		if (nround == 0)
			break;
		run_round(&rc, round, nround);
		for (k = 0; k < nround; k++)
			report(&rc, round[k], results);
	}

	for (i = 0; i < rc.nitems; i++) {
		switch (rc.items[i].result) {
		case R_REVERTED: st->reverted++; reverted++; break;
		case R_FAILED: st->failed++; left++; break;
		default: st->unreachable++; left++; break;
		}
	}
	if (left == 0 && reverted > 0) {
		json_t *rec = json_object();

		json_object_set_new(rec, "type", json_string("recovered"));
		json_object_set_new(rec, "by", json_string(rc.by));
		append(&rc, rec);
	}
	if (log != NULL) {
		if (left == 0)
			fprintf(log, "run %s: recovered, nothing left open\n", rc.run);
		else
			fprintf(log, "run %s: %zu of %zu intents still open; see above, then run gameday recover again\n",
			    rc.run, left, rc.nitems);
		fflush(log);
	}
	if (rc.append_err[0] != '\0') {
		gd_errf(err, errlen, "%s", rc.append_err);
		goto out;
	}
	ret = left > 0;
out:
	gd_ssh_free(rc.ssh);
	for (i = 0; i < rc.nhosts; i++) {
		free(rc.hosts[i].h.name);
		free(rc.hosts[i].h.addr);
		free(rc.hosts[i].h.user);
		free(rc.hosts[i].h.key_file);
		free(rc.hosts[i].h.known_hosts);
	}
	free(rc.hosts);
	free(rc.items);
	free(rounds);
	free(round);
	json_decref(open);
	json_decref(recs);
	gd_journal_close(mine);
	return ret;
}

int
gd_recover_journal(const char *path, const struct gd_ssh_opts *o, struct gd_journal *held_by_me,
    FILE *log, char *err, size_t errlen)
{
	return gd_recover_journal_report(path, o, held_by_me, log, 0, NULL, NULL, err, errlen);
}
