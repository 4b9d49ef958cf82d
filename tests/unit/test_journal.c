/* test_journal.c: the run journal: records, locks, torn lines, open intents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal.h"
#include "recover.h"

/* Every test gets a fresh state dir, removed after. */
struct fx {
	char dir[64];
	char *runs;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/gd-journal-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->runs = gd_xasprintf("%s/runs", f->dir);
	*state = f;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f->runs);
	free(f);
	return 0;
}

#define assert_ok(call, err) do { \
	if ((call) != 0) \
		fail_msg("%s failed: %s", #call, err); \
} while (0)

static json_t *
parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (j == NULL)
		fail_msg("bad test JSON: %s: %s", e.text, text);
	return j;
}

static void
append_text(struct gd_journal *j, const char *text)
{
	char err[GD_ERRLEN];
	json_t *r = parse(text);

	assert_ok(gd_journal_append(j, r, err, sizeof(err)), err);
	json_decref(r);
}

static char *
slurp(const char *path, size_t *len)
{
	struct gd_buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	gd_buf_add(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		gd_buf_add(&b, chunk, n);
	fclose(fp);
	if (len != NULL)
		*len = b.len;
	return b.data;
}

static void
spit(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static const char *RUN =
	"{\"type\":\"run\",\"run\":\"r1\",\"scenario\":\"db-latency\",\"file\":\"s.lua\",\"pid\":4242,\"runner\":\"box\"}";
#define HOST "{\"name\":\"lab1\",\"addr\":\"10.231.0.2\",\"port\":22,\"user\":\"root\"," \
	"\"key_file\":null,\"known_hosts\":null,\"become\":false}"
#define INTENT(seq, check) "{\"type\":\"intent\",\"seq\":" #seq ",\"host\":" HOST "," \
	"\"fault\":\"disk_fill\",\"label\":\"fill /srv\",\"inject\":\"touch /srv/f\"," \
	"\"revert\":\"rm -f /srv/f\",\"check\":" check ",\"disarm\":null}"

static void
test_round_trip(void **state)
{
	struct fx *f = *state;
	struct gd_journal *j;
	char err[GD_ERRLEN], *path;
	json_t *recs, *r;
	struct stat st;
	int torn = -1;

	assert_ok(gd_journal_create(f->dir, "r1", &j, err, sizeof(err)), err);
	path = gd_xasprintf("%s/r1.jsonl", f->runs);
	assert_string_equal(gd_journal_path(j), path);
	append_text(j, RUN);
	append_text(j, INTENT(1, "\"test -e /srv/f\""));
	append_text(j, "{\"type\":\"injected\",\"seq\":1,\"ok\":true,\"exit\":0,\"error\":null,\"ts\":7}");
	gd_journal_close(j);

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(f->runs, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	assert_ok(gd_journal_read(path, &recs, &torn, err, sizeof(err)), err);
	assert_int_equal(torn, 0);
	assert_int_equal(json_array_size(recs), 3);
	r = json_array_get(recs, 0);
	assert_string_equal(json_string_value(json_object_get(r, "type")), "run");
	assert_int_equal(json_integer_value(json_object_get(r, "pid")), 4242);
	r = json_array_get(recs, 1);
	assert_string_equal(json_string_value(json_object_get(r, "revert")), "rm -f /srv/f");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "host"), "addr")),
	    "10.231.0.2");
	r = json_array_get(recs, 2);
	/* ts is ours, unix ms, whatever the caller put */
	assert_true(json_integer_value(json_object_get(r, "ts")) > 1600000000000LL);
	json_decref(recs);

	/* compact, one record a line, "type" first */
	{
		char *text = slurp(path, NULL);

		assert_int_equal(count_lines(text), 3);
		assert_int_equal(strncmp(text, "{\"type\":\"run\",\"ts\":", 19), 0);
		assert_null(strstr(text, ", "));
		free(text);
	}
	free(path);
}

static void
test_records_are_whole_lines(void **state)
{
	struct fx *f = *state;
	struct gd_journal *j;
	char err[GD_ERRLEN], *text;
	size_t i, len;

	assert_ok(gd_journal_create(f->dir, "lines", &j, err, sizeof(err)), err);
	for (i = 1; i <= 20; i++) {
		/* a string with a newline stays one line: JSON escapes it */
		append_text(j, "{\"type\":\"note\",\"text\":\"two\\nlines \\u00e9\"}");
		text = slurp(gd_journal_path(j), &len);
		assert_true(len > 0);
		assert_int_equal(text[len - 1], '\n');
		assert_int_equal(count_lines(text), i);
		free(text);
	}
	gd_journal_close(j);
}

/* Runs a child that appends 3 records under hook=value; returns the path. */
static char *
killed_child(struct fx *f, const char *id, const char *hook, const char *value)
{
	char err[GD_ERRLEN];
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct gd_journal *j;

		setenv(hook, value, 1);
		if (gd_journal_create(f->dir, id, &j, err, sizeof(err)) != 0)
			_exit(3);
		append_text(j, RUN);
		append_text(j, INTENT(1, "null"));
		append_text(j, "{\"type\":\"injected\",\"seq\":1,\"ok\":true}");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	return gd_xasprintf("%s/%s.jsonl", f->runs, id);
}

static void
test_kill_hooks(void **state)
{
	struct fx *f = *state;
	struct gd_journal *j;
	char err[GD_ERRLEN], *path, *text;
	json_t *recs;
	int torn;

	path = killed_child(f, "after2", "GAMEDAY_KILL_AFTER", "2");
	text = slurp(path, NULL);
	assert_int_equal(count_lines(text), 2);
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
	/* the dead run's lock went with it */
	assert_int_equal(gd_journal_open(path, &j, err, sizeof(err)), 0);
	gd_journal_close(j);
	free(path);

	path = killed_child(f, "before2", "GAMEDAY_KILL_BEFORE", "2");
	text = slurp(path, NULL);
	assert_int_equal(count_lines(text), 1);
	free(text);
	free(path);

	path = killed_child(f, "torn2", "GAMEDAY_KILL_TORN", "2");
	assert_ok(gd_journal_read(path, &recs, &torn, err, sizeof(err)), err);
	assert_int_equal(json_array_size(recs), 1);
	assert_int_equal(torn, 1);
	json_decref(recs);
	free(path);
}

static void
test_exclusive_create(void **state)
{
	struct fx *f = *state;
	struct gd_journal *j, *j2 = NULL;
	char err[GD_ERRLEN];

	assert_ok(gd_journal_create(f->dir, "same", &j, err, sizeof(err)), err);
	append_text(j, RUN);
	/* while open */
	assert_int_equal(gd_journal_create(f->dir, "same", &j2, err, sizeof(err)), -1);
	assert_null(j2);
	assert_non_null(strstr(err, "already exists"));
	assert_non_null(strstr(err, "same.jsonl"));
	gd_journal_close(j);
	/* and after: a run id is never reused */
	assert_int_equal(gd_journal_create(f->dir, "same", &j2, err, sizeof(err)), -1);
	assert_null(j2);

	/* run ids are file names */
	assert_int_equal(gd_journal_create(f->dir, "../evil", &j2, err, sizeof(err)), -1);
	assert_int_equal(gd_journal_create(f->dir, "", &j2, err, sizeof(err)), -1);
	assert_int_equal(gd_journal_create(f->dir, ".hidden", &j2, err, sizeof(err)), -1);
}

static void
test_live_lock(void **state)
{
	struct fx *f = *state;
	struct gd_journal *j, *other = NULL;
	struct gd_ssh_opts o;
	char err[GD_ERRLEN], *buf = NULL, *before, *after, *path;
	size_t len;
	FILE *log;

	gd_ssh_opts_default(&o);
	assert_ok(gd_journal_create(f->dir, "live", &j, err, sizeof(err)), err);
	append_text(j, RUN);
	append_text(j, INTENT(1, "null"));

	/* another open, even in this process, sees a live run */
	assert_int_equal(gd_journal_open(gd_journal_path(j), &other, err, sizeof(err)), 1);
	assert_null(other);

	before = slurp(gd_journal_path(j), NULL);
	log = open_memstream(&buf, &len);
	assert_non_null(log);
	assert_int_equal(gd_recover_journal(gd_journal_path(j), &o, NULL, log, err, sizeof(err)), 0);
	fclose(log);
	assert_non_null(strstr(buf, "run r1 is still running (pid 4242)"));
	free(buf);
	after = slurp(gd_journal_path(j), NULL);
	assert_string_equal(before, after);  /* nothing appended */
	free(before);
	free(after);

	gd_journal_close(j);
	path = gd_xasprintf("%s/live.jsonl", f->runs);
	assert_int_equal(gd_journal_open(path, &other, err, sizeof(err)), 0);
	gd_journal_close(other);
	free(path);

	assert_int_equal(gd_journal_open("/nonexistent/x.jsonl", &other, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no journal at /nonexistent/x.jsonl"));
}

static void
test_nothing_open(void **state)
{
	struct fx *f = *state;
	struct gd_ssh_opts o;
	char err[GD_ERRLEN], *buf = NULL, *path, *before, *after;
	size_t len;
	FILE *log;

	gd_ssh_opts_default(&o);
	assert_int_equal(mkdir(f->runs, 0700), 0);
	path = gd_xasprintf("%s/done.jsonl", f->runs);
	spit(path, "{\"type\":\"run\",\"run\":\"done\",\"pid\":1}\n"
	    INTENT(1, "\"test -e /srv/f\"") "\n"
	    "{\"type\":\"reverted\",\"seq\":1,\"ok\":true,\"verified\":true,\"by\":\"run\"}\n"
	    "{\"type\":\"end\",\"verdict\":\"pass\"}\n");
	before = slurp(path, NULL);
	log = open_memstream(&buf, &len);
	assert_int_equal(gd_recover_journal(path, &o, NULL, log, err, sizeof(err)), 0);
	fclose(log);
	assert_non_null(strstr(buf, "run done: nothing to do"));
	after = slurp(path, NULL);
	assert_string_equal(before, after);
	free(buf);
	free(before);
	free(after);

	/* an empty journal: killed between create and its first record */
	spit(path, "");
	log = open_memstream(&buf, &len);
	assert_int_equal(gd_recover_journal(path, &o, NULL, log, err, sizeof(err)), 0);
	fclose(log);
	assert_non_null(strstr(buf, "run done: nothing to do"));
	free(buf);
	free(path);
}

static void
test_torn_last_line(void **state)
{
	struct fx *f = *state;
	char err[GD_ERRLEN], *path;
	json_t *recs, *open;
	int torn = 0;

	assert_int_equal(mkdir(f->runs, 0700), 0);
	path = gd_xasprintf("%s/torn.jsonl", f->runs);
	spit(path, "{\"type\":\"run\",\"run\":\"torn\"}\n"
	    INTENT(1, "null") "\n"
	    "{\"type\":\"reverted\",\"seq\":1,\"ok\":tr");
	assert_ok(gd_journal_read(path, &recs, &torn, err, sizeof(err)), err);
	assert_int_equal(torn, 1);
	assert_int_equal(json_array_size(recs), 2);
	open = gd_journal_open_intents(recs);
	assert_int_equal(json_array_size(open), 1);  /* the torn revert did not count */
	json_decref(open);
	json_decref(recs);

	/* a torn line that happens to be valid JSON still lacks its newline */
	spit(path, "{\"type\":\"run\",\"run\":\"torn\"}\n{\"type\":\"end\"}");
	assert_ok(gd_journal_read(path, &recs, &torn, err, sizeof(err)), err);
	assert_int_equal(torn, 1);
	assert_int_equal(json_array_size(recs), 1);
	json_decref(recs);

	/* blank lines are passed over, not errors */
	spit(path, "{\"type\":\"run\",\"run\":\"torn\"}\n\n{\"type\":\"end\"}\n");
	assert_ok(gd_journal_read(path, &recs, &torn, err, sizeof(err)), err);
	assert_int_equal(torn, 0);
	assert_int_equal(json_array_size(recs), 2);
	json_decref(recs);
	free(path);
}

static void
test_corrupt_middle_line(void **state)
{
	struct fx *f = *state;
	char err[GD_ERRLEN], want[256], *path;
	json_t *recs = (json_t *)1;
	struct gd_ssh_opts o;

	gd_ssh_opts_default(&o);
	assert_int_equal(mkdir(f->runs, 0700), 0);
	path = gd_xasprintf("%s/bad.jsonl", f->runs);
	spit(path, "{\"type\":\"run\",\"run\":\"bad\"}\n"
	    INTENT(1, "null") "\n"
	    "{\"type\":\"injected\",\"se\n"
	    "{\"type\":\"end\"}\n");
	assert_int_equal(gd_journal_read(path, &recs, NULL, err, sizeof(err)), -1);
	assert_null(recs);
	snprintf(want, sizeof(want), "%s: line 3: not valid JSON", path);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
	/* recover says the same and does nothing */
	assert_int_equal(gd_recover_journal(path, &o, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, want));

	/* valid JSON that is not a valid record */
	spit(path, "{\"type\":\"run\",\"run\":\"bad\"}\n"
	    "{\"type\":\"intent\",\"seq\":1,\"host\":{\"name\":\"x\"},\"revert\":\"true\"}\n");
	assert_int_equal(gd_journal_read(path, &recs, NULL, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: line 2: intent whose host has no \"addr\"", path);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
	spit(path, "[1,2]\n{\"type\":\"end\"}\n");
	assert_int_equal(gd_journal_read(path, &recs, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 1: not a JSON object"));
	free(path);
}

/* The seqs of the open intents of journal text, as "1,3". */
static void
assert_open(struct fx *f, const char *text, const char *want)
{
	char err[GD_ERRLEN], got[256] = "", *path;
	json_t *recs, *open, *r;
	size_t i;

	mkdir(f->runs, 0700);
	path = gd_xasprintf("%s/open.jsonl", f->runs);
	spit(path, text);
	assert_ok(gd_journal_read(path, &recs, NULL, err, sizeof(err)), err);
	open = gd_journal_open_intents(recs);
	json_array_foreach(open, i, r)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%lld", i ? "," : "",
		    (long long)json_integer_value(json_object_get(r, "seq")));
	if (strcmp(got, want) != 0)
		fail_msg("open intents: got '%s', want '%s' for:\n%s", got, want, text);
	json_decref(open);
	json_decref(recs);
	free(path);
}

#define R "{\"type\":\"run\",\"run\":\"o\"}\n"
#define CHECK "\"test -e /srv/f\""
#define INJ(seq, ok) "{\"type\":\"injected\",\"seq\":" #seq ",\"ok\":" #ok "}\n"
#define REV(seq, ok, ver) "{\"type\":\"reverted\",\"seq\":" #seq ",\"ok\":" #ok ",\"verified\":" #ver \
	",\"by\":\"run\"}\n"

static void
test_open_intents(void **state)
{
	struct fx *f = *state;

	assert_open(f, R, "");
	/* not injected yet: the runner may have died right after the intent */
	assert_open(f, R INTENT(1, CHECK) "\n", "1");
	assert_open(f, R INTENT(1, CHECK) "\n" INJ(1, true), "1");
	/* a failed inject may be half applied */
	assert_open(f, R INTENT(1, CHECK) "\n" INJ(1, false), "1");
	assert_open(f, R INTENT(1, CHECK) "\n" INJ(1, true) REV(1, true, true), "");
	assert_open(f, R INTENT(1, CHECK) "\n" INJ(1, true) REV(1, false, false), "1");
	/* the revert ran, the check says the fault is still there */
	assert_open(f, R INTENT(1, CHECK) "\n" INJ(1, true) REV(1, true, false), "1");
	/* without a check, a revert that exited 0 closes it */
	assert_open(f, R INTENT(1, "null") "\n" INJ(1, true) REV(1, true, false), "");
	/* a failed recover, then a good one */
	assert_open(f, R INTENT(1, CHECK) "\n" REV(1, false, false) REV(1, true, true), "");
	/* a revert of another seq closes nothing */
	assert_open(f, R INTENT(1, CHECK) "\n" REV(2, true, true), "1");
	/* several */
	assert_open(f, R INTENT(1, CHECK) "\n" INJ(1, true)
	    INTENT(2, CHECK) "\n" INJ(2, true)
	    INTENT(3, "null") "\n" INJ(3, false)
	    INTENT(4, CHECK) "\n"
	    REV(2, true, true) REV(3, true, false) REV(1, true, false), "1,4");
	/* after the end record, what was never reverted is still open */
	assert_open(f, R INTENT(1, CHECK) "\n" INJ(1, true) "{\"type\":\"end\",\"verdict\":\"aborted\"}\n", "1");
}

static void
test_state_dir(void **state)
{
	char *s, *old_xdg = getenv("XDG_STATE_HOME"), *old_home = getenv("HOME");

	(void)state;
	old_xdg = old_xdg ? gd_xstrdup(old_xdg) : NULL;
	old_home = old_home ? gd_xstrdup(old_home) : NULL;
	s = gd_state_dir("/x/y");
	assert_string_equal(s, "/x/y");
	free(s);
	setenv("XDG_STATE_HOME", "/xdg", 1);
	s = gd_state_dir(NULL);
	assert_string_equal(s, "/xdg/gameday");
	free(s);
	setenv("XDG_STATE_HOME", "relative", 1);  /* ignored, as the spec says */
	setenv("HOME", "/home/u", 1);
	s = gd_state_dir(NULL);
	assert_string_equal(s, "/home/u/.local/state/gameday");
	free(s);
	unsetenv("XDG_STATE_HOME");
	s = gd_state_dir(NULL);
	assert_string_equal(s, "/home/u/.local/state/gameday");
	free(s);
	if (old_xdg != NULL)
		setenv("XDG_STATE_HOME", old_xdg, 1);
	if (old_home != NULL)
		setenv("HOME", old_home, 1);
	free(old_xdg);
	free(old_home);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_are_whole_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exclusive_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_last_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_middle_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_intents, setup, teardown),
		cmocka_unit_test(test_state_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
