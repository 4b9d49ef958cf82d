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
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <zlib.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "gd.h"
#include "verify.h"

#define RAW_BUF (1u << 20)      /* one read of the raw archive */
#define SLOT (1u << 20)         /* one block from the source to the parser */
#define NSLOT 4                 /* blocks in flight between the two threads */
#define LINK_HOPS 40            /* symlinks followed in one resolution, as Linux */
#define LINK_WORK 10000000ull   /* symlink resolution steps in one archive */
#define NOT_SEEN 0xff           /* a manifest item not (yet) in the archive */

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

/* CRC-32 of the gzip member, with zlib's crc32 (the same polynomial and
 * conventions as gzip's trailer). */
static uint32_t
crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	while (n > 0) {
		uInt chunk = n > 0x40000000u ? 0x40000000u : (uInt)n;

		crc = (uint32_t)crc32(crc, p, chunk);
		p += chunk;
		n -= chunk;
	}
	return crc;
}

/* --- the source: raw bytes in, tar or zip bytes out --- */

struct source {
	gd_verify_read_fn rd;
	void *rdarg;
	struct archive *a;
	unsigned char *raw;             /* the last block read */
	size_t rawlen;
	unsigned char prevtail[8];      /* the 8 raw bytes before it */
	int raw_eof;
	_Atomic uint64_t rawtotal;      /* raw bytes read so far (the parser reads it) */
	EVP_MD_CTX *whole;              /* hash of the raw bytes, or NULL */
	const unsigned char *pend;      /* what is left of the last decompressed block */
	size_t pendlen;
	int opened, eof;
	int failed;                     /* an error to report after the data before it */
	int empty;                      /* the input has no bytes at all */
	int gzip;                       /* one gzip layer: its trailer is checked */
	int have_trailer;
	uint32_t trailer_crc, trailer_isize;
	uint64_t out;                   /* bytes produced */
	char filter[32];
	atomic_int cancel;
	char err[GD_ERRLEN];

	/* the queue between the threads; without one, slot 0 is filled in place */
	int threaded;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned char *buf[NSLOT];
	size_t len[NSLOT];
	size_t rd_slot, filled;         /* the parser's slot; slots filled, not released */
	int held;                       /* the parser holds rd_slot */
	int done;                       /* 1 at the end, -1 on an error */
};

static la_ssize_t
raw_read(struct archive *a, void *arg, const void **buf)
{
	struct source *s = arg;
	char err[GD_ERRLEN];
	ssize_t n;

	*buf = s->raw;
	if (s->raw_eof)
		return 0;
	/* keep the 8 bytes before the new block: the gzip trailer may straddle it */
	if (s->rawlen >= 8) {
		memcpy(s->prevtail, s->raw + s->rawlen - 8, 8);
	} else if (s->rawlen > 0) {
		memmove(s->prevtail, s->prevtail + s->rawlen, 8 - s->rawlen);
		memcpy(s->prevtail + 8 - s->rawlen, s->raw, s->rawlen);
	}
	s->rawlen = 0;
	if (atomic_load(&s->cancel))
		return 0;
	err[0] = '\0';
	n = s->rd(s->rdarg, s->raw, RAW_BUF, err, sizeof(err));
	if (n < 0) {
		snprintf(s->err, sizeof(s->err), "%s", err);
		archive_set_error(a, EIO, "%s", err);
		return -1;
	}
	if (n == 0)
		s->raw_eof = 1;
	s->rawlen = (size_t)n;
	atomic_fetch_add(&s->rawtotal, (uint64_t)n);
	if (s->whole != NULL)
		EVP_DigestUpdate(s->whole, s->raw, (size_t)n);
	return n;
}

/* The gzip trailer (CRC-32, size) is the 8 bytes before where the filter
 * stopped reading; it read at most one block past them. */
static void
take_trailer(struct source *s)
{
	uint64_t end = (uint64_t)archive_filter_bytes(s->a, -1), total = atomic_load(&s->rawtotal);
	uint64_t start = total - s->rawlen;
	unsigned char t[8];
	int i;

	if (end < 8 || end > total || end < start)
		return;
	for (i = 0; i < 8; i++) {
		uint64_t pos = end - 8 + (uint64_t)i;

		t[i] = pos >= start ? s->raw[pos - start] : s->prevtail[8 - (start - pos)];
	}
	s->trailer_crc = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 |
	    (uint32_t)t[3] << 24;
	s->trailer_isize = (uint32_t)t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 |
	    (uint32_t)t[7] << 24;
	s->have_trailer = 1;
}

static int
source_open(struct source *s)
{
	struct archive_entry *ae;
	int rc;

	s->opened = 1;
	s->a = archive_read_new();
	/* only the filters built into libarchive: none that runs a program */
	archive_read_support_filter_gzip(s->a);
	archive_read_support_filter_bzip2(s->a);
	archive_read_support_filter_xz(s->a);
	archive_read_support_filter_lzma(s->a);
	archive_read_support_filter_zstd(s->a);
	archive_read_support_format_raw(s->a);
	archive_read_support_format_empty(s->a);
	if (archive_read_open(s->a, s, NULL, raw_read, NULL) != ARCHIVE_OK)
		goto fail;
	rc = archive_read_next_header(s->a, &ae);
	if (rc == ARCHIVE_EOF || archive_format(s->a) == ARCHIVE_FORMAT_EMPTY) {
		s->empty = 1;
		s->eof = 1;
		return 0;
	}
	if (rc != ARCHIVE_OK)
		goto fail;
	snprintf(s->filter, sizeof(s->filter), "%s", archive_filter_name(s->a, 0));
	if (archive_filter_count(s->a) > 2) {
		snprintf(s->err, sizeof(s->err), "compressed twice (%s over %s): refused, a way to "
		    "hide an archive bomb", archive_filter_name(s->a, 0), archive_filter_name(s->a, 1));
		return -1;
	}
	s->gzip = archive_filter_code(s->a, 0) == ARCHIVE_FILTER_GZIP;
	return 0;
fail:
	if (s->err[0] == '\0')
		snprintf(s->err, sizeof(s->err), "%s", archive_error_string(s->a) ?
		    archive_error_string(s->a) : "cannot read");
	return -1;
}

/* After the compressed stream: read what follows it, so that the hash of the
 * whole archive covers every byte. */
static int
source_drain(struct source *s)
{
	char err[GD_ERRLEN];
	ssize_t n;

	while (!s->raw_eof && !atomic_load(&s->cancel)) {
		err[0] = '\0';
		n = s->rd(s->rdarg, s->raw, RAW_BUF, err, sizeof(err));
		if (n < 0) {
			snprintf(s->err, sizeof(s->err), "%s", err);
			return -1;
		}
		if (n == 0)
			s->raw_eof = 1;
		atomic_fetch_add(&s->rawtotal, (uint64_t)n);
		if (s->whole != NULL)
			EVP_DigestUpdate(s->whole, s->raw, (size_t)n);
	}
	return 0;
}

/* Fills buf with up to SLOT bytes. Returns 1 with *len > 0, 0 at the end,
 * -1 with s->err filled. */
static int
source_fill(struct source *s, unsigned char *buf, size_t *len)
{
	const void *b;
	size_t n, k;
	la_int64_t off;
	int rc;

	*len = 0;
	if (s->failed || (!s->opened && source_open(s) != 0))
		return -1;
	while (*len < SLOT) {
		if (s->pendlen == 0) {
			if (s->eof || atomic_load(&s->cancel))
				break;
			rc = archive_read_data_block(s->a, &b, &n, &off);
			if (rc == ARCHIVE_EOF) {
				if (s->gzip)
					take_trailer(s);
				s->eof = 1;
				if (source_drain(s) != 0)
					goto fail;
				break;
			}
			if (rc != ARCHIVE_OK) {
				/* libarchive's gzip filter fails on a short trailer without a word */
				if (s->err[0] == '\0')
					snprintf(s->err, sizeof(s->err), "%s%s", archive_error_string(s->a) ?
					    archive_error_string(s->a) : s->filter, archive_error_string(s->a) ?
					    "" : " data corrupt or truncated");
				goto fail;
			}
			s->pend = b;
			s->pendlen = n;
			s->out += n;
		}
		k = s->pendlen < SLOT - *len ? s->pendlen : SLOT - *len;
		memcpy(buf + *len, s->pend, k);
		*len += k;
		s->pend += k;
		s->pendlen -= k;
	}
	return *len > 0 ? 1 : 0;
fail:
	/* the parser gets the good bytes first, so it can say which entry broke */
	s->failed = 1;
	return *len > 0 ? 1 : -1;
}

static void *
source_main(void *arg)
{
	struct source *s = arg;
	size_t wr = 0, len;
	int rc;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (s->filled == NSLOT && !atomic_load(&s->cancel))
			pthread_cond_wait(&s->cv, &s->mu);
		pthread_mutex_unlock(&s->mu);
		if (atomic_load(&s->cancel))
			rc = -1;
		else
			rc = source_fill(s, s->buf[wr], &len);  /* a free slot: the parser won't touch it */
		pthread_mutex_lock(&s->mu);
		if (rc > 0) {
			s->len[wr] = len;
			wr = (wr + 1) % NSLOT;
			s->filled++;
		} else {
			s->done = rc == 0 ? 1 : -1;
		}
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		if (rc <= 0)
			return NULL;
	}
}

/* The next block for the parser, valid until the next call. Returns 1, 0 at
 * the end, -1 with s->err filled. */
static int
source_next(struct source *s, const unsigned char **buf, size_t *len)
{
	int rc;

	if (!s->threaded) {
		rc = source_fill(s, s->buf[0], len);
		*buf = s->buf[0];
		return rc;
	}
	pthread_mutex_lock(&s->mu);
	if (s->held) {
		s->rd_slot = (s->rd_slot + 1) % NSLOT;
		s->filled--;
		s->held = 0;
		pthread_cond_broadcast(&s->cv);
	}
	while (s->filled == 0 && s->done == 0)
		pthread_cond_wait(&s->cv, &s->mu);
	if (s->filled > 0) {
		*buf = s->buf[s->rd_slot];
		*len = s->len[s->rd_slot];
		s->held = 1;
		rc = 1;
	} else {
		rc = s->done > 0 ? 0 : -1;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static void
source_start(struct source *s, int threads)
{
	int i, n = threads == 1 ? 1 : NSLOT;

	for (i = 0; i < n; i++)
		s->buf[i] = gd_xmalloc(SLOT);
	s->raw = gd_xmalloc(RAW_BUF);
	if (threads == 1)
		return;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->threaded = pthread_create(&s->th, NULL, source_main, s) == 0;
	if (!s->threaded) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
	}
}

static void
source_stop(struct source *s)
{
	int i;

	if (s->threaded) {
		pthread_mutex_lock(&s->mu);
		atomic_store(&s->cancel, 1);
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->th, NULL);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		s->threaded = 0;
	}
	if (s->a != NULL)
		archive_read_free(s->a);
	s->a = NULL;
	for (i = 0; i < NSLOT; i++)
		free(s->buf[i]);
	free(s->raw);
	memset(s->buf, 0, sizeof(s->buf));
	s->raw = NULL;
}

/* --- the parser --- */

struct seen {
	unsigned char sha256[32];
	int has;
};

struct vctx {
	const struct gd_verify_opts *o;
	struct gd_verify_limits lim;
	struct gd_verify_result *r;
	struct source src;
	struct archive *a;
	int src_failed;                 /* the source stopped with an error */
	uint64_t out;                   /* bytes the parser got from the source */
	uint32_t crc;
	EVP_MD *md;
	EVP_MD_CTX *ctx;

	const struct gd_manifest *man;  /* a manifest of files, or NULL */
	unsigned char *state;           /* per manifest item: NOT_SEEN or a gd_verify_status */
	struct gd_map seenmap;      /* path of each file -> index in seen */
	struct seen *seen;
	size_t nseen, capseen;
	struct gd_map extramap;     /* paths already in r->extra */

	struct gd_map links;        /* symlink path -> index in linkpath/linktarget */
	char **linkpath, **linktarget;
	size_t nlinks, caplinks;
	struct gd_map traversed;    /* paths a symlink resolution went through */
	uint64_t linkwork;

	char *cur;                      /* the entry being read, as stored */
	int in_data;
	uint64_t entry_bytes;
};

/* A copy of s fit for a terminal: control bytes as \xNN. */
static char *
show(const char *s)
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

/* Refuses the archive at the current entry: err is "NAME: ENTRY: why". */
static int refuse(struct vctx *c, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
refuse(struct vctx *c, char *err, size_t errlen, const char *fmt, ...)
{
	char why[GD_ERRLEN];
	char *where = show(c->cur != NULL ? c->cur : "");
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	gd_errf(err, errlen, "%s: %s: %s", c->o->name, where, why);
	free(where);
	free(c->r->why);
	c->r->why = gd_xstrdup(why);
	c->r->refused = 1;
	free(c->r->where);
	c->r->where = gd_xstrdup(c->cur != NULL ? c->cur : "");
	return -1;
}

/* The archive cannot be read: err says where, "NAME: ENTRY: why" or
 * "NAME: after ENTRY: why". why may be err itself. */
static int
broken(struct vctx *c, char *err, size_t errlen, const char *text)
{
	char *where = c->cur != NULL ? show(c->cur) : NULL, why[GD_ERRLEN];

	snprintf(why, sizeof(why), "%s", text);
	if (where == NULL)
		gd_errf(err, errlen, "%s: %s", c->o->name, why);
	else
		gd_errf(err, errlen, "%s: %s%s: %s", c->o->name, c->in_data ? "" : "after ", where,
		    why);
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
	return broken(c, err, errlen, why);
}

static la_ssize_t
parser_read(struct archive *a, void *arg, const void **buf)
{
	struct vctx *c = arg;
	const unsigned char *b = NULL;
	size_t len = 0;
	int rc;

	rc = source_next(&c->src, &b, &len);
	if (rc < 0) {
		c->src_failed = 1;
		archive_set_error(a, EIO, "%s", c->src.err);
		return -1;
	}
	*buf = b;
	if (rc == 0)
		return 0;
	c->out += len;
	if (c->src.gzip)
		c->crc = crc32_update(c->crc, b, len);
	return (la_ssize_t)len;
}

/* --- paths and links --- */

/* Whether a proper prefix of path is a symlink of the archive: one is returned. */
static const char *
through_link(struct vctx *c, const char *path)
{
	const char *found = NULL;
	char *pre, *p;
	size_t *i;

	if (c->nlinks == 0)
		return NULL;
	pre = gd_xstrdup(path);
	for (p = strchr(pre, '/'); p != NULL && found == NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		i = gd_map_get(&c->links, pre);
		if (i != NULL)
			found = c->linkpath[*i];
		*p = '/';
	}
	free(pre);
	return found;
}

/* Follows target from the directory of the symlink at path, through the
 * archive's symlinks known so far. Returns 0 when it stays inside the root,
 * 1 when it leaves it, -1 on too many hops or steps. */
static int
resolve(struct vctx *c, const char *path, const char *target)
{
	struct gd_buf at = { 0 }, rest = { 0 };
	const char *slash = strrchr(path, '/');
	int hops = 0, ret = 0;

	gd_buf_add(&at, path, slash != NULL ? (size_t)(slash - path) : 0);
	gd_buf_adds(&rest, target);
	while (rest.len > 0) {
		char *p = rest.data, *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p), *li, mark;

		if (++c->linkwork > LINK_WORK) {
			ret = -1;
			goto out;
		}
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *up;

			if (at.len == 0) {
				ret = 1;
				goto out;
			}
			up = strrchr(at.data, '/');
			at.len = up != NULL ? (size_t)(up - at.data) : 0;
			at.data[at.len] = '\0';
		} else {
			mark = at.len;
			if (at.len > 0)
				gd_buf_add(&at, "/", 1);
			gd_buf_add(&at, p, n);
			gd_map_put(&c->traversed, at.data, 0);
			li = gd_map_get(&c->links, at.data);
			if (li != NULL) {
				struct gd_buf next = { 0 };

				if (++hops > LINK_HOPS) {
					ret = -1;
					goto out;
				}
				if (c->linktarget[*li][0] == '/') {
					ret = 1;
					goto out;
				}
				at.len = mark;  /* the link's target is relative to its directory */
				at.data[at.len] = '\0';
				gd_buf_adds(&next, c->linktarget[*li]);
				gd_buf_adds(&next, "/");
				gd_buf_adds(&next, *e == '/' ? e + 1 : e);
				gd_buf_free(&rest);
				rest = next;
				continue;
			}
		}
		/* drop the component just walked */
		n = *e == '/' ? (size_t)(e - rest.data) + 1 : rest.len;
		memmove(rest.data, rest.data + n, rest.len - n + 1);
		rest.len -= n;
	}
out:
	gd_buf_free(&at);
	gd_buf_free(&rest);
	return ret;
}

static int
check_symlink(struct vctx *c, const char *path, const char *target, char *err, size_t errlen)
{
	size_t *have, i;
	int rc, retraced;

	if (target == NULL || *target == '\0')
		return refuse(c, err, errlen, "symlink without a target");
	if (strlen(target) > c->lim.max_path)
		return refuse(c, err, errlen, "symlink target of %zu bytes, over the %zu-byte budget "
		    "(--max-path)", strlen(target), c->lim.max_path);
	if (*path == '\0')
		return refuse(c, err, errlen, "a symlink as the archive root");
	if (*target == '/')
		return refuse(c, err, errlen, "symlink to the absolute path %.200s leads outside "
		    "the archive root", target);
	rc = resolve(c, path, target);
	if (rc < 0)
		return refuse(c, err, errlen, "symlink to %.200s: too many symlinks to follow",
		    target);
	if (rc > 0)
		return refuse(c, err, errlen, "symlink to %.200s leads outside the archive root",
		    target);
	/* a link that an earlier one went through changes where that one leads */
	retraced = gd_map_get(&c->traversed, path) != NULL;
	have = gd_map_get(&c->links, path);
	if (have != NULL) {
		free(c->linktarget[*have]);
		c->linktarget[*have] = gd_xstrdup(target);
		retraced = 1;
	} else {
		if (c->nlinks == c->caplinks) {
			c->caplinks = c->caplinks ? c->caplinks * 2 : 16;
			c->linkpath = gd_xrealloc(c->linkpath, c->caplinks * sizeof(char *));
			c->linktarget = gd_xrealloc(c->linktarget, c->caplinks * sizeof(char *));
		}
		c->linkpath[c->nlinks] = gd_xstrdup(path);
		c->linktarget[c->nlinks] = gd_xstrdup(target);
		gd_map_put(&c->links, path, c->nlinks);
		c->nlinks++;
	}
	for (i = 0; retraced && i < c->nlinks; i++) {
		rc = resolve(c, c->linkpath[i], c->linktarget[i]);
		if (rc != 0)
			return refuse(c, err, errlen, "symlink makes the earlier symlink %.200s -> "
			    "%.200s %s", c->linkpath[i], c->linktarget[i], rc > 0 ?
			    "lead outside the archive root" : "too deep to follow");
	}
	return 0;
}

static int
check_hardlink(struct vctx *c, const char *target, char **norm, char *err, size_t errlen)
{
	const char *via;
	int flags;

	if (target == NULL || *target == '\0')
		return refuse(c, err, errlen, "hard link without a target");
	if (strlen(target) > c->lim.max_path)
		return refuse(c, err, errlen, "hard link target of %zu bytes, over the %zu-byte "
		    "budget (--max-path)", strlen(target), c->lim.max_path);
	flags = gd_path_norm(target, norm);
	if (flags & GD_PATH_ABSOLUTE)
		return refuse(c, err, errlen, "hard link to the absolute path %.200s leads outside "
		    "the archive root", target);
	if (flags & GD_PATH_DOTDOT)
		return refuse(c, err, errlen, "hard link to %.200s: '..' %s", target,
		    flags & GD_PATH_ESCAPES ? "leads outside the archive root" :
		    "in a link target is refused");
	if (**norm == '\0')
		return refuse(c, err, errlen, "hard link to the archive root");
	via = through_link(c, *norm);
	if (via != NULL)
		return refuse(c, err, errlen, "hard link to %.200s goes through the symlink %.200s",
		    target, via);
	if (gd_map_get(&c->links, *norm) != NULL)
		return refuse(c, err, errlen, "hard link to the symlink %.200s (its target would "
		    "move to another directory)", target);
	return 0;
}

/* The path of ae as stored: the bytes of a tar header, or UTF-8 when that is
 * all libarchive has (pax, zip). Returns borrowed, or NULL. */
static const char *
entry_path(struct archive_entry *ae)
{
	const char *p = archive_entry_pathname(ae);

	return p != NULL ? p : archive_entry_pathname_utf8(ae);
}

static const char *
entry_hardlink(struct archive_entry *ae)
{
	const char *p = archive_entry_hardlink(ae);

	return p != NULL ? p : archive_entry_hardlink_utf8(ae);
}

static const char *
entry_symlink(struct archive_entry *ae)
{
	const char *p = archive_entry_symlink(ae);

	return p != NULL ? p : archive_entry_symlink_utf8(ae);
}

/* Why an entry of type ft is refused, or NULL. */
static const char *
bad_type(unsigned ft)
{
	switch (ft) {
	case AE_IFREG:
	case AE_IFDIR:
	case AE_IFLNK:
		return NULL;
	case AE_IFCHR:
		return "character device: device files are refused";
	case AE_IFBLK:
		return "block device: device files are refused";
	case AE_IFIFO:
		return "fifo: only files, directories and links are accepted";
	case AE_IFSOCK:
		return "socket: only files, directories and links are accepted";
	}
	return "unknown entry type: only files, directories and links are accepted";
}

/* Checks an entry's header against the rules and budgets; fills e. */
static int
check_header(struct vctx *c, struct archive_entry *ae, struct gd_verify_entry *e,
    char **norm, char **linknorm, char *err, size_t errlen)
{
	const char *raw = entry_path(ae), *via;
	int flags;

	free(c->cur);
	c->cur = raw != NULL ? gd_xstrdup(raw) : gd_xasprintf("entry %llu",
	    (unsigned long long)c->r->entries + 1);
	c->in_data = 0;
	if (++c->r->entries > c->lim.max_entries)
		return refuse(c, err, errlen, "entry %llu, over the budget of %llu entries "
		    "(--max-entries)", (unsigned long long)c->r->entries,
		    (unsigned long long)c->lim.max_entries);
	if (raw == NULL)
		return refuse(c, err, errlen, "a path that cannot be read");
	if (strlen(raw) > c->lim.max_path)
		return refuse(c, err, errlen, "path of %zu bytes, over the %zu-byte budget "
		    "(--max-path)", strlen(raw), c->lim.max_path);
	flags = gd_path_norm(raw, norm);
	if (flags & GD_PATH_ABSOLUTE)
		return refuse(c, err, errlen, "absolute path: leads outside the archive root");
	if (flags & GD_PATH_ESCAPES)
		return refuse(c, err, errlen, "path leaves the archive root");
	if (flags & GD_PATH_DOTDOT)
		return refuse(c, err, errlen, "'..' in a path is refused");
	memset(e, 0, sizeof(*e));
	e->path = *norm;
	e->ae = ae;
	if (archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0)
		e->size = (uint64_t)archive_entry_size(ae);  /* as the header says, till read */
	if (entry_hardlink(ae) != NULL) {
		e->type = GD_VT_HARDLINK;
		if (check_hardlink(c, entry_hardlink(ae), linknorm, err, errlen) != 0)
			return -1;
		e->link = *linknorm;
	} else {
		const char *bad = bad_type(archive_entry_filetype(ae));

		if (bad != NULL)
			return refuse(c, err, errlen, "%s", bad);
		e->type = archive_entry_filetype(ae) == AE_IFDIR ? GD_VT_DIR :
		    archive_entry_filetype(ae) == AE_IFLNK ? GD_VT_SYMLINK : GD_VT_FILE;
		if (e->type == GD_VT_SYMLINK)
			e->link = entry_symlink(ae);
	}
	if (**norm == '\0' && e->type != GD_VT_DIR)
		return refuse(c, err, errlen, "the archive root as a file or link");
	via = through_link(c, *norm);
	if (via != NULL)
		return refuse(c, err, errlen, "path goes through the symlink %.200s", via);
	if (e->type == GD_VT_SYMLINK && check_symlink(c, *norm, e->link, err, errlen) != 0)
		return -1;
	if (archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0) {
		uint64_t size = (uint64_t)archive_entry_size(ae);

		if (size > c->lim.max_entry)
			return refuse(c, err, errlen, "%llu bytes, over the per-entry budget of %llu "
			    "(--max-entry-bytes)", (unsigned long long)size,
			    (unsigned long long)c->lim.max_entry);
		if (size > c->lim.max_total - c->r->bytes)
			return refuse(c, err, errlen, "%llu bytes, past the budget of %llu bytes in all "
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
		return refuse(c, err, errlen, "compression ratio over %llu:1 (%llu bytes out of %llu "
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
		return refuse(c, err, errlen, "over the per-entry budget of %llu bytes "
		    "(--max-entry-bytes)", (unsigned long long)c->lim.max_entry);
	if (c->r->bytes > c->lim.max_total)
		return refuse(c, err, errlen, "past the budget of %llu bytes in all (--max-bytes)",
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
	if (sk != NULL && sk->data != NULL && sk->data(sk->arg, buf, n, err, errlen) != 0)
		return broken(c, err, errlen, err);
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
			return refuse(c, err, errlen, "data blocks out of order");
		/* a hole of a sparse file reads as zeros */
		if ((uint64_t)off > pos && feed_zeros(c, (uint64_t)off - pos, err, errlen) != 0)
			return -1;
		if (n > 0 && feed(c, buf, n, err, errlen) != 0)
			return -1;
		pos = (uint64_t)off + n;
	}
	if (rc != ARCHIVE_EOF)
		return archive_broken(c, err, errlen);
	if (archive_entry_size_is_set(ae) && (uint64_t)archive_entry_size(ae) > pos &&
	    feed_zeros(c, (uint64_t)archive_entry_size(ae) - pos, err, errlen) != 0)
		return -1;
	c->in_data = 0;
	return 0;
}

static struct seen *
seen_get(struct vctx *c, const char *path)
{
	size_t *i = gd_map_get(&c->seenmap, path);

	return i != NULL ? &c->seen[*i] : NULL;
}

static void
seen_put(struct vctx *c, const char *path, const unsigned char *sha, int has)
{
	struct seen *s = seen_get(c, path);

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
			struct seen *t = seen_get(c, e->link);

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
	if (sk != NULL && sk->header != NULL && sk->header(sk->arg, &e, err, errlen) != 0) {
		broken(c, err, errlen, err);
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
	if (sk != NULL && sk->done != NULL && sk->done(sk->arg, &e, err, errlen) != 0) {
		broken(c, err, errlen, err);
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
	while ((rc = source_next(&c->src, &b, &len)) > 0) {
		c->out += len;
		if (c->src.gzip)
			c->crc = crc32_update(c->crc, b, len);
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
		return broken(c, err, errlen, why);
	}
	return 0;
}

static void
unlist_extra(struct vctx *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->r->nextra; i++) {
		if (strcmp(c->r->extra[i], path) != 0)
			continue;
		free(c->r->extra[i]);
		memmove(&c->r->extra[i], &c->r->extra[i + 1],
		    (c->r->nextra - i - 1) * sizeof(char *));
		c->r->nextra--;
		return;
	}
}

/* A zip keeps its file types in the central directory at its end, which the
 * stream reader never sees: there a symlink reads as a file holding its
 * target. Unzip goes by the central directory, so for a file we can seek in
 * we read it too (libarchive's seekable reader): symlinks and devices are
 * checked as in a tar, and its names must be those that were streamed. */
static int
zip_types(struct vctx *c, int fd, char *err, size_t errlen)
{
	struct archive *a = NULL;
	struct archive_entry *ae;
	char *norm = NULL;
	const char *via, *bad;
	uint64_t n;
	int pass, rc, ret = -1;

	for (pass = 0; pass < 2; pass++) {
		n = 0;
		if (lseek(fd, 0, SEEK_SET) != 0) {
			broken(c, err, errlen, "cannot seek back to the zip central directory");
			goto out;
		}
		a = archive_read_new();
		archive_read_support_format_zip_seekable(a);
		if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
			goto bad;
		while ((rc = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
			const char *raw = entry_path(ae);

			n++;
			free(c->cur);
			c->cur = gd_xstrdup(raw != NULL ? raw : "");
			free(norm);
			if (gd_path_norm(c->cur, &norm) & (GD_PATH_ABSOLUTE | GD_PATH_DOTDOT)) {
				refuse(c, err, errlen, "absolute or '..' path in the zip central directory");
				goto out;
			}
			if ((bad = bad_type(archive_entry_filetype(ae))) != NULL) {
				refuse(c, err, errlen, "%s (zip central directory)", bad);
				goto out;
			}
			if (pass == 1 && (via = through_link(c, norm)) != NULL) {
				refuse(c, err, errlen, "path goes through the symlink %.200s", via);
				goto out;
			}
			if (pass == 0 && archive_entry_filetype(ae) == AE_IFREG &&
			    seen_get(c, norm) == NULL) {
				refuse(c, err, errlen, "in the zip central directory, not among the entries "
				    "read: unzip would see another archive");
				goto out;
			}
			if (pass == 0 && archive_entry_filetype(ae) == AE_IFLNK) {
				if (check_symlink(c, norm, entry_symlink(ae), err, errlen) != 0)
					goto out;
				unlist_extra(c, norm);  /* it streamed as a file */
				c->r->files--;
			}
		}
		if (rc != ARCHIVE_EOF)
			goto bad;
		if (n != c->r->entries) {
			free(c->cur);
			c->cur = NULL;
			snprintf(err, errlen, "the zip central directory lists %llu entries, the "
			    "archive holds %llu: unzip would see another archive",
			    (unsigned long long)n, (unsigned long long)c->r->entries);
			broken(c, err, errlen, err);
			goto out;
		}
		archive_read_free(a);
		a = NULL;
		if (c->nlinks == 0)
			break;
	}
	ret = 0;
	goto out;
bad:
	snprintf(err, errlen, "zip central directory: %s", archive_error_string(a) ?
	    archive_error_string(a) : "cannot read");
	broken(c, err, errlen, err);
out:
	if (a != NULL)
		archive_read_free(a);
	free(norm);
	return ret;
}

static void
ctx_free(struct vctx *c)
{
	size_t i;

	source_stop(&c->src);
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
	source_start(&c.src, o->threads);
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
	if (finish(&c, err, errlen) != 0)
		goto out;
	if (seekfd >= 0 && archive_format(c.a) == ARCHIVE_FORMAT_ZIP &&
	    zip_types(&c, seekfd, err, errlen) != 0)
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
