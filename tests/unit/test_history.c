/* test_history.c: nearest-rank percentiles, histogram buckets, the --since
 * filter and the runbook template check (fenced code, setext, override). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duration.h"
#include "gd.h"
#include "history.h"
#include "runbook.h"

static void
fill(struct gd_dist *d, const long long *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		gd_dist_add(d, v[i]);
}

static void
test_pct_small(void **state)
{
	struct gd_dist d = { 0 };

	(void)state;
	assert_int_equal(gd_dist_pct(&d, 50), -1);  /* empty */
	gd_dist_add(&d, 42);
	assert_int_equal(gd_dist_pct(&d, 50), 42);
	assert_int_equal(gd_dist_pct(&d, 90), 42);
	assert_int_equal(gd_dist_pct(&d, 100), 42);
	gd_dist_add(&d, 7);
	/* n = 2: p50 at rank ceil(1) = 1, p90 at rank ceil(1.8) = 2 */
	assert_int_equal(gd_dist_pct(&d, 0), 7);
	assert_int_equal(gd_dist_pct(&d, 50), 7);
	assert_int_equal(gd_dist_pct(&d, 90), 42);
	assert_int_equal(gd_dist_pct(&d, 100), 42);
	gd_dist_free(&d);
}

static void
test_pct_known(void **state)
{
	/* the textbook nearest-rank example: 15 20 35 40 50 */
	static const long long five[] = { 50, 15, 40, 20, 35 };
	static const long long ten[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	struct gd_dist d = { 0 }, e = { 0 };

	(void)state;
	fill(&d, five, 5);
	assert_int_equal(gd_dist_pct(&d, 30), 20);
	assert_int_equal(gd_dist_pct(&d, 40), 20);
	assert_int_equal(gd_dist_pct(&d, 50), 35);
	assert_int_equal(gd_dist_pct(&d, 90), 50);
	assert_int_equal(gd_dist_pct(&d, 100), 50);
	gd_dist_add(&d, 1);  /* adding after sorting sorts again */
	assert_int_equal(gd_dist_pct(&d, 0), 1);
	fill(&e, ten, 10);
	assert_int_equal(gd_dist_pct(&e, 50), 5);
	assert_int_equal(gd_dist_pct(&e, 90), 9);
	assert_int_equal(gd_dist_pct(&e, 91), 10);
	gd_dist_free(&d);
	gd_dist_free(&e);
}

static const char *
fmt(long long v, char *buf, size_t len)
{
	return gd_duration_fmt(v, buf, len);
}

static void
test_hist(void **state)
{
	static const long long v[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 16 };
	struct gd_dist d = { 0 }, same = { 0 }, two = { 0 }, near = { 0 }, tiny = { 0 };
	size_t c[8], i, total = 0;
	long long e[9];
	char a[32], b[32];

	(void)state;
	fill(&d, v, sizeof(v) / sizeof(v[0]));
	assert_int_equal(gd_dist_hist(&d, 8, c, e, fmt), 8);
	assert_int_equal(e[0], 0);
	assert_int_equal(e[1], 2);
	assert_int_equal(e[8], 16);  /* the last edge is the maximum */
	assert_int_equal(c[0], 2);  /* 0 1 */
	assert_int_equal(c[1], 2);  /* 2 3 */
	assert_int_equal(c[4], 2);  /* 8 9 */
	assert_int_equal(c[5], 3);  /* 10 10 10 */
	assert_int_equal(c[6], 0);
	assert_int_equal(c[7], 1);  /* the maximum goes into the last bucket */
	for (i = 0; i < 8; i++)
		total += c[i];
	assert_int_equal(total, d.n);
	/* 0 and 10 over 8 buckets: the edges run to 10, not past it */
	gd_dist_add(&two, 0);
	gd_dist_add(&two, 10);
	assert_int_equal(gd_dist_hist(&two, 8, c, e, fmt), 8);
	assert_int_equal(e[0], 0);
	assert_int_equal(e[8], 10);
	for (i = 0; i < 8; i++)
		assert_true(e[i] < e[i + 1]);
	assert_int_equal(c[0], 1);
	assert_int_equal(c[7], 1);
	/* 1000..1003 ms: 8 buckets would repeat "1.000 s"; 3 read distinctly */
	for (i = 0; i < 4; i++)
		gd_dist_add(&tiny, 1000 + (long long)i);
	assert_int_equal(gd_dist_hist(&tiny, 8, c, e, fmt), 3);
	for (i = 0; i < 3; i++)
		assert_string_not_equal(fmt(e[i], a, sizeof(a)), fmt(e[i + 1], b, sizeof(b)));
	assert_int_equal(c[2], 2);  /* 1002 and the maximum 1003 */
	/* 12.30 s .. 12.34 s all read "12.3 s": one bucket */
	gd_dist_add(&near, 12300);
	gd_dist_add(&near, 12340);
	assert_int_equal(gd_dist_hist(&near, 8, c, e, fmt), 1);
	assert_int_equal(e[0], 12300);
	assert_int_equal(e[1], 12340);
	assert_int_equal(c[0], 2);
	gd_dist_add(&same, 5);
	gd_dist_add(&same, 5);
	assert_int_equal(gd_dist_hist(&same, 8, c, e, fmt), 1);
	assert_int_equal(e[0], 5);
	assert_int_equal(e[1], 5);
	assert_int_equal(c[0], 2);
	gd_dist_free(&d);
	gd_dist_free(&same);
	gd_dist_free(&two);
	gd_dist_free(&near);
	gd_dist_free(&tiny);
}

static void
test_since(void **state)
{
	(void)state;
	assert_true(gd_history_since("2026-10-05", NULL));
	assert_true(gd_history_since("2026-10-05", "2026-10-05"));  /* on the day counts */
	assert_true(gd_history_since("2026-10-06", "2026-10-05"));
	assert_false(gd_history_since("2026-10-04", "2026-10-05"));
	assert_false(gd_history_since("2025-12-31", "2026-01-01"));
}

static struct gd_runbook_template deftpl;

static size_t
missing(const char *md, char *out, size_t len)
{
	struct gd_buf b = { 0 };
	size_t n = gd_runbook_missing(md, &deftpl, &b);

	snprintf(out, len, "%s", b.data != NULL ? b.data : "");
	gd_buf_free(&b);
	return n;
}

static void
test_runbook_sections(void **state)
{
	char out[512];

	(void)state;
	assert_int_equal(gd_runbook_template_load(&deftpl, "/nonexistent-docs", out, sizeof(out)), 0);
	assert_int_equal(deftpl.n, 8);
	assert_int_equal(missing("", out, sizeof(out)), 8);
	assert_string_equal(out, "Summary, Service SLA, Escalation path, Incident workflow, Monitoring, "
	    "Alerts, Postmortems, Doc");
	/* every level, case, closing #s, a trailing colon, CRLF */
	assert_int_equal(missing("# summary\n"
	    "## Service  SLA ##\n"
	    "### ESCALATION PATH\r\n"
	    "#### Incident workflow:\n"
	    "   ##### Monitoring\n"
	    "###### Alerts\n"
	    "# Postmortems\n"
	    "# Doc\n", out, sizeof(out)), 0);
	/* not headings: 7 #s, no space, indented code */
	assert_int_equal(missing("####### Summary\n#Summary\n    # Summary\n", out, sizeof(out)), 8);
	/* fenced code hides headings, ``` and ~~~, until a long-enough closer */
	assert_int_equal(missing("```sh\n# Summary\n```\n"
	    "~~~~\n# Alerts\n~~~\n# Doc\n~~~~\n"
	    "# Monitoring\n", out, sizeof(out)), 7);
	assert_string_equal(out, "Summary, Service SLA, Escalation path, Incident workflow, Alerts, "
	    "Postmortems, Doc");
	/* an unclosed fence runs to the end */
	assert_int_equal(missing("# Summary\n```\n# Doc\n", out, sizeof(out)), 7);
	/* setext headings; a --- after a blank line is a rule, not a heading */
	assert_int_equal(missing("Summary\n=======\n\nEscalation path\n---\n\nAlerts\n\n---\n"
	    "Doc\n  ===  \n", out, sizeof(out)), 5);
	assert_string_equal(out, "Service SLA, Incident workflow, Monitoring, Alerts, Postmortems");
	/* a setext underline inside a fence does not count */
	assert_int_equal(missing("```\nSummary\n===\n```\n", out, sizeof(out)), 8);
	/* a heading that only contains a name is another section */
	assert_int_equal(missing("# Summary of the service\n# Alerts and pages\n", out, sizeof(out)), 8);
	gd_runbook_template_free(&deftpl);
}

static char tmpdir[64];

static void
write_file(const char *rel, const char *text)
{
	char *p = gd_xasprintf("%s/%s", tmpdir, rel);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void
test_runbook_dir(void **state)
{
	struct gd_runbook_template t = { 0 };
	struct gd_buf b = { 0 };
	char err[GD_ERRLEN], *rb, buf[1024];
	FILE *out;
	size_t n;

	(void)state;
	strcpy(tmpdir, "/tmp/gd-test-history-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	assert_int_equal(gd_runbook_check_dir(tmpdir, stdout, err, sizeof(err)), -1);  /* no runbooks/ */
	assert_non_null(strstr(err, "runbooks"));
	rb = gd_xasprintf("%s/runbooks", tmpdir);
	assert_int_equal(mkdir(rb, 0755), 0);
	write_file("runbooks/web.md", "# Summary\n# Service SLA\n# Incident workflow\n# Monitoring\n"
	    "# Postmortems\n# Doc\n```\n# Alerts\n```\n");
	write_file("runbooks/db.md", "# Summary\n# Service SLA\n# Escalation path\n# Incident workflow\n"
	    "# Monitoring\n# Alerts\n# Postmortems\n# Doc\n");
	write_file("runbooks/README.md", "an index, not a runbook\n");
	out = tmpfile();
	assert_int_equal(gd_runbook_check_dir(tmpdir, out, err, sizeof(err)), 1);
	rewind(out);
	n = fread(buf, 1, sizeof(buf) - 1, out);
	buf[n] = '\0';
	fclose(out);
	assert_string_equal(buf, "runbooks/web.md: missing sections: Escalation path, Alerts\n");

	/* the override: one name per line, blanks and # comments skipped */
	write_file(".gameday-runbook-template", "# our template\nSummary\n\n  Owner  \nAlerts\n");
	assert_int_equal(gd_runbook_template_load(&t, tmpdir, err, sizeof(err)), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.names[1], "Owner");
	assert_int_equal(gd_runbook_missing("# summary\n## OWNER\n", &t, &b), 1);
	assert_string_equal(b.data, "Alerts");
	gd_buf_free(&b);
	gd_runbook_template_free(&t);
	out = tmpfile();
	assert_int_equal(gd_runbook_check_dir(tmpdir, out, err, sizeof(err)), 2);
	rewind(out);
	n = fread(buf, 1, sizeof(buf) - 1, out);
	buf[n] = '\0';
	fclose(out);
	assert_string_equal(buf, "runbooks/db.md: missing sections: Owner\n"
	    "runbooks/web.md: missing sections: Owner, Alerts\n");
	write_file(".gameday-runbook-template", "\n# nothing\n");
	assert_int_equal(gd_runbook_template_load(&t, tmpdir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ".gameday-runbook-template"));

	{
		char *cmd = gd_xasprintf("rm -rf '%s'", tmpdir);

		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	free(rb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct_small),
		cmocka_unit_test(test_pct_known),
		cmocka_unit_test(test_hist),
		cmocka_unit_test(test_since),
		cmocka_unit_test(test_runbook_sections),
		cmocka_unit_test(test_runbook_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
