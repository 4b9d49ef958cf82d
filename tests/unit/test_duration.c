/* test_duration.c: the one duration grammar and the one formatter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "duration.h"
#include "gd.h"

static void
test_parse(void **state)
{
	static const struct { const char *s; long long ms; } ok[] = {
		{ "300ms", 300 }, { "5s", 5000 }, { "2m", 120000 }, { "1h30m", 5400000 },
		{ "1.5s", 1500 }, { ".5s", 500 }, { "90", 90000 }, { "0", 0 }, { "2.5", 2500 },
		{ "7d", 604800000 }, { "1h0m1s", 3601000 }, { "1m30s500ms", 90500 },
	};
	char err[GD_ERRLEN];
	long long ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ms = -1;
		assert_int_equal(gd_duration_parse(ok[i].s, &ms, err, sizeof(err)), 0);
		assert_int_equal(ms, ok[i].ms);
	}
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"", "s", "5x", "-5s", "5 s", "1h30", "m5", "1.2.3", "5sec", "1e3s", "1000000000d", "+5s",
	};
	char err[GD_ERRLEN];
	long long ms = 42;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(gd_duration_parse(bad[i], &ms, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
		assert_int_equal(ms, 42);  /* untouched on error */
	}
	gd_duration_parse("5x", &ms, err, sizeof(err));
	assert_string_equal(err, "'5x' is not a duration (like 90s, 1h30m or 500ms; units ms s m h d)");
}

/* rounded, never truncated, at each size's resolution; one text per figure */
static void
test_format(void **state)
{
	static const struct { long long ms; const char *s; } f[] = {
		{ -1, "-" }, { 0, "0 ms" }, { 18, "18 ms" }, { 498, "498 ms" }, { 999, "999 ms" },
		{ 1000, "1.000 s" }, { 2345, "2.345 s" }, { 9999, "9.999 s" }, { 10000, "10.0 s" },
		{ 12349, "12.3 s" }, { 12350, "12.4 s" }, { 119949, "119.9 s" }, { 119950, "2m00s" },
		{ 845500, "14m06s" }, { 3599499, "59m59s" }, { 3599500, "1h00m" },
		{ 93600000, "26h00m" }, { 172770000, "2d00h" }, { 273600000, "3d04h" },
	};
	char buf[GD_DURATION_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		assert_string_equal(gd_duration_fmt(f[i].ms, buf, sizeof(buf)), f[i].s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests_name("duration", tests, NULL, NULL);
}
