/* verify.c: prove a backup archive whole as it streams past, entry by entry.
 *
 * Two libarchive readers in a row. The first (the source) undoes the
 * compression: raw bytes in through the caller's read function, the archive's
 * tar or zip bytes out. The second parses those and hands each entry's data to
 * SHA-256. With two threads the source runs on its own, a few 1 MiB blocks
 * ahead of the parser, so that decompressing and hashing overlap.
 *
 * libarchive does not check a gzip member's CRC-32 (its gzip filter leaves it
 * as a TODO), so we do: the CRC of everything the source produced against the
 * trailer that ends the raw stream. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verify_int.h"

void
gd_verify_limits_default(struct gd_verify_limits *l)
{
	l->max_entries = 1000000;
	l->max_total = 64ull << 30;
	l->max_entry = 16ull << 30;
	l->max_ratio = 200;
	l->ratio_floor = 32ull << 20;
	l->max_path = 4096;
}

/* --- the parser --- */


/* A copy of s fit for a terminal: control bytes as \xNN. */
char *
gd_v_show(const char *s)
{
	struct gd_buf b = { 0 };

	gd_buf_add(&b, "", 0);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			gd_buf_printf(&b, "\\x%02x", c);
		else
			gd_buf_add(&b, s, 1);
	}
	return b.data;
}

static void
add_path(char ***v, size_t *n, const char *path)
{
	*v = gd_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = gd_xstrdup(path);
}


/* s cut to at most max bytes by dropping its middle, "..." in its place. */
static char *
cut_middle(const char *s, size_t max)
{
	size_t n = strlen(s), head;

	if (n <= max)
		return gd_xstrdup(s);
	if (max < 8)
		max = 8;
	head = (max - 3) / 2;
	return gd_xasprintf("%.*s...%s", (int)head, s, s + n - (max - 3 - head));
}

/* "NAME: PREFIXWHERE: WHY" into err; a long name or entry is cut in its middle
 * so that the reason always survives. */
static void
say(char *err, size_t errlen, const char *name, const char *prefix, const char *where,
    const char *why)
{
	size_t fixed = strlen(why) + strlen(prefix) + 5, room, nn, wn;
	char *n, *w;

	if (where == NULL) {
		prefix = "";
		where = "";
	}
	room = errlen > fixed + 48 ? errlen - fixed : 48;
	nn = strlen(name);
	wn = strlen(where);
	if (nn + wn > room) {
		size_t give = nn < room / 3 ? nn : room / 3;

		wn = wn < room - give ? wn : room - give;
		nn = room - wn;
	}
	n = cut_middle(name, nn);
	w = cut_middle(where, wn);
	if (*where == '\0' && *prefix == '\0')
		gd_errf(err, errlen, "%s: %s", n, why);
	else
		gd_errf(err, errlen, "%s: %s%s: %s", n, prefix, w, why);
	free(n);
	free(w);
}

int
gd_v_refuse(struct vctx *c, char *err, size_t errlen, const char *fmt, ...)
{
	char why[GD_ERRLEN];
	char *where = gd_v_show(c->cur != NULL ? c->cur : "");
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	say(err, errlen, c->o->name, "", where, why);
	free(where);
	free(c->r->why);
	c->r->why = gd_xstrdup(why);
	c->r->refused = 1;
	free(c->r->where);
	c->r->where = gd_xstrdup(c->cur != NULL ? c->cur : "");
	return -1;
}

/* The archive cannot be read: err says where, "NAME: ENTRY: why" or
 * "NAME: after ENTRY: why". text may be err itself. */
int
gd_v_broken(struct vctx *c, char *err, size_t errlen, const char *text)
{
	char *where = c->cur != NULL ? gd_v_show(c->cur) : NULL, why[GD_ERRLEN];

	snprintf(why, sizeof(why), "%s", text);
	say(err, errlen, c->o->name, c->in_data ? "" : "after ", where, why);
	free(where);
	free(c->r->why);
	c->r->why = gd_xstrdup(why);
	free(c->r->where);
	c->r->where = c->cur != NULL ? gd_xstrdup(c->cur) : NULL;
	return -1;
}

/* What went wrong in the last libarchive call: the source's own error first. */
static int
archive_broken(struct vctx *c, char *err, size_t errlen)
{
	char why[GD_ERRLEN + 64];
	const char *e = archive_error_string(c->a);

	if (c->src_failed && c->src.err[0] != '\0')
		e = c->src.err;
	else if (e == NULL)
		e = "corrupt or truncated";
	snprintf(why, sizeof(why), "%s (archive byte %llu)", e,
	    (unsigned long long)atomic_load(&c->src.rawtotal));
	return gd_v_broken(c, err, errlen, why);
}

static la_ssize_t
parser_read(struct archive *a, void *arg, const void **buf)
{
	struct vctx *c = arg;
	const unsigned char *b = NULL;
	size_t len = 0;
	int rc;

	rc = gd_vsrc_next(&c->src, &b, &len);
	if (rc < 0) {
		c->src_failed = 1;
		archive_set_error(a, EIO, "%s", c->src.err);
		return -1;
	}
	*buf = b;
	if (rc == 0)
		return 0;
	if (c->out == 0 && len >= 2 && b[0] == 'P' && b[1] == 'K')
		c->zip = 1;
	if (c->zip)
		gd_vzip_keep(c, b, len, c->out);
	c->out += len;
	if (c->src.gzip)
		c->crc = gd_vsrc_crc32(c->crc, b, len);
	return (la_ssize_t)len;
}

/* Checks an entry's header against the rules and budgets; fills e. */
static int
check_header(struct vctx *c, struct archive_entry *ae, struct gd_verify_entry *e,
    char **norm, char **linknorm, char *err, size_t errlen)
{
	const char *raw = gd_vlink_entry_path(ae), *via;
	int flags;

	free(c->cur);
	c->cur = raw != NULL ? gd_xstrdup(raw) : gd_xasprintf("entry %llu",
	    (unsigned long long)c->r->entries + 1);
	c->in_data = 0;
	if (++c->r->entries > c->lim.max_entries)
		return gd_v_refuse(c, err, errlen, "entry %llu, over the budget of %llu entries "
		    "(--max-entries)", (unsigned long long)c->r->entries,
		    (unsigned long long)c->lim.max_entries);
	if (raw == NULL)
		return gd_v_refuse(c, err, errlen, "a path that cannot be read");
	if (strlen(raw) > c->lim.max_path)
		return gd_v_refuse(c, err, errlen, "path of %zu bytes, over the %zu-byte budget "
		    "(--max-path)", strlen(raw), c->lim.max_path);
	flags = gd_path_norm(raw, norm);
	if (flags & GD_PATH_ABSOLUTE)
		return gd_v_refuse(c, err, errlen, "absolute path: leads outside the archive root");
	if (flags & GD_PATH_ESCAPES)
		return gd_v_refuse(c, err, errlen, "path leaves the archive root");
	if (flags & GD_PATH_DOTDOT)
		return gd_v_refuse(c, err, errlen, "'..' in a path is refused");
	memset(e, 0, sizeof(*e));
	e->path = *norm;
	e->ae = ae;
	if (archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0)
		e->size = (uint64_t)archive_entry_size(ae);  /* as the header says, till read */
	if (gd_vlink_entry_hardlink(ae) != NULL) {
		e->type = GD_VT_HARDLINK;
		if (gd_vlink_check_hardlink(c, gd_vlink_entry_hardlink(ae), linknorm, err, errlen) != 0)
			return -1;
		e->link = *linknorm;
	} else {
		const char *bad = gd_vlink_bad_type(archive_entry_filetype(ae));

		if (bad != NULL)
			return gd_v_refuse(c, err, errlen, "%s", bad);
		e->type = archive_entry_filetype(ae) == AE_IFDIR ? GD_VT_DIR :
		    archive_entry_filetype(ae) == AE_IFLNK ? GD_VT_SYMLINK : GD_VT_FILE;
		if (e->type == GD_VT_SYMLINK)
			e->link = gd_vlink_entry_symlink(ae);
	}
	if (**norm == '\0' && e->type != GD_VT_DIR)
		return gd_v_refuse(c, err, errlen, "the archive root as a file or link");
	via = gd_vlink_through(c, *norm);
	if (via != NULL)
		return gd_v_refuse(c, err, errlen, "path goes through the symlink %.200s", via);
	if (e->type == GD_VT_SYMLINK && gd_vlink_check_symlink(c, *norm, e->link, err, errlen) != 0)
		return -1;
	if (archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0) {
		uint64_t size = (uint64_t)archive_entry_size(ae);

		if (size > c->lim.max_entry)
			return gd_v_refuse(c, err, errlen, "%llu bytes, over the per-entry budget of %llu "
			    "(--max-entry-bytes)", (unsigned long long)size,
			    (unsigned long long)c->lim.max_entry);
		if (size > c->lim.max_total - c->r->bytes)
			return gd_v_refuse(c, err, errlen, "%llu bytes, past the budget of %llu bytes in all "
			    "(--max-bytes)", (unsigned long long)size, (unsigned long long)c->lim.max_total);
	}
	/* the sink writes what we checked: the normalised names */
	archive_entry_copy_pathname(ae, **norm != '\0' ? *norm : ".");
	if (e->type == GD_VT_HARDLINK)
		archive_entry_copy_hardlink(ae, *linknorm);
	return 0;
}

/* The decompressed bytes so far against the archive bytes read: a bomb is
 * stopped after a few MiB of it, not after it filled the disk. Sparse holes
 * are not decompressed and do not count. */
static int
over_ratio(struct vctx *c)
{
	uint64_t raw = atomic_load(&c->src.rawtotal);

	return c->lim.max_ratio > 0 && c->out > c->lim.ratio_floor &&
	    c->out / (raw > 0 ? raw : 1) >= c->lim.max_ratio;
}

static int
check_ratio(struct vctx *c, char *err, size_t errlen)
{
	uint64_t raw = atomic_load(&c->src.rawtotal);

	if (over_ratio(c))
		return gd_v_refuse(c, err, errlen, "compression ratio over %llu:1 (%llu bytes out of %llu "
		    "archive bytes): an archive bomb? (--max-ratio)",
		    (unsigned long long)c->lim.max_ratio, (unsigned long long)c->out,
		    (unsigned long long)raw);
	return 0;
}

/* Counts n more content bytes against the budgets, before they are used. */
static int
account(struct vctx *c, size_t n, char *err, size_t errlen)
{
	c->entry_bytes += n;
	c->r->bytes += n;
	if (c->entry_bytes > c->lim.max_entry)
		return gd_v_refuse(c, err, errlen, "over the per-entry budget of %llu bytes "
		    "(--max-entry-bytes)", (unsigned long long)c->lim.max_entry);
	if (c->r->bytes > c->lim.max_total)
		return gd_v_refuse(c, err, errlen, "past the budget of %llu bytes in all (--max-bytes)",
		    (unsigned long long)c->lim.max_total);
	return check_ratio(c, err, errlen);
}

static int
feed(struct vctx *c, const void *buf, size_t n, char *err, size_t errlen)
{
	const struct gd_verify_sink *sk = c->o->sink;

	if (account(c, n, err, errlen) != 0)
		return -1;
	EVP_DigestUpdate(c->ctx, buf, n);
	if (c->hold != NULL) {  /* a zip symlink's target, kept until it is checked */
		if (c->hold->len + n > c->lim.max_path)
			return gd_v_refuse(c, err, errlen, "zip symlink target over the %zu-byte budget "
			    "(--max-path)", c->lim.max_path);
		gd_buf_add(c->hold, buf, n);
		return 0;
	}
	if (sk != NULL && sk->data != NULL && sk->data(sk->arg, buf, n, err, errlen) != 0)
		return gd_v_broken(c, err, errlen, err);
	return 0;
}

static int
feed_zeros(struct vctx *c, uint64_t n, char *err, size_t errlen)
{
	static const unsigned char zeros[65536];

	while (n > 0) {
		size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);

		if (feed(c, zeros, k, err, errlen) != 0)
			return -1;
		n -= k;
	}
	return 0;
}

static int
read_data(struct vctx *c, struct archive_entry *ae, char *err, size_t errlen)
{
	const void *buf;
	size_t n;
	la_int64_t off;
	uint64_t pos = 0;
	int rc;

	c->in_data = 1;
	c->entry_bytes = 0;
	while ((rc = archive_read_data_block(c->a, &buf, &n, &off)) == ARCHIVE_OK) {
		if (off < 0 || (uint64_t)off < pos)
			return gd_v_refuse(c, err, errlen, "data blocks out of order");
		/* a hole of a sparse file reads as zeros */
		if ((uint64_t)off > pos && feed_zeros(c, (uint64_t)off - pos, err, errlen) != 0)
			return -1;
		if (n > 0 && feed(c, buf, n, err, errlen) != 0)
			return -1;
		pos = (uint64_t)off + n;
	}
	if (rc != ARCHIVE_EOF)
		return archive_broken(c, err, errlen);
	/* only a sparse file ends in a hole: data short of its declared size is
	 * what no extractor reproduces */
	if (archive_entry_size_is_set(ae) && (uint64_t)archive_entry_size(ae) > pos) {
		if (archive_entry_sparse_count(ae) == 0)
			return gd_v_refuse(c, err, errlen, "declares %llu bytes, its data holds %llu",
			    (unsigned long long)archive_entry_size(ae), (unsigned long long)pos);
		if (feed_zeros(c, (uint64_t)archive_entry_size(ae) - pos, err, errlen) != 0)
			return -1;
	}
	c->in_data = 0;
	return 0;
}

struct seen *
gd_v_seen_get(struct vctx *c, const char *path)
{
	size_t *i = gd_map_get(&c->seenmap, path);

	return i != NULL ? &c->seen[*i] : NULL;
}

static void
seen_put(struct vctx *c, const char *path, const unsigned char *sha, int has)
{
	struct seen *s = gd_v_seen_get(c, path);

	if (s == NULL) {
		if (c->nseen == c->capseen) {
			c->capseen = c->capseen ? c->capseen * 2 : 256;
			c->seen = gd_xrealloc(c->seen, c->capseen * sizeof(*c->seen));
		}
		gd_map_put(&c->seenmap, path, c->nseen);
		s = &c->seen[c->nseen++];
	}
	memcpy(s->sha256, sha, 32);
	s->has = has;
}

/* Hash, manifest status and bookkeeping once an entry's data is read. */
static void
settle(struct vctx *c, struct gd_verify_entry *e)
{
	long i = c->man != NULL ? gd_manifest_find(c->man, e->path) : -1;

	if (e->type == GD_VT_DIR || e->type == GD_VT_SYMLINK) {
		e->status = GD_VS_UNCHECKED;
		if (i >= 0)  /* listed as a file, which it is not */
			e->status = GD_VS_MISMATCH;
	} else {
		c->r->files++;
		if (e->type == GD_VT_HARDLINK && e->size == 0) {
			struct seen *t = gd_v_seen_get(c, e->link);

			e->has_sha256 = t != NULL && t->has;
			if (e->has_sha256)
				memcpy(e->sha256, t->sha256, 32);
		}
		seen_put(c, e->path, e->sha256, e->has_sha256);
		if (c->man == NULL)
			e->status = GD_VS_UNCHECKED;
		else if (i < 0)
			e->status = GD_VS_EXTRA;
		else if (e->has_sha256 && memcmp(e->sha256, c->man->items[i].sha256, 32) == 0)
			e->status = GD_VS_OK;
		else
			e->status = GD_VS_MISMATCH;
	}
	if (i >= 0)
		c->state[i] = (unsigned char)e->status;  /* the last copy of a path is the one restored */
	if (e->status == GD_VS_EXTRA && gd_map_get(&c->extramap, e->path) == NULL) {
		gd_map_put(&c->extramap, e->path, 0);
		add_path(&c->r->extra, &c->r->nextra, e->path);
	}
}

/* A zip entry its central directory (read first) says is a symlink: its data
 * is the target, checked as a tar symlink's before the sink gets a symlink. */
static int
zip_symlink(struct vctx *c, struct archive_entry *ae, struct gd_verify_entry *e,
    void (*report)(void *, const struct gd_verify_entry *), void *report_arg,
    char *err, size_t errlen)
{
	const struct gd_verify_sink *sk = c->o->sink;
	struct gd_buf target = { 0 };
	int ret = -1;

	gd_buf_add(&target, "", 0);
	c->hold = &target;
	EVP_DigestInit_ex(c->ctx, c->md, NULL);
	ret = read_data(c, ae, err, errlen);
	c->hold = NULL;
	if (ret != 0)
		goto out;
	ret = -1;
	gd_buf_add(&target, "", 1);
	if (strlen(target.data) != target.len - 1) {
		gd_v_refuse(c, err, errlen, "a NUL byte in a zip symlink's target");
		goto out;
	}
	e->type = GD_VT_SYMLINK;
	e->link = target.data;
	e->size = 0;
	if (gd_vlink_check_symlink(c, e->path, e->link, err, errlen) != 0)
		goto out;
	archive_entry_set_filetype(ae, AE_IFLNK);
	archive_entry_set_perm(ae, 0777);
	archive_entry_set_size(ae, 0);
	archive_entry_copy_symlink(ae, e->link);
	if (sk != NULL && sk->header != NULL && sk->header(sk->arg, e, err, errlen) != 0) {
		gd_v_broken(c, err, errlen, err);
		goto out;
	}
	settle(c, e);
	gd_vzip_local(c, e, (uint64_t)archive_read_header_position(c->a));
	if (sk != NULL && sk->done != NULL && sk->done(sk->arg, e, err, errlen) != 0) {
		gd_v_broken(c, err, errlen, err);
		goto out;
	}
	if (report != NULL)
		report(report_arg, e);
	ret = 0;
out:
	gd_buf_free(&target);
	return ret;
}

static int
one_entry(struct vctx *c, struct archive_entry *ae,
    void (*report)(void *, const struct gd_verify_entry *), void *report_arg,
    char *err, size_t errlen)
{
	const struct gd_verify_sink *sk = c->o->sink;
	struct gd_verify_entry e;
	char *norm = NULL, *linknorm = NULL;
	unsigned int mdlen;
	int ret = -1;

	if (check_header(c, ae, &e, &norm, &linknorm, err, errlen) != 0)
		goto out;
	if (c->zip && c->o->zip_links != NULL && e.type == GD_VT_FILE &&
	    gd_map_get(c->o->zip_links, e.path) != NULL) {
		ret = zip_symlink(c, ae, &e, report, report_arg, err, errlen);
		goto out;
	}
	if (sk != NULL && sk->header != NULL && sk->header(sk->arg, &e, err, errlen) != 0) {
		gd_v_broken(c, err, errlen, err);
		goto out;
	}
	if (e.type == GD_VT_FILE || e.type == GD_VT_HARDLINK) {
		EVP_DigestInit_ex(c->ctx, c->md, NULL);
		if (read_data(c, ae, err, errlen) != 0)
			goto out;
		e.size = c->entry_bytes;
		if (e.type == GD_VT_FILE || e.size > 0) {
			EVP_DigestFinal_ex(c->ctx, e.sha256, &mdlen);
			e.has_sha256 = 1;
		}
	}
	settle(c, &e);
	if (c->zip)
		gd_vzip_local(c, &e, (uint64_t)archive_read_header_position(c->a));
	if (sk != NULL && sk->done != NULL && sk->done(sk->arg, &e, err, errlen) != 0) {
		gd_v_broken(c, err, errlen, err);
		goto out;
	}
	if (report != NULL)
		report(report_arg, &e);
	ret = 0;
out:
	free(norm);
	free(linknorm);
	return ret;
}

/* After the last entry: read the rest of the source (its checks and the
 * whole-archive hash need every byte), then check the gzip trailer. */
static int
finish(struct vctx *c, char *err, size_t errlen)
{
	const unsigned char *b;
	size_t len;
	int rc;

	c->in_data = 0;
	if (c->zip && gd_vzip_begin(c, err, errlen) != 0)
		return -1;
	while ((rc = gd_vsrc_next(&c->src, &b, &len)) > 0) {
		if (c->zip && gd_vzip_feed(c, b, len, err, errlen) != 0)
			return -1;
		c->out += len;
		if (c->src.gzip)
			c->crc = gd_vsrc_crc32(c->crc, b, len);
		if (over_ratio(c)) {
			free(c->cur);
			c->cur = gd_xstrdup("(past the end of the archive)");
			return check_ratio(c, err, errlen);
		}
	}
	if (rc < 0) {
		c->src_failed = 1;
		return archive_broken(c, err, errlen);
	}
	if (c->src.gzip && (!c->src.have_trailer || c->src.trailer_crc != c->crc ||
	    c->src.trailer_isize != (uint32_t)c->src.out)) {
		char why[GD_ERRLEN];

		if (!c->src.have_trailer)
			snprintf(why, sizeof(why), "cannot find the gzip trailer to check");
		else
			snprintf(why, sizeof(why), "gzip trailer at archive byte %llu: CRC-32 %08x, "
			    "size %u; the data has CRC-32 %08x, size %u: the compressed data is "
			    "corrupt (or a gzip of several members, as cat a.gz b.gz makes, which is "
			    "not supported)", (unsigned long long)archive_filter_bytes(c->src.a, -1) - 8,
			    c->src.trailer_crc, c->src.trailer_isize, c->crc, (uint32_t)c->src.out);
		free(c->cur);
		c->cur = NULL;  /* the CRC covers every entry: no one of them is to blame */
		return gd_v_broken(c, err, errlen, why);
	}
	return 0;
}

static void
ctx_free(struct vctx *c)
{
	size_t i;

	gd_vsrc_stop(&c->src);
	if (c->src.whole != NULL)
		EVP_MD_CTX_free(c->src.whole);
	if (c->a != NULL)
		archive_read_free(c->a);
	EVP_MD_CTX_free(c->ctx);
	EVP_MD_free(c->md);
	free(c->state);
	gd_map_free(&c->seenmap);
	free(c->seen);
	gd_map_free(&c->extramap);
	gd_map_free(&c->links);
	for (i = 0; i < c->nlinks; i++) {
		free(c->linkpath[i]);
		free(c->linktarget[i]);
	}
	free(c->linkpath);
	free(c->linktarget);
	gd_map_free(&c->traversed);
	gd_vzip_free(c);
	free(c->cur);
}

/* gd_verify_stream; seekfd is the archive's fd when it is a file we can seek
 * in, else -1. */
static int
verify(gd_verify_read_fn rd, void *rdarg, int seekfd, const struct gd_verify_opts *o,
    void (*report)(void *arg, const struct gd_verify_entry *e), void *report_arg,
    struct gd_verify_result *r, char *err, size_t errlen)
{
	const struct gd_manifest_item *whole = NULL;
	struct archive_entry *ae;
	struct vctx c;
	unsigned int mdlen;
	size_t i;
	int rc, ret = -1;

	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	r->whole = -1;
	c.o = o;
	c.r = r;
	c.lim = o->limits;
	c.src.rd = rd;
	c.src.rdarg = rdarg;
	c.md = EVP_MD_fetch(NULL, "SHA256", NULL);
	c.ctx = EVP_MD_CTX_new();
	if (c.md == NULL || c.ctx == NULL) {
		gd_errf(err, errlen, "%s: cannot set up SHA-256 (OpenSSL)", o->name);
		goto out;
	}
	if (o->manifest != NULL) {
		whole = gd_manifest_whole(o->manifest, o->name);
		if (whole == NULL) {
			if (gd_manifest_check(o->manifest, err, errlen) != 0)
				goto out;
			c.man = o->manifest;
			c.state = gd_xmalloc(c.man->n);
			memset(c.state, NOT_SEEN, c.man->n);
		}
	}
	/* the raw bytes' hash: to check a whole-archive manifest, or to report */
	if (c.man == NULL) {
		c.src.whole = EVP_MD_CTX_new();
		if (c.src.whole == NULL || EVP_DigestInit_ex(c.src.whole, c.md, NULL) != 1) {
			gd_errf(err, errlen, "%s: cannot set up SHA-256 (OpenSSL)", o->name);
			goto out;
		}
	}
	gd_vsrc_start(&c.src, o->threads);
	c.a = archive_read_new();
	archive_read_support_format_tar(c.a);
	archive_read_support_format_zip_streamable(c.a);
	if (archive_read_open(c.a, &c, NULL, parser_read, NULL) != ARCHIVE_OK) {
		if (c.src.empty)
			gd_errf(err, errlen, "%s: an empty file (0 bytes): not an archive", o->name);
		else if (c.src_failed)
			archive_broken(&c, err, errlen);
		else
			gd_errf(err, errlen, "%s: not a tar or zip archive%s%s%s", o->name,
			    c.src.filter[0] != '\0' && strcmp(c.src.filter, "none") != 0 ? " (in " : "",
			    strcmp(c.src.filter, "none") != 0 ? c.src.filter : "",
			    c.src.filter[0] != '\0' && strcmp(c.src.filter, "none") != 0 ? " data)" : "");
		goto out;
	}
	for (;;) {
		rc = archive_read_next_header(c.a, &ae);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
			c.in_data = 0;
			archive_broken(&c, err, errlen);
			goto out;
		}
		if (one_entry(&c, ae, report, report_arg, err, errlen) != 0)
			goto out;
	}
	snprintf(r->format, sizeof(r->format), "%s", archive_format_name(c.a) ?
	    archive_format_name(c.a) : "tar");
	if (finish(&c, err, errlen) != 0 || (c.zip && gd_vzip_end(&c, err, errlen) != 0))
		goto out;
	if (seekfd >= 0 && archive_format(c.a) == ARCHIVE_FORMAT_ZIP &&
	    c.src.code == ARCHIVE_FILTER_NONE &&
	    gd_vzip_types(&c, seekfd, err, errlen) != 0)
		goto out;
	snprintf(r->filter, sizeof(r->filter), "%s", c.src.filter);
	if (c.src.whole != NULL) {
		EVP_DigestFinal_ex(c.src.whole, r->archive_sha256, &mdlen);
		if (whole != NULL)
			r->whole = memcmp(whole->sha256, r->archive_sha256, 32) == 0;
	}
	for (i = 0; c.man != NULL && i < c.man->n; i++) {
		if (c.state[i] == NOT_SEEN)
			add_path(&r->missing, &r->nmissing, c.man->items[i].path);
		else if (c.state[i] == GD_VS_MISMATCH)
			add_path(&r->mismatched, &r->nmismatched, c.man->items[i].path);
	}
	ret = 0;
out:
	r->archive_bytes = atomic_load(&c.src.rawtotal);
	if (r->filter[0] == '\0')
		snprintf(r->filter, sizeof(r->filter), "%s", c.src.filter);
	ctx_free(&c);
	return ret;
}

int
gd_verify_stream(gd_verify_read_fn rd, void *rdarg, const struct gd_verify_opts *o,
    void (*report)(void *arg, const struct gd_verify_entry *e), void *report_arg,
    struct gd_verify_result *r, char *err, size_t errlen)
{
	return verify(rd, rdarg, -1, o, report, report_arg, r, err, errlen);
}

static ssize_t
fd_read(void *arg, void *buf, size_t len, char *err, size_t errlen)
{
	int fd = *(int *)arg;
	ssize_t n;

	err[0] = '\0';
	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		gd_errf(err, errlen, "read error: %s", strerror(errno));
	return n;
}

int
gd_verify_fd(int fd, const struct gd_verify_opts *o,
    void (*report)(void *arg, const struct gd_verify_entry *e), void *report_arg,
    struct gd_verify_result *r, char *err, size_t errlen)
{
	struct stat st;
	int seekfd = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? fd : -1;

	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return verify(fd_read, &fd, seekfd, o, report, report_arg, r, err, errlen);
}

int
gd_verify_ok(const struct gd_verify_result *r)
{
	return r->entries > 0 && r->nmissing == 0 && r->nextra == 0 && r->nmismatched == 0 &&
	    r->whole != 0;
}

static void
free_paths(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
gd_verify_result_free(struct gd_verify_result *r)
{
	free_paths(r->missing, r->nmissing);
	free_paths(r->extra, r->nextra);
	free_paths(r->mismatched, r->nmismatched);
	free(r->where);
	free(r->why);
	memset(r, 0, sizeof(*r));
	r->whole = -1;
}
