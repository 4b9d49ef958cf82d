/* test_docs.c: the one doc-repo writer on real git repositories (libgit2
 * writing, the git command checking): an unborn branch, the user's staged
 * and unrelated work kept, a dirty path refused with nothing written, a name
 * taken by an untracked file, a detached HEAD and a bare repo refused or
 * committed to --branch, a failure after writing undone, a held lock, a push
 * to a bare remote with another writer pushing in between (rebuilt, the
 * taken name renamed, links rewritten), a failed push kept for
 * gameday docs push, and a user's own unpushed commit left alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "docs.h"
#include "gd.h"

static char top[64];

static char *
sh(const char *fmt, ...)
{
	char cmd[2048], chunk[4096];
	struct gd_buf b = { 0 };
	va_list ap;
	FILE *p;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		gd_buf_add(&b, chunk, n);
	pclose(p);
	gd_buf_adds(&b, "");
	return b.data;
}

static void
run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static int
lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* a change like a report's: DIR/BASE.md (linking BASE.json), BASE.json, a row */
static struct gd_docs_change *
report(const char *base, const char *what)
{
	struct gd_docs_change *c = gd_docs_change_new(base, what);
	char path[256], text[512];

	snprintf(path, sizeof(path), "ha-tests/%s.md", base);
	snprintf(text, sizeof(text), "# %s\n\n[json](%s.json) ![t](%s.svg)\n", what, base, base);
	gd_docs_change_file(c, path, text, strlen(text));
	snprintf(path, sizeof(path), "ha-tests/%s.json", base);
	snprintf(text, sizeof(text), "{\"what\": \"%s\"}\n", what);
	gd_docs_change_file(c, path, text, strlen(text));
	snprintf(text, sizeof(text), "| %s | [report](%s.md) |\n", what, base);
	gd_docs_change_row(c, "ha-tests/README.md", "# HA tests\n\n| What | Report |\n|---|---|\n", text);
	return c;
}

static int
file(const char *o, const char *base, const char *what, char *err, size_t errlen)
{
	struct gd_docs_opts opts = { .docs = o, .quiet = 1 };
	struct gd_docs_change *c = report(base, what);
	int rc = gd_docs_write(&opts, c, NULL, err, errlen);

	gd_docs_change_free(c);
	return rc;
}

static void
repo(const char *name)
{
	run("cd %s && git init -q -b main %s && git -C %s config user.name T && git -C %s config user.email t@e",
	    top, name, name, name);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/gd-docs-XXXXXX");
	assert_non_null(mkdtemp(top));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	run("rm -rf %s", top);
	return 0;
}

static void
test_first_commit_and_user_work(void **state)
{
	char d[128], err[GD_ERRLEN], *s;

	(void)state;
	repo("a");
	snprintf(d, sizeof(d), "%s/a", top);
	/* an unborn branch: the first commit */
	assert_int_equal(file(d, "2026-01-02-x", "one", err, sizeof(err)), 0);
	run("cd %s && echo mine >notes.md && echo staged >staged.md && git add staged.md", d);
	assert_int_equal(file(d, "2026-01-02-y", "two", err, sizeof(err)), 0);
	s = sh("git -C %s status --porcelain", d);
	/* the user's staged file is still staged, their new file untouched, nothing of ours */
	assert_string_equal(s, "A  staged.md\n?? notes.md\n");
	free(s);
	s = sh("git -C %s log --format=%%s", d);
	assert_string_equal(s, "two\none\n");
	free(s);
	s = sh("git -C %s show --format= --name-only HEAD", d);
	assert_null(strstr(s, "staged.md"));
	free(s);
	s = sh("cat %s/ha-tests/README.md", d);
	assert_true(strstr(s, "| two |") < strstr(s, "| one |"));
	free(s);
	/* the commit carries what a rebuild needs */
	s = sh("git -C %s log -1 --format=%%B", d);
	assert_non_null(strstr(s, "Gameday-Base: 2026-01-02-y\nGameday-Index: ha-tests/README.md\n"));
	free(s);
}

static void
test_refused_and_renamed(void **state)
{
	char d[128], err[GD_ERRLEN], *s, *before;

	(void)state;
	repo("b");
	snprintf(d, sizeof(d), "%s/b", top);
	assert_int_equal(file(d, "2026-01-02-x", "one", err, sizeof(err)), 0);
	/* the user's edit of the index: refused, naming it, nothing written or staged */
	run("echo '| my row |' >>%s/ha-tests/README.md", d);
	before = sh("cd %s && ls -R && git status --porcelain && git diff", d);
	assert_int_equal(file(d, "2026-01-03-x", "two", err, sizeof(err)), GD_DOCS_REFUSED);
	assert_non_null(strstr(err, "ha-tests/README.md has uncommitted changes"));
	s = sh("cd %s && ls -R && git status --porcelain && git diff", d);
	assert_string_equal(s, before);
	free(s);
	free(before);
	run("git -C %s checkout -q ha-tests/README.md", d);
	/* an untracked file where the report would go: the report takes BASE-2 */
	run("echo 'my draft' >%s/ha-tests/2026-01-03-x.md", d);
	assert_int_equal(file(d, "2026-01-03-x", "two", err, sizeof(err)), 0);
	s = sh("cat %s/ha-tests/2026-01-03-x.md", d);
	assert_string_equal(s, "my draft\n");
	free(s);
	s = sh("cat %s/ha-tests/2026-01-03-x-2.md", d);
	assert_non_null(strstr(s, "[json](2026-01-03-x-2.json) ![t](2026-01-03-x-2.svg)"));
	free(s);
	s = sh("grep -c 'report](2026-01-03-x-2.md)' %s/ha-tests/README.md", d);
	assert_string_equal(s, "1\n");
	free(s);
	s = sh("git -C %s status --porcelain", d);
	assert_string_equal(s, "?? ha-tests/2026-01-03-x.md\n");
	free(s);
}

static void
test_detached_bare_branch(void **state)
{
	struct gd_docs_opts o = { .quiet = 1 };
	struct gd_docs_change *c;
	char d[128], b[128], err[GD_ERRLEN], *s;

	(void)state;
	repo("c");
	snprintf(d, sizeof(d), "%s/c", top);
	assert_int_equal(file(d, "2026-01-02-x", "one", err, sizeof(err)), 0);
	run("git -C %s checkout -q --detach", d);
	assert_int_equal(file(d, "2026-01-02-y", "two", err, sizeof(err)), GD_DOCS_ERROR);
	assert_non_null(strstr(err, "HEAD is detached"));
	assert_non_null(strstr(err, "--branch"));
	/* --branch: a new branch from where HEAD is; the work tree is not its, so untouched */
	o.docs = d;
	o.branch = "reports";
	c = report("2026-01-02-y", "two");
	assert_int_equal(gd_docs_write(&o, c, NULL, err, sizeof(err)), 0);
	gd_docs_change_free(c);
	s = sh("git -C %s log --format=%%s reports", d);
	assert_string_equal(s, "two\none\n");
	free(s);
	s = sh("git -C %s status --porcelain; ls %s/ha-tests", d, d);
	assert_string_equal(s, "2026-01-02-x.json\n2026-01-02-x.md\nREADME.md\n");
	free(s);
	/* a bare repo: refused without --branch, committed with it */
	run("git clone -q --bare %s %s/c.git", d, top);
	snprintf(b, sizeof(b), "%s/c.git", top);
	assert_int_equal(file(b, "2026-01-02-z", "three", err, sizeof(err)), GD_DOCS_ERROR);
	assert_non_null(strstr(err, "is a bare repository"));
	o.docs = b;
	o.branch = "main";
	c = report("2026-01-02-z", "three");
	assert_int_equal(gd_docs_write(&o, c, NULL, err, sizeof(err)), 0);
	gd_docs_change_free(c);
	s = sh("git -C %s log --format=%%s main", b);
	assert_string_equal(s, "three\none\n");
	free(s);
	o.branch = "no..good";
	c = report("2026-01-02-q", "four");
	assert_int_equal(gd_docs_write(&o, c, NULL, err, sizeof(err)), GD_DOCS_ERROR);
	assert_non_null(strstr(err, "not a branch name"));
	gd_docs_change_free(c);
}

static void
test_undone_on_failure(void **state)
{
	char d[128], err[GD_ERRLEN], *s, *before;

	(void)state;
	repo("e");
	snprintf(d, sizeof(d), "%s/e", top);
	assert_int_equal(file(d, "2026-01-02-x", "one", err, sizeof(err)), 0);
	/* git's own index lock held (a user's git running): the index cannot be
	 * written after the files and the branch were, so all of it is undone */
	run("touch %s/.git/index.lock", d);
	before = sh("cd %s && ls -R && git rev-parse HEAD && cat ha-tests/README.md", d);
	assert_int_equal(file(d, "2026-01-03-y", "two", err, sizeof(err)), GD_DOCS_ERROR);
	assert_non_null(strstr(err, "index"));
	s = sh("cd %s && ls -R && git rev-parse HEAD && cat ha-tests/README.md", d);
	assert_string_equal(s, before);
	free(s);
	free(before);
	run("rm %s/.git/index.lock", d);
	s = sh("git -C %s status --porcelain", d);
	assert_string_equal(s, "");
	free(s);
}

static void
test_lock_held(void **state)
{
	struct gd_docs_opts o = { .lock_wait_ms = 300, .quiet = 1 };
	struct gd_docs_change *c;
	char d[128], lock[192], err[GD_ERRLEN];
	int fd, p[2];
	pid_t pid;
	char ch;

	(void)state;
	repo("f");
	snprintf(d, sizeof(d), "%s/f", top);
	snprintf(lock, sizeof(lock), "%s/.git/gameday-docs.lock", d);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {   /* another writer holding the lock */
		fd = open(lock, O_RDWR | O_CREAT, 0644);
		if (fd < 0 || flock(fd, LOCK_EX) != 0)
			_exit(1);
		dprintf(fd, "%ld\n", (long)getpid());
		(void)!write(p[1], "x", 1);
		sleep(3);
		_exit(0);
	}
	assert_int_equal(read(p[0], &ch, 1), 1);
	o.docs = d;
	c = report("2026-01-02-x", "one");
	assert_int_equal(gd_docs_write(&o, c, NULL, err, sizeof(err)), GD_DOCS_ERROR);
	assert_non_null(strstr(err, "held by another gameday writer"));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* the holder gone, its lock goes with it */
	assert_int_equal(gd_docs_write(&o, c, NULL, err, sizeof(err)), 0);
	gd_docs_change_free(c);
	close(p[0]);
	close(p[1]);
}

static void
test_push_rebuild(void **state)
{
	char o[128], a[128], b[128], err[GD_ERRLEN], *s;
	struct gd_docs_opts opts = { .quiet = 1 };
	size_t n;

	(void)state;
	snprintf(o, sizeof(o), "%s/origin.git", top);
	snprintf(a, sizeof(a), "%s/pa", top);
	snprintf(b, sizeof(b), "%s/pb", top);
	run("git init -q --bare -b main %s && git clone -q file://%s %s 2>/dev/null && git clone -q %s %s 2>/dev/null",
	    o, o, a, o, b);
	run("for r in %s %s; do git -C $r config user.name T; git -C $r config user.email t@e; done", a, b);
	assert_int_equal(file(a, "2026-01-02-x", "one", err, sizeof(err)), 0);
	s = sh("git -C %s log --format=%%s main", o);
	assert_string_equal(s, "one\n");
	free(s);
	/* b has not fetched: its push is refused as not a fast-forward, so its
	 * report is rebuilt on the remote's tip, its taken name renamed */
	assert_int_equal(file(b, "2026-01-02-x", "two", err, sizeof(err)), 0);
	s = sh("git -C %s log --format=%%s main", o);
	assert_string_equal(s, "two\none\n");
	free(s);
	s = sh("git -C %s show main:ha-tests/README.md", o);
	assert_non_null(strstr(s, "| two | [report](2026-01-02-x-2.md) |\n| one | [report](2026-01-02-x.md) |\n"));
	free(s);
	s = sh("git -C %s show main:ha-tests/2026-01-02-x-2.md", o);
	assert_non_null(strstr(s, "[json](2026-01-02-x-2.json)"));
	free(s);
	/* b's work tree followed: a's report is there too, nothing left over */
	s = sh("git -C %s status --porcelain; git -C %s rev-parse main origin/main | uniq | wc -l; cat %s/ha-tests/2026-01-02-x.md",
	    b, b, b);
	assert_string_equal(s, "1\n# one\n\n[json](2026-01-02-x.json) ![t](2026-01-02-x.svg)\n");
	free(s);
	/* never forced: the remote's history only grew */
	s = sh("git -C %s rev-list --count main", o);
	assert_string_equal(s, "2\n");
	free(s);

	/* a push that fails keeps the commit, and says how to push it later */
	run("git -C %s remote set-url origin %s/nowhere.git", a, top);
	assert_int_equal(file(a, "2026-01-05-z", "three", err, sizeof(err)), GD_DOCS_UNPUSHED);
	assert_non_null(strstr(err, "gameday docs push --docs"));
	s = sh("git -C %s log -1 --format=%%s", a);
	assert_string_equal(s, "three\n");
	free(s);
	run("git -C %s remote set-url origin file://%s", a, o);
	opts.docs = a;
	if (gd_docs_push(&opts, &n, err, sizeof(err)) != 0)
		fail_msg("docs push: %s", err);
	assert_true(n >= 1);
	s = sh("git -C %s log --format=%%s main", o);
	assert_string_equal(s, "three\ntwo\none\n");
	free(s);
	assert_int_equal(gd_docs_push(&opts, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);

	/* a user's own commit, unpushed, while the remote moved on: not rebuilt */
	assert_int_equal(file(b, "2026-01-06-w", "four", err, sizeof(err)), 0);
	run("cd %s && echo x >mine.md && git add mine.md && git commit -q -m 'my own'", a);
	assert_int_equal(file(a, "2026-01-07-v", "five", err, sizeof(err)), GD_DOCS_UNPUSHED);
	assert_non_null(strstr(err, "my own"));
	s = sh("git -C %s log --format=%%s main", o);
	assert_string_equal(s, "four\nthree\ntwo\none\n");
	free(s);
	assert_int_equal(lines(s = sh("git -C %s status --porcelain", a)), 0);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_commit_and_user_work),
		cmocka_unit_test(test_refused_and_renamed),
		cmocka_unit_test(test_detached_bare_branch),
		cmocka_unit_test(test_undone_on_failure),
		cmocka_unit_test(test_lock_held),
		cmocka_unit_test(test_push_rebuild),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
