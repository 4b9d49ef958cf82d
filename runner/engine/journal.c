/* journal.c: the run journal, JSON Lines with one write() and one fsync()
 * per record, and reading it back (recover.c reverts what it left open).
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
		    !opt_string(h, "known_hosts") || !opt_string(h, "become_user"))
			return "intent whose host has a name, user, key_file, known_hosts or become_user that is not a string";
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

int
gd_journal_read_whole(const char *path, json_t **recs, off_t *good_end, int *torn, char *err,
    size_t errlen)
{
	return read_records(path, recs, good_end, torn, err, errlen);
}

int
gd_journal_truncate(struct gd_journal *j, off_t len, char *err, size_t errlen)
{
	if (ftruncate(j->fd, len) != 0)
		return gd_errf(err, errlen, "%s: cannot cut off its torn last line: %s", j->path,
		    strerror(errno));
	return 0;
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
