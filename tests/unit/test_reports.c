/* test_reports.c: the reports of fixture results: Markdown against golden
 * files (GD_UPDATE_GOLDEN=1 rewrites them), SVG/JUnit/metrics checked by
 * xmllint, rsvg-convert and promtool, and commits into a real git repo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <git2.h>

#include "report.h"

#define FIX "tests/unit/fixtures/reports/"

static json_t *
load(const char *name)
{
	char path[256];
	json_t *j;

	snprintf(path, sizeof(path), FIX "%s.json", name);
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	return j;
}

static char *
slurp(const char *path)
{
	struct gd_buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return NULL;
	gd_buf_adds(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		gd_buf_add(&b, chunk, n);
	fclose(f);
	return b.data;
}

static int
have(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	if (system(cmd) == 0)
		return 1;
	fprintf(stderr, "skipped: %s is not installed (make deps)\n", tool);
	return 0;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

static void
golden(const char *name)
{
	char path[256], err[GD_ERRLEN], *want;
	struct gd_buf md = { 0 };
	json_t *res = load(name);

	assert_int_equal(gd_report_markdown(res, "timeline", &md, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), FIX "%s.md", name);
	if (getenv("GD_UPDATE_GOLDEN") != NULL)
		assert_int_equal(gd_write_atomic(path, md.data, md.len, 0644, err, sizeof(err)), 0);
	want = slurp(path);
	assert_non_null(want);
	assert_string_equal(md.data, want);

	/* structure: every section, one table row per timeline event */
	assert_non_null(strstr(md.data, "## Summary\n"));
	assert_non_null(strstr(md.data, "## Hypothesis\n"));
	assert_non_null(strstr(md.data, "## Hosts and faults\n"));
	assert_non_null(strstr(md.data, "## Time to detect, mitigate and resolve\n"));
	assert_non_null(strstr(md.data, "## Probes before and after\n"));
	assert_non_null(strstr(md.data, "## Reverts verified\n"));
	assert_non_null(strstr(md.data, "## Findings\n"));
	assert_non_null(strstr(md.data, "## Corrective actions\n"));
	assert_non_null(strstr(md.data, "![timeline](timeline.svg)"));
	{
		const char *t = strstr(md.data, "|---:|---|---|---|---|\n"), *end;
		int rows = 0;

		assert_non_null(t);
		t = strchr(t, '\n') + 1;
		end = strstr(t, "\n\n");
		for (; t < end; t = strchr(t, '\n') + 1)
			rows++;
		assert_int_equal(rows, (int)json_array_size(json_object_get(res, "timeline")));
	}
	free(want);
	gd_buf_free(&md);
	json_decref(res);
}

static void
test_md_pass(void **state)
{
	(void)state;
	golden("pass");
}

static void
test_md_fail(void **state)
{
	char err[GD_ERRLEN];
	struct gd_buf md = { 0 };
	json_t *res;

	(void)state;
	golden("fail");
	res = load("fail");
	assert_int_equal(gd_report_markdown(res, NULL, &md, err, sizeof(err)), 0);
	assert_non_null(strstr(md.data, "connect \\| refused"));
	assert_non_null(strstr(md.data, "kill \\| busy<br>second line"));
	assert_non_null(strstr(md.data, "- [ ] fix the revert of lab1: kill"));
	assert_non_null(strstr(md.data, "- [ ] write the runbook"));
	assert_null(strstr(md.data, "![timeline]"));
	gd_buf_free(&md);
	json_decref(res);
}

static void
test_md_aborted(void **state)
{
	(void)state;
	golden("aborted");
}

/* writes b to a temp file and runs cmd on it ("%s" is the file) */
static int
run_tool(const struct gd_buf *b, const char *cmd)
{
	char path[] = "/tmp/gd-report-XXXXXX", line[512];
	int fd = mkstemp(path), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->data, b->len), (ssize_t)b->len);
	close(fd);
	snprintf(line, sizeof(line), cmd, path);
	rc = system(line);
	unlink(path);
	return rc;
}

static void
test_svg(void **state)
{
	static const char *const names[] = { "pass", "fail", "aborted" };
	char err[GD_ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct gd_buf b = { 0 };
		json_t *res = load(names[i]);

		assert_int_equal(gd_report_svg(res, &b, err, sizeof(err)), 0);
		assert_non_null(strstr(b.data, "<svg"));
		if (i == 1)
			assert_non_null(strstr(b.data, "connect | refused &lt;&amp;&gt; &quot;x&quot;"));
		if (have("xmllint"))
			assert_int_equal(run_tool(&b, "xmllint --noout %s"), 0);
		if (have("rsvg-convert"))
			assert_int_equal(run_tool(&b, "rsvg-convert %s >/dev/null"), 0);
		gd_buf_free(&b);
		json_decref(res);
	}
}

/* feeds b to cmd's stdin (popen); its exit status */
static int
pipe_tool(const struct gd_buf *b, const char *cmd)
{
	FILE *p = popen(cmd, "w");

	assert_non_null(p);
	assert_int_equal(fwrite(b->data, 1, b->len, p), b->len);
	return pclose(p);
}

static void
svg_valid(const struct gd_buf *b)
{
	if (have("xmllint"))
		assert_int_equal(pipe_tool(b, "xmllint --noout -"), 0);
	if (have("rsvg-convert"))
		assert_int_equal(pipe_tool(b, "rsvg-convert >/dev/null"), 0);
}

static void
test_drill_svg(void **state)
{
	static const char *const fixtures[] = {
		/* passed, all five phases */
		"{\"id\": \"orders-db\", \"verdict\": \"pass\", \"rto_ms\": 5200,"
		" \"phases\": {\"stream_ms\": 2100, \"restore_ms\": 2500, \"probes_ms\": 600,"
		"  \"teardown_ms\": 300, \"cleanup_ms\": 150},"
		" \"verify\": {\"entries\": 12, \"files\": 10, \"bytes\": 4096, \"missing\": [],"
		"  \"extra\": [], \"mismatched\": []},"
		" \"restore\": {\"ok\": true}, \"teardown\": {\"ok\": true},"
		" \"probes\": [{\"name\": \"rows\", \"ok\": true}],"
		" \"objectives\": {\"rto_ms\": 60000, \"rto_met\": true}}",
		/* RTO missed, a mismatch, a failed probe, an id to escape */
		"{\"id\": \"a<b>&\\\"c\\\"\", \"verdict\": \"fail\", \"rto_ms\": 95000,"
		" \"phases\": {\"stream_ms\": 90000, \"probes_ms\": 5000, \"cleanup_ms\": 200},"
		" \"verify\": {\"entries\": 3, \"files\": 3, \"bytes\": 30, \"missing\": [\"x\"],"
		"  \"extra\": 0, \"mismatched\": [\"y\", \"z\"]},"
		" \"probes\": [{\"name\": \"rows\", \"ok\": false}],"
		" \"objectives\": {\"rto_ms\": 60000, \"rto_met\": false}}",
		/* nothing ran */
		"{\"id\": \"empty\", \"verdict\": \"error\"}",
	};
	char err[GD_ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct gd_buf b = { 0 };
		json_t *res = json_loads(fixtures[i], 0, NULL);

		assert_non_null(res);
		assert_int_equal(gd_report_drill_svg(res, &b, err, sizeof(err)), 0);
		assert_non_null(strstr(b.data, "<svg"));
		if (i == 0) {
			assert_int_equal(count(b.data, "<rect class=\"phase-"), 5);
			assert_non_null(strstr(b.data, "<rect class=\"phase-restore\""));
			/* 60 s is far beyond these phases: drawn at the edge, said to be off scale */
			assert_non_null(strstr(b.data, "RTO objective (off scale) 60.0 s"));
			assert_non_null(strstr(b.data, "verified: 12 entries, 10 files, 4096 bytes; "
			    "missing 0, extra 0, mismatched 0"));
			assert_null(strstr(b.data, "#e63946"));
		}
		if (i == 1) {
			assert_int_equal(count(b.data, "<rect class=\"phase-"), 3);
			assert_non_null(strstr(b.data, "a&lt;b&gt;&amp;&quot;c&quot;"));
			assert_non_null(strstr(b.data, "stroke=\"#e63946\""));
			assert_non_null(strstr(b.data, "RTO objective (missed)"));
			assert_non_null(strstr(b.data, "missing 1, extra 0, mismatched 2"));
		}
		if (i == 2)
			assert_non_null(strstr(b.data, "no phase ran"));
		svg_valid(&b);
		gd_buf_free(&b);
		json_decref(res);
	}
	assert_int_equal(gd_report_drill_svg(NULL, &(struct gd_buf){ 0 }, err, sizeof(err)), -1);
}

static void
test_quiz_svg(void **state)
{
	struct gd_buf b = { 0 }, md = { 0 };
	char err[GD_ERRLEN];
	json_t *res = json_loads("{\"bank\": \"oncall\", \"participant\": \"Ann <&>\","
	    " \"percent\": 72.5, \"pass\": 70, \"passed\": true,"
	    " \"topics\": {\"dns\": {\"score\": 3, \"max\": 4, \"percent\": 75},"
	    "  \"tls & <certs>\": {\"score\": 1, \"max\": 4, \"percent\": 25},"
	    "  \"backups\": {\"score\": 4, \"max\": 4, \"percent\": 100}}}", 0, NULL);

	(void)state;
	assert_non_null(res);
	assert_int_equal(gd_report_quiz_svg(res, &b, err, sizeof(err)), 0);
	assert_int_equal(count(b.data, "<rect class=\"topic\""), 3);
	assert_int_equal(count(b.data, "class=\"pass-mark\""), 1);
	assert_non_null(strstr(b.data, "tls &amp; &lt;certs&gt;"));
	assert_non_null(strstr(b.data, "pass mark 70%"));
	svg_valid(&b);
	assert_int_equal(gd_report_quiz_markdown_svg(res, "2024-05-02-oncall-ann", &md, err,
	    sizeof(err)), 0);
	assert_non_null(strstr(md.data, "\n![scores per topic](2024-05-02-oncall-ann.svg)\n"));
	gd_buf_free(&b);
	gd_buf_free(&md);
	json_decref(res);
}

static int
attr(const char *xml, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "<testsuite name=");
	p = strstr(xml, key);
	assert_non_null(p);
	snprintf(key, sizeof(key), " %s=\"", name);
	p = strstr(p, key);
	assert_non_null(p);
	return atoi(p + strlen(key));
}

static void
test_junit(void **state)
{
	/* fixture, tests, failures, errors, skipped */
	static const struct { const char *name; int t, f, e, s; } want[] = {
		{ "pass", 5, 0, 0, 1 },
		{ "fail", 5, 1, 0, 1 },
		{ "aborted", 6, 0, 1, 3 },
	};
	char err[GD_ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct gd_buf b = { 0 };
		json_t *res = load(want[i].name);

		assert_int_equal(gd_report_junit(res, &b, err, sizeof(err)), 0);
		assert_int_equal(attr(b.data, "tests"), want[i].t);
		assert_int_equal(attr(b.data, "failures"), want[i].f);
		assert_int_equal(attr(b.data, "errors"), want[i].e);
		assert_int_equal(attr(b.data, "skipped"), want[i].s);
		/* the counts match the elements */
		assert_int_equal(count(b.data, "<testcase "), want[i].t);
		assert_int_equal(count(b.data, "<failure "), want[i].f);
		assert_int_equal(count(b.data, "<error "), want[i].e);
		assert_int_equal(count(b.data, "<skipped "), want[i].s);
		if (have("xmllint"))
			assert_int_equal(run_tool(&b, "xmllint --noout %s"), 0);
		gd_buf_free(&b);
		json_decref(res);
	}
}

static void
test_metrics(void **state)
{
	static const char *const names[] = { "pass", "fail", "aborted" };
	char err[GD_ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct gd_buf b = { 0 };
		json_t *res = load(names[i]);

		/* a label value that needs escaping */
		json_object_set_new(json_object_get(res, "scenario"), "id", json_string("we\"b\\x"));
		assert_int_equal(gd_report_metrics(res, &b, err, sizeof(err)), 0);
		assert_non_null(strstr(b.data, "scenario=\"we\\\"b\\\\x\""));
		assert_non_null(strstr(b.data, i == 0 ? "gameday_run_success{scenario=\"we\\\"b\\\\x\"} 1\n" :
		    "gameday_run_success{scenario=\"we\\\"b\\\\x\"} 0\n"));
		if (i == 1)
			assert_non_null(strstr(b.data, "gameday_run_reverts_failed{scenario=\"we\\\"b\\\\x\"} 1\n"));
		if (have("promtool"))
			assert_int_equal(run_tool(&b, "promtool check metrics < %s"), 0);
		gd_buf_free(&b);
		json_decref(res);
	}
}

static char *
shell(const char *fmt, const char *dir)
{
	char cmd[512], chunk[1024];
	struct gd_buf b = { 0 };
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), fmt, dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	gd_buf_adds(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		gd_buf_add(&b, chunk, n);
	pclose(p);
	return b.data;
}

static void
put(const char *dir, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_docrepo(void **state)
{
	char dir[] = "/tmp/gd-docs-XXXXXX", err[GD_ERRLEN], path[512], *s;
	git_repository *repo = NULL;
	json_t *pass = load("pass"), *fail = load("fail");
	struct gd_docs_opts o = { .docs = dir }, ann = { .docs = dir, .author = "Ann Example <ann@example.org>" };

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* not a repository yet */
	assert_int_equal(gd_docs_commit_run(&o, pass, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a git repository"));

	git_libgit2_init();
	assert_int_equal(git_repository_init(&repo, dir, 0), 0);
	git_repository_free(repo);
	git_libgit2_shutdown();
	put(dir, "notes.md", "the user's own work\n");

	assert_int_equal(gd_docs_commit_run(&ann, pass, err, sizeof(err)), 0);
	assert_int_equal(gd_docs_commit_run(&o, fail, err, sizeof(err)), 0);

	s = shell("git -C %s log --format='%%an <%%ae>|%%s'", dir);
	assert_non_null(strstr(s, "|gameday: ha-test web-killed: FAIL (TTD 13 ms, TTR 2.017 s)\n"));
	assert_non_null(strstr(s, "Ann Example <ann@example.org>|gameday: ha-test web-killed: PASS (TTD"));
	assert_int_equal(count(s, "\n"), 2);
	free(s);
	s = shell("git -C %s show --stat --format=", dir);
	assert_non_null(strstr(s, "ha-tests/2026-11-21-web-killed-2.md"));
	assert_non_null(strstr(s, "ha-tests/2026-11-21-web-killed-2.json"));
	assert_non_null(strstr(s, "ha-tests/2026-11-21-web-killed-2.svg"));
	assert_non_null(strstr(s, "ha-tests/README.md"));
	/* a failed revert writes a postmortem stub */
	assert_non_null(strstr(s, "postmortems/2026-11-21-web-killed-2.md"));
	assert_null(strstr(s, "notes.md"));
	free(s);
	s = shell("git -C %s status --porcelain", dir);
	assert_string_equal(s, "?? notes.md\n");
	free(s);

	snprintf(path, sizeof(path), "%s/ha-tests/README.md", dir);
	s = slurp(path);
	assert_non_null(s);
	assert_int_equal(count(s, "| 2026-11-21 | web-killed |"), 2);
	assert_true(strstr(s, "| FAIL |") < strstr(s, "| PASS |"));
	free(s);
	snprintf(path, sizeof(path), "%s/postmortems/2026-11-21-web-killed-2.md", dir);
	s = slurp(path);
	assert_non_null(s);
	assert_non_null(strstr(s, "## Timeline"));
	assert_non_null(strstr(s, "| revert |"));
	free(s);

	/* a dirty path it would write: refused, nothing written */
	put(dir, "ha-tests/README.md", "| my edit |\n");
	assert_int_equal(gd_docs_commit_run(&o, pass, err, sizeof(err)), -2);
	assert_non_null(strstr(err, "ha-tests/README.md has uncommitted changes"));
	snprintf(path, sizeof(path), "%s/ha-tests/2026-11-21-web-killed-3.md", dir);
	assert_int_not_equal(access(path, F_OK), 0);
	s = shell("git -C %s log --oneline", dir);
	assert_int_equal(count(s, "\n"), 2);
	free(s);
	snprintf(path, sizeof(path), "%s/ha-tests/README.md", dir);
	s = slurp(path);
	assert_string_equal(s, "| my edit |\n");
	free(s);

	s = shell("rm -rf %s", dir);
	free(s);
	json_decref(pass);
	json_decref(fail);
}

static void
test_findings_docs(void **state)
{
	char dir[] = "/tmp/gd-rb-XXXXXX", *s;
	json_t *pass = load("pass"), *fail = load("fail"), *r, *acts;
	struct gd_buf md = { 0 };
	char err[GD_ERRLEN];

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* runbooks/web.md#restart is not in the doc repo: a finding and an action */
	r = gd_report_docs_findings(pass, dir);
	assert_int_equal(gd_report_markdown(r, NULL, &md, err, sizeof(err)), 0);
	assert_non_null(strstr(md.data, "- **runbook-missing**: the runbook runbooks/web.md#restart does not resolve: "
	    "runbooks/web.md is missing from the doc repo\n"));
	assert_non_null(strstr(md.data, "- [ ] write the runbook runbooks/web.md#restart\n"));
	gd_buf_free(&md);
	json_decref(r);
	/* once it is there, no finding */
	s = shell("mkdir -p %s/runbooks", dir);
	free(s);
	put(dir, "runbooks/web.md", "# Web\n");
	r = gd_report_docs_findings(pass, dir);
	/* ...but without the section the link names, still a finding, naming the anchor */
	s = json_dumps(r, 0);
	assert_non_null(strstr(s, "runbooks/web.md has no section #restart"));
	free(s);
	json_decref(r);
	put(dir, "runbooks/web.md", "# Web\n\n## Restart\n");
	r = gd_report_docs_findings(pass, dir);
	assert_int_equal(json_array_size(json_object_get(r, "findings")), 0);
	json_decref(r);
	/* an alert scenario with no runbook */
	json_array_append_new(json_object_get(json_object_get(fail, "scenario"), "tags"), json_string("alert"));
	r = gd_report_findings(fail);
	s = json_dumps(r, 0);
	assert_non_null(strstr(s, "\"no-runbook\""));
	free(s);
	json_decref(r);
	acts = gd_report_actions(fail);
	assert_string_equal(json_string_value(json_array_get(acts, 1)), "write the runbook");
	json_decref(acts);
	s = shell("rm -rf %s", dir);
	free(s);
	json_decref(pass);
	json_decref(fail);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md_pass),
		cmocka_unit_test(test_md_fail),
		cmocka_unit_test(test_md_aborted),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_drill_svg),
		cmocka_unit_test(test_quiz_svg),
		cmocka_unit_test(test_junit),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_docrepo),
		cmocka_unit_test(test_findings_docs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
