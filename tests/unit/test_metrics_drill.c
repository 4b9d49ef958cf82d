/* test_metrics_drill.c: the drill textfile for passed and failed drills, the
 * success timestamp carried over a failure, label escaping, and promtool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "report.h"

static json_t *
drill(const char *id, const char *verdict, long long ended)
{
	json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "id", id, "verdict", verdict,
	    "ended", (json_int_t)ended, "rto_ms", (json_int_t)83500, "backup_age_ms",
	    (json_int_t)3600000, "verified_bytes", (json_int_t)1048576);

	assert_non_null(j);
	return j;
}

static char *
render(const json_t *d, const char *prev)
{
	struct gd_buf b = { 0 };
	char err[GD_ERRLEN];

	assert_int_equal(gd_report_drill_metrics(d, prev, &b, err, sizeof(err)), 0);
	return b.data;
}

static char *
slurp(const char *path)
{
	struct gd_buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	gd_buf_adds(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		gd_buf_add(&b, chunk, n);
	fclose(f);
	return b.data;
}

/* promtool check metrics on s; skipped when promtool is missing */
static void
promtool(const char *s)
{
	char path[] = "/tmp/gd-drill-metrics-XXXXXX", cmd[256];
	int fd;

	if (system("command -v promtool >/dev/null 2>&1") != 0) {
		fprintf(stderr, "skipped: promtool is not installed (make deps)\n");
		return;
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
	assert_int_equal(system(cmd), 0);
	unlink(path);
}

static void
test_pass(void **state)
{
	json_t *d = drill("orders-db", "pass", 1700000000000LL);
	char *s = render(d, NULL);

	(void)state;
	assert_non_null(strstr(s, "# HELP gameday_drill_last_success_timestamp_seconds "));
	assert_non_null(strstr(s, "# TYPE gameday_drill_last_success_timestamp_seconds gauge\n"));
	assert_non_null(strstr(s,
	    "\ngameday_drill_last_success_timestamp_seconds{drill=\"orders-db\"} 1700000000\n"));
	assert_non_null(strstr(s, "\ngameday_drill_last_run_timestamp_seconds{drill=\"orders-db\"} 1700000000\n"));
	assert_non_null(strstr(s, "\ngameday_drill_success{drill=\"orders-db\"} 1\n"));
	assert_non_null(strstr(s, "\ngameday_drill_rto_seconds{drill=\"orders-db\"} 83.5\n"));
	assert_non_null(strstr(s, "\ngameday_drill_backup_age_seconds{drill=\"orders-db\"} 3600\n"));
	assert_non_null(strstr(s, "# TYPE gameday_drill_verified_bytes_total counter\n"));
	assert_non_null(strstr(s, "\ngameday_drill_verified_bytes_total{drill=\"orders-db\"} 1048576\n"));
	promtool(s);
	free(s);
	json_decref(d);
}

static void
test_fail_no_previous(void **state)
{
	json_t *d = drill("orders-db", "fail", 1700000000000LL);
	char *s;

	(void)state;
	json_object_del(d, "rto_ms");
	s = render(d, NULL);
	/* never passed: 0, so that an alert on its age fires */
	assert_non_null(strstr(s, "\ngameday_drill_last_success_timestamp_seconds{drill=\"orders-db\"} 0\n"));
	assert_non_null(strstr(s, "\ngameday_drill_success{drill=\"orders-db\"} 0\n"));
	assert_non_null(strstr(s, "\ngameday_drill_rto_seconds{drill=\"orders-db\"} NaN\n"));
	promtool(s);
	free(s);
	json_decref(d);
}

/* a pass, then a failure: the success time and the counter carry over */
static void
test_carry_over(void **state)
{
	char path[] = "/tmp/gd-drill-prom-XXXXXX", err[GD_ERRLEN];
	json_t *ok = drill("orders-db", "pass", 1700000000000LL);
	json_t *ko = drill("orders-db", "fail", 1702592000000LL);
	char *s;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);  /* the first run finds no file */
	assert_int_equal(gd_report_drill_metrics_write(ok, path, err, sizeof(err)), 0);
	assert_int_equal(gd_report_drill_metrics_write(ko, path, err, sizeof(err)), 0);
	s = slurp(path);
	assert_non_null(strstr(s,
	    "\ngameday_drill_last_success_timestamp_seconds{drill=\"orders-db\"} 1700000000\n"));
	assert_non_null(strstr(s, "\ngameday_drill_last_run_timestamp_seconds{drill=\"orders-db\"} 1702592000\n"));
	assert_non_null(strstr(s, "\ngameday_drill_success{drill=\"orders-db\"} 0\n"));
	assert_non_null(strstr(s, "\ngameday_drill_verified_bytes_total{drill=\"orders-db\"} 2097152\n"));
	promtool(s);
	free(s);
	/* written by rename: no temporary file left; readable by node_exporter */
	{
		char *tmp = gd_xasprintf("%s.tmp", path);
		struct stat st;

		assert_int_not_equal(access(tmp, F_OK), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0644);
		free(tmp);
	}
	unlink(path);
	json_decref(ok);
	json_decref(ko);
}

/* another drill's success, or garbage, is not carried over */
static void
test_carry_only_own(void **state)
{
	json_t *d = drill("orders-db", "fail", 1702592000000LL);
	char *s;

	(void)state;
	s = render(d, "gameday_drill_last_success_timestamp_seconds{drill=\"billing\"} 1600000000\n"
	    "gameday_drill_verified_bytes_total{drill=\"orders-db\"} junk\n");
	assert_null(strstr(s, "1600000000"));
	assert_non_null(strstr(s, "\ngameday_drill_last_success_timestamp_seconds{drill=\"orders-db\"} 0\n"));
	assert_non_null(strstr(s, "\ngameday_drill_verified_bytes_total{drill=\"orders-db\"} 1048576\n"));
	free(s);
	json_decref(d);
}

static void
test_escaping(void **state)
{
	const char *id = "we\"ird\\id\nx";
	json_t *d = drill(id, "pass", 1700000000000LL);
	char *s = render(d, NULL), *s2;

	(void)state;
	assert_non_null(strstr(s, "gameday_drill_success{drill=\"we\\\"ird\\\\id\\nx\"} 1\n"));
	promtool(s);
	/* the escaped form is found again when carrying over */
	json_object_set_new(d, "verdict", json_string("fail"));
	s2 = render(d, s);
	assert_non_null(strstr(s2,
	    "gameday_drill_last_success_timestamp_seconds{drill=\"we\\\"ird\\\\id\\nx\"} 1700000000\n"));
	free(s);
	free(s2);
	json_decref(d);
}

static void
test_bad_input(void **state)
{
	struct gd_buf b = { 0 };
	char err[GD_ERRLEN];
	json_t *d = drill("orders-db", "maybe", 1700000000000LL);

	(void)state;
	assert_int_equal(gd_report_drill_metrics(d, NULL, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "verdict"));
	json_object_set_new(d, "verdict", json_string("pass"));
	json_object_del(d, "ended");
	assert_int_equal(gd_report_drill_metrics(d, NULL, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ended"));
	json_object_del(d, "id");
	assert_int_equal(gd_report_drill_metrics(d, NULL, &b, err, sizeof(err)), -1);
	assert_int_equal(b.len, 0);
	gd_buf_free(&b);
	json_decref(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass),
		cmocka_unit_test(test_fail_no_previous),
		cmocka_unit_test(test_carry_over),
		cmocka_unit_test(test_carry_only_own),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
