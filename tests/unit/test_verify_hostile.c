/* test_verify_hostile.c: the hostile archives that once got through the
 * verifier. The zips are written by a small generator below (libarchive's
 * writer makes only honest ones); the recursive gzip is libarchive's own test
 * file (libarchive/test/test_read_filter_gzip_recursive.gz.uu, from oss-fuzz). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "gd.h"
#include "verify.h"

#define assert_contains(hay, needle) do { \
	if (strstr((hay), (needle)) == NULL) \
		fail_msg("'%s' not in '%s'", (needle), (hay)); \
} while (0)

struct res {
	struct gd_verify_result r;
	char err[GD_ERRLEN];
	int rc;
};

/* Verifies bytes [0, n) as the archive "t.zip" (through a pipe-like fd: a
 * temporary file, so the seekable zip pass runs as for a real file). */
static void
verify_bytes(const void *p, size_t n, struct res *v)
{
	char tmpl[] = "/tmp/gd-hostile-XXXXXX";
	struct gd_verify_opts o;
	int fd = mkstemp(tmpl);

	assert_true(fd >= 0);
	unlink(tmpl);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	memset(&o, 0, sizeof(o));
	gd_verify_limits_default(&o.limits);
	o.name = "t.zip";
	memset(v, 0, sizeof(*v));
	alarm(60);  /* a hang is a failure, not a stuck test run */
	v->rc = gd_verify_fd(fd, &o, NULL, NULL, &v->r, v->err, sizeof(v->err));
	alarm(0);
	close(fd);
}

static void
put16(struct gd_buf *b, uint32_t v)
{
	unsigned char x[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	gd_buf_add(b, (const char *)x, 2);
}

static void
put32(struct gd_buf *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

/* One zip entry of the generator: its local name and the central one, its
 * content, stored or deflated, the size its local and central headers
 * declare (0: the real one), and how many central records point at it. */
struct zent {
	const char *local, *central;
	const char *data;
	int deflate;
	uint32_t declared, central_declared;
	int copies;
};

static void
make_zip(struct gd_buf *b, const struct zent *e, size_t n, const char *trailer)
{
	struct gd_buf cd = { 0 };
	uint32_t *off = gd_xcalloc(n, sizeof(*off)), ncentral = 0;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		const char *data = e[i].data;
		uLong crc = crc32(0, (const Bytef *)data, (uInt)strlen(data));
		unsigned char packed[4096];
		size_t plen = strlen(data);
		uint32_t usize = e[i].declared ? e[i].declared : (uint32_t)strlen(data);
		uint32_t cusize = e[i].central_declared ? e[i].central_declared : usize;

		if (e[i].deflate) {
			z_stream z = { 0 };

			assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
			z.next_in = (Bytef *)data;
			z.avail_in = (uInt)strlen(data);
			z.next_out = packed;
			z.avail_out = sizeof(packed);
			assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
			plen = z.total_out;
			deflateEnd(&z);
		} else {
			memcpy(packed, data, plen);
		}
		off[i] = (uint32_t)b->len;
		put32(b, 0x04034b50);
		put16(b, 20);
		put16(b, 0);
		put16(b, e[i].deflate ? 8 : 0);
		put32(b, 0);  /* time, date */
		put32(b, (uint32_t)crc);
		put32(b, (uint32_t)plen);
		put32(b, usize);
		put16(b, (uint32_t)strlen(e[i].local));
		put16(b, 0);
		gd_buf_adds(b, e[i].local);
		gd_buf_add(b, (const char *)packed, plen);
		for (k = 0; k < (e[i].copies ? e[i].copies : 1); k++) {
			const char *name = e[i].central ? e[i].central : e[i].local;

			put32(&cd, 0x02014b50);
			put16(&cd, 3u << 8 | 20);  /* made by Unix */
			put16(&cd, 20);
			put16(&cd, 0);
			put16(&cd, e[i].deflate ? 8 : 0);
			put32(&cd, 0);
			put32(&cd, (uint32_t)crc);
			put32(&cd, (uint32_t)plen);
			put32(&cd, cusize);
			put16(&cd, (uint32_t)strlen(name));
			put16(&cd, 0);
			put16(&cd, 0);
			put16(&cd, 0);
			put16(&cd, 0);
			put32(&cd, 0100644u << 16);
			put32(&cd, off[i]);
			gd_buf_adds(&cd, name);
			ncentral++;
		}
	}
	put32(&cd, 0x06054b50);
	put32(&cd, 0);
	put16(&cd, ncentral);
	put16(&cd, ncentral);
	put32(&cd, (uint32_t)(cd.len - 4 - 4 - 4));  /* the records before this one */
	put32(&cd, (uint32_t)b->len);
	put16(&cd, 0);
	gd_buf_add(b, cd.data, cd.len);
	if (trailer != NULL)
		gd_buf_adds(b, trailer);
	gd_buf_free(&cd);
	free(off);
}

static void
zip_case(const struct zent *e, size_t n, const char *trailer, int want_rc, const char *want)
{
	struct gd_buf b = { 0 };
	struct res v;

	make_zip(&b, e, n, trailer);
	verify_bytes(b.data, b.len, &v);
	if (v.rc != want_rc)
		fail_msg("rc %d, want %d: %s", v.rc, want_rc, v.err);
	if (want != NULL)
		assert_contains(v.err, want);
	if (want_rc != 0)
		assert_int_equal(v.r.refused, 1);
	gd_verify_result_free(&v.r);
	gd_buf_free(&b);
}

static void
test_zip_honest(void **state)
{
	static const struct zent e[] = {
		{ "a.txt", NULL, "hello\n", 0, 0, 0, 0 },
		{ "dir/b.txt", NULL, "hello hello hello hello\n", 1, 0, 0, 0 },
	};

	(void)state;
	zip_case(e, 2, NULL, 0, NULL);
}

static void
test_zip_central_name(void **state)
{
	static const struct zent rel[] = { { "x", "../../tmp/evil.txt", "pwned\n", 0, 0, 0, 0 } };
	static const struct zent abs[] = { { "x", "/tmp/evil.txt", "pwned\n", 0, 0, 0, 0 } };
	static const struct zent other[] = { { "x", "y", "pwned\n", 0, 0, 0, 0 } };

	(void)state;
	zip_case(rel, 1, NULL, -1, "t.zip: ../../tmp/evil.txt: '..' in the path in the zip central "
	    "directory");
	zip_case(abs, 1, NULL, -1, "t.zip: /tmp/evil.txt: absolute path in the zip central directory");
	zip_case(other, 1, NULL, -1, "t.zip: y: named so in the zip central directory, but x in its "
	    "local header");
}

static void
test_zip_overlap(void **state)
{
	static const struct zent e[] = { { "x", NULL, "data\n", 0, 0, 0, 1000 } };

	(void)state;
	zip_case(e, 1, NULL, -1, "overlapping entries");
}

/* Sizes the data does not hold: in the local header libarchive sees the
 * short read; in the central directory (what unzip goes by) we do. */
static void
test_zip_short_data(void **state)
{
	static const struct zent local[] = { { "x", NULL, "hello", 1, 0xfffffff0u, 0, 0 } };
	static const struct zent central[] = { { "x", NULL, "hello", 1, 0, 0xfffffff0u, 0 } };
	struct gd_buf b = { 0 };
	struct res v;

	(void)state;
	make_zip(&b, local, 1, NULL);
	verify_bytes(b.data, b.len, &v);
	assert_int_equal(v.rc, -1);
	assert_contains(v.err, "t.zip: x: ");
	assert_contains(v.err, "4294967280");
	gd_verify_result_free(&v.r);
	gd_buf_free(&b);
	zip_case(central, 1, NULL, -1, "t.zip: x: the zip central directory says 4294967280 bytes, "
	    "its data held 5");
}

static void
test_zip_trailer(void **state)
{
	static const struct zent e[] = { { "x", NULL, "data\n", 0, 0, 0, 0 } };

	(void)state;
	zip_case(e, 1, "PK\005\006 another end", -1, "bytes after the zip's end record");
}

/* A pax tar (libarchive's writer) of one empty file at path, or of a hard
 * link there to link; returns its size in buf. */
static size_t
one_entry_tar(char *buf, size_t cap, const char *path, const char *link)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	size_t used = 0;

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	archive_entry_set_pathname(ae, path);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	if (link != NULL)
		archive_entry_set_hardlink(ae, link);
	else
		archive_entry_set_size(ae, 0);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(ae);
	return used;
}

static void
test_hardlink_missing(void **state)
{
	char buf[16384];
	struct res v;

	(void)state;
	verify_bytes(buf, one_entry_tar(buf, sizeof(buf), "link", "nothere"), &v);
	assert_int_equal(v.rc, -1);
	assert_contains(v.err, "link: hard link to nothere, which is not a file of the archive "
	    "before it");
	gd_verify_result_free(&v.r);
}

/* A refusal about an entry with a 3000-byte path keeps its reason. */
static void
test_long_path_message(void **state)
{
	char *buf = gd_xmalloc(1 << 16), path[3100];
	struct res v;

	(void)state;
	memset(path, 'd', 3000);
	strcpy(path + 3000, "/../../../x");
	verify_bytes(buf, one_entry_tar(buf, 1 << 16, path, NULL), &v);
	assert_int_equal(v.rc, -1);
	assert_contains(v.err, "t.zip: dddd");
	assert_contains(v.err, "...");
	assert_contains(v.err, "/../../../x: path leaves the archive root");
	/* the whole reason, to its last byte */
	assert_string_equal(v.err + strlen(v.err) - strlen("root"), "root");
	gd_verify_result_free(&v.r);
	free(buf);
}

static void
test_gzip_recursive(void **state)
{
	char *data;
	size_t len;
	char err[GD_ERRLEN];
	struct res v;

	(void)state;
	data = gd_read_file("tests/unit/fixtures/verify/gzip_recursive.gz", 1 << 20, &len, err,
	    sizeof(err));
	if (data == NULL)
		fail_msg("%s", err);
	assert_int_equal(len, 293);
	verify_bytes(data, len, &v);
	assert_int_equal(v.rc, -1);  /* refused on its first bytes: no hang, no 4 GB */
	assert_contains(v.err, "t.zip: ");
	assert_int_equal(v.r.archive_bytes, 293);
	gd_verify_result_free(&v.r);
	free(data);
}

/* in[0..n) gzipped (zlib's gzip wrapper) into b. */
static void
gzip_into(struct gd_buf *b, const void *in, size_t n)
{
	z_stream z = { 0 };
	unsigned char out[65536];
	int rc;

	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	do {
		z.next_out = out;
		z.avail_out = sizeof(out);
		rc = deflate(&z, Z_FINISH);
		gd_buf_add(b, (const char *)out, sizeof(out) - z.avail_out);
	} while (rc == Z_OK);
	assert_int_equal(rc, Z_STREAM_END);
	deflateEnd(&z);
}

/* A gzip of a gzip of a tar: the second layer is refused, not inflated. */
static void
test_gzip_twice(void **state)
{
	char tar[16384];
	struct gd_buf one = { 0 }, two = { 0 };
	struct res v;

	(void)state;
	gzip_into(&one, tar, one_entry_tar(tar, sizeof(tar), "x", NULL));
	gzip_into(&two, one.data, one.len);
	verify_bytes(two.data, two.len, &v);
	assert_int_equal(v.rc, -1);
	assert_contains(v.err, "compressed twice (gzip over gzip)");
	gd_verify_result_free(&v.r);
	gd_buf_free(&one);
	gd_buf_free(&two);
}

/* Two gzip members in a row (pg_basebackup -z writes so; cat a.gz b.gz too):
 * one archive, every member's CRC checked by zlib. */
static void
test_gzip_members(void **state)
{
	char tar[16384];
	struct gd_buf b = { 0 };
	size_t n;
	struct res v;

	(void)state;
	n = one_entry_tar(tar, sizeof(tar), "x", NULL);
	gzip_into(&b, tar, 512);            /* the header ... */
	gzip_into(&b, tar + 512, n - 512);  /* ... and the rest, another member */
	verify_bytes(b.data, b.len, &v);
	if (v.rc != 0)
		fail_msg("%s", v.err);
	assert_int_equal(v.r.entries, 1);
	gd_verify_result_free(&v.r);
	b.data[b.len - 6] ^= 1;  /* the last member's CRC-32 */
	verify_bytes(b.data, b.len, &v);
	assert_int_equal(v.rc, -1);
	assert_contains(v.err, "corrupt");
	gd_verify_result_free(&v.r);
	gd_buf_free(&b);
}

/* A gzip header whose file name never ends: refused after a few MiB. */
static void
test_gzip_endless_name(void **state)
{
	static const unsigned char head[] = { 0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3 };
	size_t n = 16u << 20;
	char *buf = gd_xmalloc(n);
	struct res v;

	(void)state;
	memset(buf, 'a', n);
	memcpy(buf, head, sizeof(head));
	verify_bytes(buf, n, &v);
	assert_int_equal(v.rc, -1);
	assert_contains(v.err, "no data within the first 4 MiB");
	assert_true(v.r.archive_bytes <= (5u << 20));
	gd_verify_result_free(&v.r);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zip_honest),
		cmocka_unit_test(test_zip_central_name),
		cmocka_unit_test(test_zip_overlap),
		cmocka_unit_test(test_zip_short_data),
		cmocka_unit_test(test_zip_trailer),
		cmocka_unit_test(test_hardlink_missing),
		cmocka_unit_test(test_long_path_message),
		cmocka_unit_test(test_gzip_recursive),
		cmocka_unit_test(test_gzip_twice),
		cmocka_unit_test(test_gzip_members),
		cmocka_unit_test(test_gzip_endless_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
