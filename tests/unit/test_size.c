/* test_size.c: the one size grammar and formatter (--lua-memory, fault sizes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gd.h"
#include "script.h"
#include "size.h"

static void
test_parse(void **state)
{
	static const struct { const char *s; unsigned long long b; } ok[] = {
		{ "0", 0 }, { "4096", 4096 }, { "100B", 100 }, { "100b", 100 }, { "1k", 1024 }, { "1K", 1024 },
		{ "64M", 64ULL << 20 }, { "64m", 64ULL << 20 }, { "64MB", 64ULL << 20 }, { "64MiB", 64ULL << 20 },
		{ "256Mi", 256ULL << 20 }, { "1G", 1ULL << 30 }, { "2g", 2ULL << 30 }, { "1T", 1ULL << 40 },
		{ "512kB", 512ULL << 10 }, { "8192T", 8192ULL << 40 },
	};
	char err[GD_ERRLEN];
	unsigned long long b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		b = 1;
		if (gd_size_parse(ok[i].s, &b, err, sizeof(err)) != 0)
			fail_msg("%s: %s", ok[i].s, err);
		assert_int_equal(b, ok[i].b);
	}
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"", "M", "-1M", "1.5G", "64 M", "64X", "64MM", "64iB", "1e6", " 64M", "64M ", "8193T",
		"99999999999999999999",
	};
	char err[GD_ERRLEN];
	unsigned long long b = 42;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (gd_size_parse(bad[i], &b, err, sizeof(err)) != -1)
			fail_msg("'%s' was taken as %llu bytes", bad[i], b);
		assert_true(err[0] != '\0');
		assert_int_equal(b, 42);  /* untouched on error */
	}
	gd_size_parse("64X", &b, err, sizeof(err));
	assert_string_equal(err, "'64X' is not a size (like 64M, 1G or 4096)");
	gd_size_parse("8193T", &b, err, sizeof(err));
	assert_string_equal(err, "'8193T' is more than 8 PiB");
}

static void
test_format(void **state)
{
	static const struct { unsigned long long b; const char *s; } f[] = {
		{ 0, "0 B" }, { 512, "512 B" }, { 1023, "1023 B" }, { 1024, "1 KiB" }, { 1536, "1.50 KiB" },
		{ 256ULL << 20, "256 MiB" }, { (256ULL << 20) + (128ULL << 10), "256 MiB" },
		{ 12ULL << 30 | 300ULL << 20, "12.3 GiB" }, { 3ULL << 40, "3 TiB" },
	};
	char buf[GD_SIZE_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		assert_string_equal(gd_size_fmt(f[i].b, buf, sizeof(buf)), f[i].s);
}

/* --lua-memory: the size grammar, at least 1 MiB */
static void
test_lua_memory_flag(void **state)
{
	char err[GD_ERRLEN];
	size_t b = 0;

	(void)state;
	assert_int_equal(gd_lua_memory_parse("512M", &b, err, sizeof(err)), 0);
	assert_int_equal(b, 512 << 20);
	assert_int_equal(gd_lua_memory_parse("64k", &b, err, sizeof(err)), -1);
	assert_string_equal(err, "--lua-memory: '64k': give at least 1M");
	assert_int_equal(gd_lua_memory_parse("lots", &b, err, sizeof(err)), -1);
	assert_string_equal(err, "--lua-memory: 'lots' is not a size (like 64M, 1G or 4096)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_lua_memory_flag),
	};

	return cmocka_run_group_tests_name("size", tests, NULL, NULL);
}
