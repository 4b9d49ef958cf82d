/* test_manifest.c: manifests read as a stream, in pieces of any size, and
 * PostgreSQL's backup_manifest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "gd.h"
#include "manifest.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

#define assert_contains(hay, needle) do { \
	if (strstr((hay), (needle)) == NULL) \
		fail_msg("'%s' not in '%s'", (needle), (hay)); \
} while (0)

/* text fed in pieces of step bytes */
static int
feed_in(struct gd_manifest *m, enum gd_manifest_format fmt, const char *text, size_t step,
    char *err, size_t errlen)
{
	size_t i, n = strlen(text);

	gd_manifest_begin(m, "M", fmt);
	for (i = 0; i < n; i += step)
		if (gd_manifest_feed(m, text + i, n - i < step ? n - i : step, err, errlen) != 0)
			return -1;
	return gd_manifest_end(m, err, errlen);
}

static void
test_pieces(void **state)
{
	static const char text[] = H64 "  a/b\r\n# c\n\n" H64 " *./c\n" H64 "  last-without-newline";
	size_t steps[] = { 1, 2, 7, 64, 65, 66, 4096 }, k;
	char err[GD_ERRLEN];

	(void)state;
	for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		struct gd_manifest m;

		if (feed_in(&m, GD_MANIFEST_SHA256SUM, text, steps[k], err, sizeof(err)) != 0)
			fail_msg("step %zu: %s", steps[k], err);
		assert_int_equal(m.n, 3);
		assert_true(gd_manifest_find(&m, "a/b") >= 0);
		assert_true(gd_manifest_find(&m, "c") >= 0);
		assert_true(gd_manifest_find(&m, "last-without-newline") >= 0);
		gd_manifest_free(&m);
	}
}

static void
test_errors_name_the_line(void **state)
{
	struct gd_manifest m;
	char err[GD_ERRLEN];

	(void)state;
	assert_int_equal(feed_in(&m, GD_MANIFEST_SHA256SUM, H64 "  ok\nnot a line\n", 5, err,
	    sizeof(err)), -1);
	assert_contains(err, "M: line 2: not a SHA-256 line");
	gd_manifest_free(&m);
	assert_int_equal(feed_in(&m, GD_MANIFEST_SHA256SUM, "\n# none\n", 3, err, sizeof(err)), -1);
	assert_contains(err, "no hashes");
	gd_manifest_free(&m);
}

/* A backup_manifest as pg_basebackup writes it: its checksum over the bytes
 * before the Manifest-Checksum line. */
static char *
pg_manifest(const char *alg, int damage)
{
	struct gd_buf b = { 0 };
	unsigned char md[32];
	unsigned int len;
	int i;

	gd_buf_printf(&b, "{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [\n"
	    "{ \"Path\": \"PG_VERSION\", \"Size\": 3, \"Last-Modified\": \"2024-01-01 00:00:00 GMT\", "
	    "\"Checksum-Algorithm\": \"%s\", \"Checksum\": \"%s\" },\n"
	    "{ \"Path\": \"global/pg_control\", \"Size\": 8192, \"Last-Modified\": \"2024-01-01 "
	    "00:00:00 GMT\", \"Checksum-Algorithm\": \"%s\", \"Checksum\": \"%s\" }\n],\n"
	    "\"WAL-Ranges\": [\n{ \"Timeline\": 1, \"Start-LSN\": \"0/2000028\", \"End-LSN\": "
	    "\"0/2000100\" }\n],\n", alg, strcmp(alg, "SHA256") == 0 ? H64 : "c0ffee00", alg,
	    strcmp(alg, "SHA256") == 0 ? H64 : "c0ffee00");
	EVP_Digest(b.data, b.len, md, &len, EVP_sha256(), NULL);
	gd_buf_adds(&b, "\"Manifest-Checksum\": \"");
	for (i = 0; i < 32; i++)
		gd_buf_printf(&b, "%02x", md[i]);
	gd_buf_adds(&b, "\"}\n");
	if (damage)
		b.data[60] ^= 1;
	return b.data;
}

static void
test_backup_manifest(void **state)
{
	struct gd_manifest m;
	char err[GD_ERRLEN], *t;

	(void)state;
	t = pg_manifest("SHA256", 0);
	if (feed_in(&m, GD_MANIFEST_PG, t, 100, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(m.n, 2);
	assert_true(gd_manifest_find(&m, "global/pg_control") >= 0);
	assert_null(gd_manifest_whole(&m, "base.tar.gz"));
	assert_int_equal(gd_manifest_check(&m, err, sizeof(err)), 0);
	gd_manifest_free(&m);
	free(t);

	t = pg_manifest("SHA256", 1);
	assert_int_equal(feed_in(&m, GD_MANIFEST_PG, t, 100, err, sizeof(err)), -1);
	assert_contains(err, "Manifest-Checksum does not match");
	gd_manifest_free(&m);
	free(t);

	t = pg_manifest("CRC32C", 0);
	assert_int_equal(feed_in(&m, GD_MANIFEST_PG, t, 100, err, sizeof(err)), -1);
	assert_contains(err, "checksums are CRC32C, not SHA256: make the backup with pg_basebackup "
	    "--manifest-checksums=SHA256");
	gd_manifest_free(&m);
	free(t);

	assert_int_equal(feed_in(&m, GD_MANIFEST_PG, "{ \"Files\": [", 4, err, sizeof(err)), -1);
	assert_contains(err, "M: line 1:");
	gd_manifest_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_backup_manifest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
