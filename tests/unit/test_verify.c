/* test_verify.c: the streaming verifier against good, broken and hostile archives.
 * The archives are made with libarchive's write API, which writes what tar
 * refuses to: '..', absolute paths, links out of the root, device nodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "gd.h"
#include "verify.h"

enum { F, D, L, H, CHR, FIFO };  /* entry types of struct ent */

struct ent {
	const char *path;
	int type;
	const char *data;   /* content, or NULL for size zeros */
	uint64_t size;
	const char *link;   /* symlink target or hard link target */
};

struct fx {
	char dir[64];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/gd-verify-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
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
	free(f);
	return 0;
}

#define assert_contains(hay, needle) do { \
	if (strstr((hay), (needle)) == NULL) \
		fail_msg("'%s' not in '%s'", (needle), (hay)); \
} while (0)

static char *
tpath(struct fx *f, const char *name)
{
	return gd_xasprintf("%s/%s", f->dir, name);
}

/* Writes an archive of entries with libarchive: filter is an ARCHIVE_FILTER_*,
 * format an ARCHIVE_FORMAT_*. */
static void
make_archive(const char *file, int filter, int format, const struct ent *e, size_t n)
{
	static char zeros[1 << 20];
	struct archive *a = archive_write_new();
	struct archive_entry *ae;
	size_t i;

	assert_non_null(a);
	if (filter == ARCHIVE_FILTER_GZIP)
		assert_true(archive_write_add_filter_gzip(a) >= ARCHIVE_WARN);
	else if (filter == ARCHIVE_FILTER_ZSTD)
		assert_true(archive_write_add_filter_zstd(a) >= ARCHIVE_WARN);
	else if (filter == ARCHIVE_FILTER_XZ)
		assert_true(archive_write_add_filter_xz(a) >= ARCHIVE_WARN);
	assert_int_equal(archive_write_set_format(a, format), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, file), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		uint64_t size = e[i].data != NULL ? strlen(e[i].data) : e[i].size, left;

		ae = archive_entry_new();
		archive_entry_set_pathname(ae, e[i].path);
		archive_entry_set_perm(ae, 0644);
		archive_entry_set_mtime(ae, 1700000000, 0);
		switch (e[i].type) {
		case F:
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_size(ae, (la_int64_t)size);
			break;
		case D:
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, 0755);
			break;
		case L:
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, e[i].link);
			break;
		case H:
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_hardlink(ae, e[i].link);
			archive_entry_set_size(ae, 0);
			break;
		case CHR:
			archive_entry_set_filetype(ae, AE_IFCHR);
			archive_entry_set_rdev(ae, makedev(1, 3));
			break;
		case FIFO:
			archive_entry_set_filetype(ae, AE_IFIFO);
			break;
		}
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		if (e[i].type == F && e[i].data != NULL)
			assert_int_equal(archive_write_data(a, e[i].data, size), (la_ssize_t)size);
		for (left = e[i].type == F && e[i].data == NULL ? size : 0; left > 0; ) {
			size_t k = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);

			assert_int_equal(archive_write_data(a, zeros, k), (la_ssize_t)k);
			left -= k;
		}
		archive_entry_free(ae);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static void
sha256_hex(const void *p, size_t n, char *out)
{
	unsigned char md[32];
	unsigned int len;
	int i;

	assert_int_equal(EVP_Digest(p, n, md, &len, EVP_sha256(), NULL), 1);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
sha256_file(const char *file, char *out)
{
	struct gd_buf b = { 0 };
	char chunk[65536];
	size_t n;
	FILE *fp = fopen(file, "rb");

	assert_non_null(fp);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		gd_buf_add(&b, chunk, n);
	fclose(fp);
	sha256_hex(b.data ? b.data : "", b.len, out);
	gd_buf_free(&b);
}

/* A manifest line for a file of the test. */
static void
sum_line(struct gd_buf *b, const char *data, const char *path)
{
	char h[65];

	sha256_hex(data, strlen(data), h);
	gd_buf_printf(b, "%s  %s\n", h, path);
}

struct run {
	struct gd_verify_limits lim;
	int threads;
	const char *manifest;       /* manifest text, or NULL */
	const char *name;           /* the archive's name in messages (default its path) */
	const struct gd_verify_sink *sink;
	struct gd_verify_result r;
	char err[GD_ERRLEN];
	int rc;
};

static void
run_init(struct run *v)
{
	memset(v, 0, sizeof(*v));
	gd_verify_limits_default(&v->lim);
	v->threads = 2;
}

static int
verify_file(const char *file, struct run *v)
{
	struct gd_verify_opts o;
	struct gd_manifest m;
	int fd;

	memset(&o, 0, sizeof(o));
	memset(&m, 0, sizeof(m));
	o.limits = v->lim;
	o.name = v->name != NULL ? v->name : file;
	o.threads = v->threads;
	o.sink = v->sink;
	if (v->manifest != NULL) {
		if (gd_manifest_parse(&m, "SUMS", v->manifest, strlen(v->manifest), v->err,
		    sizeof(v->err)) != 0)
			fail_msg("manifest: %s", v->err);
		o.manifest = &m;
	}
	fd = open(file, O_RDONLY);
	assert_true(fd >= 0);
	v->err[0] = '\0';
	v->rc = gd_verify_fd(fd, &o, NULL, NULL, &v->r, v->err, sizeof(v->err));
	close(fd);
	gd_manifest_free(&m);
	return v->rc;
}

static const struct ent good[] = {
	{ "./", D, NULL, 0, NULL },
	{ "./etc", D, NULL, 0, NULL },
	{ "./etc/hosts", F, "127.0.0.1 localhost\n", 0, NULL },
	{ "./etc/motd", F, "hello\n", 0, NULL },
	{ "./etc/motd.link", L, NULL, 0, "motd" },
	{ "./data", D, NULL, 0, NULL },
	{ "./data/big", F, NULL, 3 << 20, NULL },
	{ "./data/motd.hard", H, NULL, 0, "./etc/motd" },
};

/* The per-file manifest of good[], as find . -type f | xargs sha256sum writes it. */
static char *
good_manifest(void)
{
	struct gd_buf b = { 0 };
	char *zeros = gd_xcalloc(1, 3 << 20), h[65];

	sum_line(&b, "127.0.0.1 localhost\n", "./etc/hosts");
	sum_line(&b, "hello\n", "etc/motd");
	sha256_hex(zeros, 3 << 20, h);
	gd_buf_printf(&b, "%s *./data/big\n", h);  /* binary mode marker */
	sum_line(&b, "hello\n", "./data/motd.hard");
	free(zeros);
	return b.data;
}

static void
check_good(struct fx *f, const char *name, int filter, int format)
{
	char *file = tpath(f, name), *sums = good_manifest(), h[65], *whole;
	int threads;

	make_archive(file, filter, format, good, sizeof(good) / sizeof(good[0]));
	for (threads = 1; threads <= 2; threads++) {
		struct run v;

		run_init(&v);
		v.threads = threads;
		if (verify_file(file, &v) != 0)
			fail_msg("%s: %s", name, v.err);
		assert_true(gd_verify_ok(&v.r));
		assert_int_equal(v.r.entries, 8);
		assert_int_equal(v.r.files, 4);
		assert_int_equal(v.r.bytes, strlen("127.0.0.1 localhost\n") + 6 + (3 << 20));
		gd_verify_result_free(&v.r);

		run_init(&v);
		v.threads = threads;
		v.manifest = sums;
		if (verify_file(file, &v) != 0)
			fail_msg("%s with manifest: %s", name, v.err);
		if (!gd_verify_ok(&v.r))
			fail_msg("%s: %zu missing (%s), %zu extra (%s), %zu mismatched (%s)", name,
			    v.r.nmissing, v.r.nmissing ? v.r.missing[0] : "", v.r.nextra,
			    v.r.nextra ? v.r.extra[0] : "", v.r.nmismatched,
			    v.r.nmismatched ? v.r.mismatched[0] : "");
		assert_int_equal(v.r.whole, -1);
		gd_verify_result_free(&v.r);

		/* a hash of the whole archive, under its name or as stdin's "-" */
		sha256_file(file, h);
		whole = gd_xasprintf("%s  /srv/backups/%s\n%064d  other.tar.gz\n", h, name, 0);
		run_init(&v);
		v.threads = threads;
		v.manifest = whole;
		if (verify_file(file, &v) != 0)
			fail_msg("%s whole: %s", name, v.err);
		assert_int_equal(v.r.whole, 1);
		assert_true(gd_verify_ok(&v.r));
		gd_verify_result_free(&v.r);
		free(whole);
		whole = gd_xasprintf("%s  -\n", h);
		run_init(&v);
		v.manifest = whole;
		assert_int_equal(verify_file(file, &v), 0);
		assert_int_equal(v.r.whole, 1);
		gd_verify_result_free(&v.r);
		free(whole);
	}
	free(sums);
	free(file);
}

static void
test_good_tar(void **state)
{
	check_good(*state, "good.tar", ARCHIVE_FILTER_NONE, ARCHIVE_FORMAT_TAR_GNUTAR);
}

static void
test_good_tar_gz(void **state)
{
	check_good(*state, "good.tar.gz", ARCHIVE_FILTER_GZIP, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
}

static void
test_good_tar_zst(void **state)
{
	check_good(*state, "good.tar.zst", ARCHIVE_FILTER_ZSTD, ARCHIVE_FORMAT_TAR_USTAR);
}

static void
test_good_tar_xz(void **state)
{
	check_good(*state, "good.tar.xz", ARCHIVE_FILTER_XZ, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
}

static void
test_good_zip(void **state)
{
	struct fx *f = *state;
	/* zip has no hard links: the same files without one */
	static const struct ent z[] = {
		{ "etc/", D, NULL, 0, NULL },
		{ "etc/hosts", F, "127.0.0.1 localhost\n", 0, NULL },
		{ "etc/motd", F, "hello\n", 0, NULL },
		{ "etc/motd.link", L, NULL, 0, "motd" },
		{ "data/big", F, NULL, 3 << 20, NULL },
	};
	char *file = tpath(f, "good.zip"), *zeros = gd_xcalloc(1, 3 << 20), h[65], *whole;
	struct gd_buf b = { 0 };
	struct run v;

	make_archive(file, ARCHIVE_FILTER_NONE, ARCHIVE_FORMAT_ZIP, z, sizeof(z) / sizeof(z[0]));
	sum_line(&b, "127.0.0.1 localhost\n", "etc/hosts");
	sum_line(&b, "hello\n", "etc/motd");
	sha256_hex(zeros, 3 << 20, h);
	gd_buf_printf(&b, "%s  data/big\n", h);
	run_init(&v);
	v.manifest = b.data;
	if (verify_file(file, &v) != 0)
		fail_msg("zip: %s", v.err);
	assert_true(gd_verify_ok(&v.r));
	assert_int_equal(v.r.entries, 5);
	assert_int_equal(v.r.files, 3);
	assert_string_equal(v.r.filter, "none");
	assert_contains(v.r.format, "ZIP");
	gd_verify_result_free(&v.r);

	sha256_file(file, h);
	whole = gd_xasprintf("%s  good.zip\n", h);
	run_init(&v);
	v.manifest = whole;
	assert_int_equal(verify_file(file, &v), 0);
	assert_int_equal(v.r.whole, 1);
	gd_verify_result_free(&v.r);
	free(whole);
	gd_buf_free(&b);
	free(zeros);
	free(file);
}

/* Makes an archive of e, verifies it and expects a refusal naming entry and
 * saying why. */
static void
expect_refused(struct fx *f, const struct ent *e, size_t n, const char *entry, const char *why)
{
	char *file = tpath(f, "hostile.tar.gz"), *want;
	struct run v;
	int threads;

	make_archive(file, ARCHIVE_FILTER_GZIP, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, e, n);
	for (threads = 1; threads <= 2; threads++) {
		run_init(&v);
		v.threads = threads;
		v.name = "backup.tar.gz";
		assert_int_equal(verify_file(file, &v), -1);
		assert_int_equal(v.r.refused, 1);
		want = gd_xasprintf("backup.tar.gz: %s: ", entry);
		assert_contains(v.err, want);
		assert_contains(v.err, why);
		assert_string_equal(v.r.where, entry);
		free(want);
		gd_verify_result_free(&v.r);
	}
	free(file);
}

static void
assert_not_created(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		fail_msg("%s was created", path);
}

static void
test_traversal(void **state)
{
	struct fx *f = *state;
	char *evil = gd_xasprintf("../gd-verify-evil-%d", (int)getpid());
	char *deep = gd_xasprintf("etc/../../gd-verify-evil-%d", (int)getpid());
	char *seen = gd_xasprintf("/tmp/gd-verify-evil-%d", (int)getpid());
	struct ent e[] = {
		{ "ok", F, "fine\n", 0, NULL },
		{ evil, F, "owned\n", 0, NULL },
	};

	expect_refused(f, e, 2, evil, "path leaves the archive root");
	e[1].path = deep;
	expect_refused(f, e, 2, deep, "path leaves the archive root");
	e[1].path = "etc/../passwd";
	expect_refused(f, e, 2, "etc/../passwd", "'..' in a path is refused");
	assert_not_created(seen);  /* verify reads, never extracts */
	free(evil);
	free(deep);
	free(seen);
}

static void
test_absolute(void **state)
{
	char *abs = gd_xasprintf("/tmp/gd-verify-abs-%d", (int)getpid());
	struct ent e[] = { { abs, F, "owned\n", 0, NULL } };

	expect_refused(*state, e, 1, abs, "absolute path");
	assert_not_created(abs);
	free(abs);
}

static void
test_symlink_escape(void **state)
{
	/* tar -x would follow link/ to write ../../outside/file */
	static const struct ent e[] = {
		{ "d", D, NULL, 0, NULL },
		{ "d/link", L, NULL, 0, "../../outside" },
		{ "d/link/file", F, "owned\n", 0, NULL },
	};
	static const struct ent abs[] = { { "shadow", L, NULL, 0, "/etc/shadow" } };
	/* inside the root, but written through */
	static const struct ent through[] = {
		{ "sub", D, NULL, 0, NULL },
		{ "link", L, NULL, 0, "sub" },
		{ "link/file", F, "x\n", 0, NULL },
	};
	/* a/b/s is a/, so s/../../.. from a/b climbs out, though it reads as inside */
	static const struct ent chain[] = {
		{ "a/b/s", L, NULL, 0, ".." },
		{ "a/b/l", L, NULL, 0, "s/../../.." },
	};
	/* d/l -> x/.. was inside until d/x became a link to the root */
	static const struct ent later[] = {
		{ "d/l", L, NULL, 0, "x/.." },
		{ "d/x", L, NULL, 0, ".." },
	};
	static const struct ent hardsym[] = {
		{ "a/b/s", L, NULL, 0, "../x" },
		{ "h", H, NULL, 0, "a/b/s" },
	};

	expect_refused(*state, e, 3, "d/link", "leads outside the archive root");
	expect_refused(*state, abs, 1, "shadow", "absolute path /etc/shadow");
	expect_refused(*state, through, 3, "link/file", "goes through the symlink link");
	expect_refused(*state, chain, 2, "a/b/l", "leads outside the archive root");
	expect_refused(*state, later, 2, "d/x", "makes the earlier symlink d/l -> x/..");
	expect_refused(*state, hardsym, 2, "h", "hard link to the symlink");
}

/* A zip stream hides file types (they are in its central directory, at the
 * end): a zip symlink reads as a file until then. */
static void
test_zip_symlink(void **state)
{
	struct fx *f = *state;
	static const struct ent e[] = {
		{ "link", L, NULL, 0, "../../outside" },
		{ "link/file", F, "owned\n", 0, NULL },
	};
	char *file = tpath(f, "evil.zip");
	struct run v;

	make_archive(file, ARCHIVE_FILTER_NONE, ARCHIVE_FORMAT_ZIP, e, 2);
	run_init(&v);
	v.name = "evil.zip";
	assert_int_equal(verify_file(file, &v), -1);
	assert_int_equal(v.r.refused, 1);
	assert_contains(v.err, "evil.zip: link: symlink to ../../outside leads outside");
	gd_verify_result_free(&v.r);
	free(file);
}

static void
test_hardlink_escape(void **state)
{
	static const struct ent up[] = { { "h", H, NULL, 0, "../../etc/passwd" } };
	static const struct ent abs[] = { { "h", H, NULL, 0, "/etc/passwd" } };
	static const struct ent dots[] = {
		{ "a/f", F, "x\n", 0, NULL },
		{ "h", H, NULL, 0, "a/../a/f" },
	};

	expect_refused(*state, up, 1, "h", "leads outside the archive root");
	expect_refused(*state, abs, 1, "h", "absolute path /etc/passwd");
	expect_refused(*state, dots, 2, "h", "'..' in a link target");
}

static void
test_devices(void **state)
{
	static const struct ent chr[] = {
		{ "dev", D, NULL, 0, NULL },
		{ "dev/null", CHR, NULL, 0, NULL },
	};
	static const struct ent fifo[] = { { "pipe", FIFO, NULL, 0, NULL } };

	expect_refused(*state, chr, 2, "dev/null", "character device");
	expect_refused(*state, fifo, 1, "pipe", "fifo");
}

static void
test_bomb(void **state)
{
	struct fx *f = *state;
	static const struct ent e[] = {
		{ "readme", F, "nothing to see\n", 0, NULL },
		{ "zeros.img", F, NULL, 200 << 20, NULL },
	};
	char *file = tpath(f, "bomb.tar.gz");
	struct stat st;
	struct run v;

	make_archive(file, ARCHIVE_FILTER_GZIP, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, e, 2);
	assert_int_equal(stat(file, &st), 0);
	assert_true(st.st_size < 300 << 10);  /* 200 MiB in about 200 KiB */
	run_init(&v);
	assert_int_equal(verify_file(file, &v), -1);
	assert_int_equal(v.r.refused, 1);
	assert_contains(v.err, "zeros.img: compression ratio over 200:1");
	/* stopped early: a fraction of the 200 MiB was decompressed */
	if (v.r.bytes >= 100u << 20)
		fail_msg("read %llu bytes before refusing", (unsigned long long)v.r.bytes);
	gd_verify_result_free(&v.r);

	/* with the ratio off, the per-entry budget stops it before its data */
	run_init(&v);
	v.lim.max_ratio = 0;
	v.lim.max_entry = 100 << 20;
	assert_int_equal(verify_file(file, &v), -1);
	assert_contains(v.err, "zeros.img: 209715200 bytes, over the per-entry budget");
	assert_true(v.r.bytes < 1024);
	gd_verify_result_free(&v.r);

	run_init(&v);
	v.lim.max_ratio = 0;
	v.lim.max_total = 50 << 20;
	assert_int_equal(verify_file(file, &v), -1);
	assert_contains(v.err, "zeros.img: 209715200 bytes, past the budget of 52428800 bytes");
	gd_verify_result_free(&v.r);
	free(file);
}

/* A small tar, then zeros in the same gzip stream, past the tar's end. */
static void
test_bomb_past_end(void **state)
{
	struct fx *f = *state;
	static char zeros[1 << 20];
	char tarbuf[10240];
	size_t used = 0;
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	char *file = tpath(f, "tail.tar.gz");
	struct run v;
	int i;

	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_per_block(a, 0);
	assert_int_equal(archive_write_open_memory(a, tarbuf, sizeof(tarbuf), &used), ARCHIVE_OK);
	archive_entry_set_pathname(ae, "a");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, 3);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, "hi\n", 3), 3);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(ae);

	a = archive_write_new();
	ae = archive_entry_new();
	archive_write_add_filter_gzip(a);
	archive_write_set_format_raw(a);
	assert_int_equal(archive_write_open_filename(a, file), ARCHIVE_OK);
	archive_entry_set_pathname(ae, "raw");
	archive_entry_set_filetype(ae, AE_IFREG);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, tarbuf, used), (la_ssize_t)used);
	for (i = 0; i < 200; i++)
		assert_int_equal(archive_write_data(a, zeros, sizeof(zeros)), (la_ssize_t)sizeof(zeros));
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(ae);

	run_init(&v);
	v.name = "tail.tar.gz";
	assert_int_equal(verify_file(file, &v), -1);
	assert_int_equal(v.r.refused, 1);
	assert_contains(v.err, "tail.tar.gz: (past the end of the archive): compression ratio");
	gd_verify_result_free(&v.r);
	free(file);
}

static void
test_budgets(void **state)
{
	struct fx *f = *state;
	static const struct ent e[] = {
		{ "a", F, "1\n", 0, NULL },
		{ "b", F, "2\n", 0, NULL },
		{ "c", F, "3\n", 0, NULL },
		{ "d", F, "4\n", 0, NULL },
		{ "e", F, "5\n", 0, NULL },
	};
	char longname[300];
	struct ent lp[] = { { longname, F, "x\n", 0, NULL } };
	char *file = tpath(f, "many.tar");
	struct run v;

	make_archive(file, ARCHIVE_FILTER_NONE, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, e, 5);
	run_init(&v);
	v.lim.max_entries = 3;
	v.name = "many.tar";
	assert_int_equal(verify_file(file, &v), -1);
	assert_int_equal(v.r.refused, 1);
	assert_contains(v.err, "many.tar: d: entry 4, over the budget of 3 entries");
	assert_int_equal(v.r.entries, 4);
	gd_verify_result_free(&v.r);

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	make_archive(file, ARCHIVE_FILTER_NONE, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, lp, 1);
	run_init(&v);
	v.lim.max_path = 100;
	assert_int_equal(verify_file(file, &v), -1);
	assert_contains(v.err, "path of 299 bytes, over the 100-byte budget");
	gd_verify_result_free(&v.r);
	free(file);
}

/* A good archive written, then broken on disk. */
static char *
make_gz(struct fx *f, const char *name, size_t *size)
{
	static const struct ent e[] = {
		{ "etc/motd", F, "hello\n", 0, NULL },
		{ "var/random", F, NULL, 0, NULL },
	};
	struct ent ee[2];
	char *file = tpath(f, name), *rnd = gd_xmalloc((1 << 20) + 1);
	struct stat st;
	size_t i;

	/* text that deflate cannot shrink much, so the flip lands in real data */
	srand(7);
	for (i = 0; i < 1 << 20; i++)
		rnd[i] = (char)(33 + rand() % 90);
	rnd[1 << 20] = '\0';
	memcpy(ee, e, sizeof(ee));
	ee[1].data = rnd;
	make_archive(file, ARCHIVE_FILTER_GZIP, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ee, 2);
	assert_int_equal(stat(file, &st), 0);
	*size = (size_t)st.st_size;
	free(rnd);
	return file;
}

static void
test_truncated_gzip(void **state)
{
	struct fx *f = *state;
	size_t size;
	char *file = make_gz(f, "cut.tar.gz", &size);
	struct run v;
	int threads;

	assert_int_equal(truncate(file, (off_t)(size / 2)), 0);
	for (threads = 1; threads <= 2; threads++) {
		run_init(&v);
		v.threads = threads;
		v.name = "cut.tar.gz";
		assert_int_equal(verify_file(file, &v), -1);
		assert_int_equal(v.r.refused, 0);
		assert_contains(v.err, "cut.tar.gz: var/random: truncated gzip input");
		gd_verify_result_free(&v.r);
	}
	/* cut in the trailer: every entry reads, the CRC cannot be checked */
	assert_int_equal(truncate(file, 0), 0);
	free(file);
	file = make_gz(f, "cut.tar.gz", &size);
	assert_int_equal(truncate(file, (off_t)(size - 4)), 0);
	run_init(&v);
	assert_int_equal(verify_file(file, &v), -1);
	gd_verify_result_free(&v.r);
	free(file);
}

static void
flip(const char *file, long at)
{
	int fd = open(file, O_RDWR);
	unsigned char c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x10;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

static void
test_flipped_byte(void **state)
{
	struct fx *f = *state;
	long where[3];
	size_t size;
	char *file;
	int i;

	/* in the middle of the deflate data, near its end, and in the CRC itself */
	for (i = 0; i < 3; i++) {
		struct run v;

		file = make_gz(f, "flip.tar.gz", &size);
		where[0] = (long)size / 2;
		where[1] = (long)size - 100;
		where[2] = (long)size - 7;
		flip(file, where[i]);
		run_init(&v);
		v.name = "flip.tar.gz";
		if (verify_file(file, &v) != -1)
			fail_msg("a flipped byte at %ld of %zu was not seen", where[i], size);
		assert_int_equal(v.r.refused, 0);
		assert_contains(v.err, "flip.tar.gz: ");
		gd_verify_result_free(&v.r);
		free(file);
	}
}

static void
test_manifest_mismatch(void **state)
{
	struct fx *f = *state;
	static const struct ent e[] = {
		{ "etc/motd", F, "hello\n", 0, NULL },
		{ "etc/hosts", F, "127.0.0.1 localhost\n", 0, NULL },
		{ "etc/new", F, "not in the manifest\n", 0, NULL },
	};
	char *file = tpath(f, "m.tar.gz"), h[65], *whole;
	struct gd_buf b = { 0 };
	struct run v;

	make_archive(file, ARCHIVE_FILTER_GZIP, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, e, 3);
	sum_line(&b, "hello, changed\n", "etc/motd");
	sum_line(&b, "127.0.0.1 localhost\n", "./etc/hosts");
	sum_line(&b, "gone\n", "etc/gone");
	run_init(&v);
	v.manifest = b.data;
	assert_int_equal(verify_file(file, &v), 0);
	assert_false(gd_verify_ok(&v.r));
	assert_int_equal(v.r.nmismatched, 1);
	assert_string_equal(v.r.mismatched[0], "etc/motd");
	assert_int_equal(v.r.nmissing, 1);
	assert_string_equal(v.r.missing[0], "etc/gone");
	assert_int_equal(v.r.nextra, 1);
	assert_string_equal(v.r.extra[0], "etc/new");
	gd_verify_result_free(&v.r);

	sha256_hex("not the archive", 15, h);
	whole = gd_xasprintf("%s  m.tar.gz\n", h);
	run_init(&v);
	v.manifest = whole;
	assert_int_equal(verify_file(file, &v), 0);
	assert_int_equal(v.r.whole, 0);
	assert_false(gd_verify_ok(&v.r));
	gd_verify_result_free(&v.r);
	free(whole);
	gd_buf_free(&b);
	free(file);
}

static void
test_missing_from_manifest(void **state)
{
	struct fx *f = *state;
	static const struct ent e[] = {
		{ "a", F, "a\n", 0, NULL },
		{ "b", F, "b\n", 0, NULL },
	};
	char *file = tpath(f, "x.tar.xz");
	struct gd_buf b = { 0 };
	struct run v;

	make_archive(file, ARCHIVE_FILTER_XZ, ARCHIVE_FORMAT_TAR_USTAR, e, 2);
	sum_line(&b, "a\n", "a");
	run_init(&v);
	v.manifest = b.data;
	assert_int_equal(verify_file(file, &v), 0);
	assert_false(gd_verify_ok(&v.r));
	assert_int_equal(v.r.nextra, 1);
	assert_string_equal(v.r.extra[0], "b");
	assert_int_equal(v.r.nmissing + v.r.nmismatched, 0);
	gd_verify_result_free(&v.r);
	gd_buf_free(&b);
	free(file);
}

static void
test_empty(void **state)
{
	struct fx *f = *state;
	char *file = tpath(f, "empty.tar.gz");
	struct run v;
	int fd;

	/* an archive with no entries reads fine, and is not a backup: exit 1 */
	make_archive(file, ARCHIVE_FILTER_GZIP, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, NULL, 0);
	run_init(&v);
	assert_int_equal(verify_file(file, &v), 0);
	assert_int_equal(v.r.entries, 0);
	assert_false(gd_verify_ok(&v.r));
	gd_verify_result_free(&v.r);

	/* a file of no bytes is not even an archive: exit 2 */
	fd = open(file, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	close(fd);
	run_init(&v);
	v.name = "empty.tar.gz";
	assert_int_equal(verify_file(file, &v), -1);
	assert_contains(v.err, "empty.tar.gz: an empty file");
	gd_verify_result_free(&v.r);
	free(file);
}

static void
test_not_an_archive(void **state)
{
	struct fx *f = *state;
	char *file = tpath(f, "notes.txt");
	FILE *fp = fopen(file, "w");
	struct run v;

	assert_non_null(fp);
	fputs("just some notes, not a backup\n", fp);
	fclose(fp);
	run_init(&v);
	v.name = "notes.txt";
	assert_int_equal(verify_file(file, &v), -1);
	assert_contains(v.err, "notes.txt: not a tar or zip archive");
	gd_verify_result_free(&v.r);
	free(file);
}

struct tally {
	struct gd_buf names;
	uint64_t bytes;
	int headers, dones;
};

static int
t_header(void *arg, const struct gd_verify_entry *e, char *err, size_t errlen)
{
	struct tally *t = arg;

	(void)err; (void)errlen;
	t->headers++;
	gd_buf_printf(&t->names, "%s|", archive_entry_pathname(e->ae));
	return 0;
}

static int
t_data(void *arg, const void *buf, size_t len, char *err, size_t errlen)
{
	struct tally *t = arg;

	(void)buf;
	t->bytes += len;
	if (t->bytes > 5000)
		return gd_errf(err, errlen, "target disk full");
	return 0;
}

static int
t_done(void *arg, const struct gd_verify_entry *e, char *err, size_t errlen)
{
	struct tally *t = arg;

	(void)err; (void)errlen;
	if (e->type == GD_VT_FILE)
		assert_true(e->has_sha256);
	t->dones++;
	return 0;
}

/* What the drill sees: normalised headers, then every data byte. */
static void
test_sink(void **state)
{
	struct fx *f = *state;
	static const struct ent e[] = {
		{ "./etc", D, NULL, 0, NULL },
		{ "./etc//motd", F, "hello\n", 0, NULL },
		{ "./etc/big", F, NULL, 4000, NULL },
		{ "./etc/motd2", H, NULL, 0, "./etc/motd" },
	};
	static const struct ent more[] = { { "big2", F, NULL, 4000, NULL } };
	struct gd_verify_sink sink = { t_header, t_data, t_done, NULL };
	struct tally t = { 0 };
	char *file = tpath(f, "sink.tar");
	struct run v;

	sink.arg = &t;
	make_archive(file, ARCHIVE_FILTER_NONE, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, e, 4);
	run_init(&v);
	v.sink = &sink;
	assert_int_equal(verify_file(file, &v), 0);
	assert_int_equal(t.headers, 4);
	assert_int_equal(t.dones, 4);
	assert_int_equal(t.bytes, 4006);
	assert_string_equal(t.names.data, "etc|etc/motd|etc/big|etc/motd2|");
	gd_verify_result_free(&v.r);

	/* a sink's error stops the verification with its message */
	make_archive(file, ARCHIVE_FILTER_NONE, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, more, 1);
	run_init(&v);
	v.sink = &sink;
	v.name = "sink.tar";
	assert_int_equal(verify_file(file, &v), -1);
	assert_contains(v.err, "sink.tar: big2: target disk full");
	gd_verify_result_free(&v.r);
	gd_buf_free(&t.names);
	free(file);
}

static void
test_manifest_parse(void **state)
{
	struct gd_manifest m;
	char err[GD_ERRLEN], h[65];
	char *text;

	(void)state;
	sha256_hex("x", 1, h);
	text = gd_xasprintf("# made by hand\n\n%s  ./a/b\r\n%s *c\n\\%s  new\\nline\\\\x\n"
	    "SHA256 (d e) = %s\n", h, h, h, h);
	assert_int_equal(gd_manifest_parse(&m, "SUMS", text, strlen(text), err, sizeof(err)), 0);
	assert_int_equal(m.n, 4);
	assert_true(gd_manifest_find(&m, "a/b") >= 0);
	assert_true(gd_manifest_find(&m, "c") >= 0);
	assert_true(gd_manifest_find(&m, "new\nline\\x") >= 0);
	assert_true(gd_manifest_find(&m, "d e") >= 0);
	assert_null(gd_manifest_whole(&m, "/srv/backup.tar.gz"));
	assert_int_equal(gd_manifest_check(&m, err, sizeof(err)), 0);
	gd_manifest_free(&m);
	free(text);

	text = gd_xasprintf("%s  a\nd41d8cd98f00b204e9800998ecf8427e  b\n", h);
	assert_int_equal(gd_manifest_parse(&m, "SUMS", text, strlen(text), err, sizeof(err)), -1);
	assert_contains(err, "SUMS: line 2: not a SHA-256 line");
	gd_manifest_free(&m);
	free(text);

	text = gd_xasprintf("%s  ../a\n", h);
	assert_int_equal(gd_manifest_parse(&m, "SUMS", text, strlen(text), err, sizeof(err)), 0);
	assert_int_equal(gd_manifest_check(&m, err, sizeof(err)), -1);
	assert_contains(err, "SUMS: line 1: '..' in the path");
	gd_manifest_free(&m);
	free(text);

	text = gd_xasprintf("%s  a\n%064d  ./a\n", h, 0);
	assert_int_equal(gd_manifest_parse(&m, "SUMS", text, strlen(text), err, sizeof(err)), -1);
	assert_contains(err, "line 2: a is listed again with another hash (line 1)");
	gd_manifest_free(&m);
	free(text);

	assert_int_equal(gd_manifest_parse(&m, "SUMS", "\n# nothing\n", 11, err, sizeof(err)), -1);
	assert_contains(err, "no hashes");
	gd_manifest_free(&m);
}

static void
test_path_norm(void **state)
{
	char *p;

	(void)state;
	assert_int_equal(gd_path_norm("./etc//x/", &p), 0);
	assert_string_equal(p, "etc/x");
	free(p);
	assert_int_equal(gd_path_norm("./", &p), 0);
	assert_string_equal(p, "");
	free(p);
	assert_int_equal(gd_path_norm("/etc", &p), GD_PATH_ABSOLUTE);
	free(p);
	assert_int_equal(gd_path_norm("a/../b", &p), GD_PATH_DOTDOT);
	free(p);
	assert_int_equal(gd_path_norm("a/../../b", &p), GD_PATH_DOTDOT | GD_PATH_ESCAPES);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_norm),
		cmocka_unit_test(test_manifest_parse),
		cmocka_unit_test_setup_teardown(test_good_tar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_tar_gz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_tar_zst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_tar_xz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_zip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_traversal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absolute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zip_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardlink_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bomb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bomb_past_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budgets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manifest_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_from_manifest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_an_archive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sink, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
