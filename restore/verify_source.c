/* verify_source.c: the verifier's first reader: raw bytes in through the
 * caller's read function, the archive's tar or zip bytes out, a few 1 MiB
 * blocks ahead of the parser when it runs on its own thread. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <zlib.h>

#include "verify_int.h"

/* CRC-32 of the gzip member, with zlib's crc32 (the same polynomial and
 * conventions as gzip's trailer). */
uint32_t
gd_vsrc_crc32(uint32_t crc, const unsigned char *p, size_t n)
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


static la_ssize_t
raw_read(struct archive *a, void *arg, const void **buf)
{
	struct source *s = arg;
	char err[GD_ERRLEN];
	ssize_t n;

	*buf = s->raw;
	if (s->primed) {  /* the block prime() read, not yet given to libarchive */
		s->primed = 0;
		return (la_ssize_t)s->rawlen;
	}
	if (s->raw_eof)
		return 0;
	if (s->opening && atomic_load(&s->rawtotal) >= OPEN_CAP) {
		snprintf(s->err, sizeof(s->err), "no data within the first %u MiB: a compression "
		    "header that does not end (refused)", OPEN_CAP >> 20);
		archive_set_error(a, EIO, "%s", s->err);
		return -1;
	}
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

/* The compression that data starts with, from its magic number, as an
 * ARCHIVE_FILTER_* (ARCHIVE_FILTER_NONE when none is known). lzma (.lzma,
 * "lzma alone") has no magic: its properties byte and dictionary size are
 * checked as libarchive's own bidder does. */
static int
sniff_filter(const unsigned char *p, size_t n)
{
	if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
		return ARCHIVE_FILTER_GZIP;
	if (n >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9')
		return ARCHIVE_FILTER_BZIP2;
	if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return ARCHIVE_FILTER_XZ;
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return ARCHIVE_FILTER_ZSTD;
	if (n >= 13 && p[0] == 0x5d && p[1] == 0 && p[2] == 0 &&
	    (p[3] & (p[3] - 1)) == 0 && (p[4] == 0 || p[4] == 0xff)) {
		size_t i;
		int all_ff = 1;

		for (i = 5; i < 13; i++)
			all_ff &= p[i] == 0xff;
		if (all_ff || p[12] == 0)
			return ARCHIVE_FILTER_LZMA;
	}
	if (n >= 2 && p[0] == 0x1f && (p[1] == 0x9d || p[1] == 0xa0))
		return ARCHIVE_FILTER_COMPRESS;  /* refused: not among the filters we run */
	return ARCHIVE_FILTER_NONE;
}

static const char *
filter_label(int code)
{
	switch (code) {
	case ARCHIVE_FILTER_GZIP: return "gzip";
	case ARCHIVE_FILTER_BZIP2: return "bzip2";
	case ARCHIVE_FILTER_XZ: return "xz";
	case ARCHIVE_FILTER_ZSTD: return "zstd";
	case ARCHIVE_FILTER_LZMA: return "lzma";
	case ARCHIVE_FILTER_COMPRESS: return "compress (.Z)";
	}
	return "none";
}

/* Reads the first raw block ourselves, so that the one filter it needs is
 * chosen from its magic and handed to libarchive without bidding: libarchive
 * would stack filters (gzip over gzip over ...) and look ahead without a
 * bound for a gzip header's file name, which a recursive gzip makes endless. */
static int
prime(struct source *s)
{
	char err[GD_ERRLEN];
	ssize_t n;

	while (s->rawlen < 16 && !s->raw_eof) {
		err[0] = '\0';
		n = s->rd(s->rdarg, s->raw + s->rawlen, RAW_BUF - s->rawlen, err, sizeof(err));
		if (n < 0) {
			snprintf(s->err, sizeof(s->err), "%s", err);
			return -1;
		}
		if (n == 0)
			s->raw_eof = 1;
		s->rawlen += (size_t)n;
	}
	atomic_fetch_add(&s->rawtotal, (uint64_t)s->rawlen);
	if (s->whole != NULL)
		EVP_DigestUpdate(s->whole, s->raw, s->rawlen);
	s->primed = 1;
	return 0;
}

/* After the first decompressed bytes: a second layer of compression is not
 * decompressed, it is refused (a way to hide an archive bomb). */
static int
nested(struct source *s, const void *buf, size_t n)
{
	int code = sniff_filter(buf, n);

	if (code == ARCHIVE_FILTER_NONE || s->code == ARCHIVE_FILTER_NONE)
		return 0;
	snprintf(s->err, sizeof(s->err), "compressed twice (%s over %s): refused, a way to "
	    "hide an archive bomb", filter_label(code), filter_label(s->code));
	return -1;
}

static int
source_open(struct source *s)
{
	struct archive_entry *ae;
	int rc;

	s->opened = 1;
	if (prime(s) != 0)
		return -1;
	if (s->rawlen == 0) {
		s->empty = 1;
		s->eof = 1;
		return 0;
	}
	s->code = sniff_filter(s->raw, s->rawlen);
	if (s->code == ARCHIVE_FILTER_COMPRESS) {
		snprintf(s->err, sizeof(s->err), "compress (.Z) data: not supported (gzip, bzip2, xz, "
		    "lzma, zstd or none)");
		return -1;
	}
	snprintf(s->filter, sizeof(s->filter), "%s", filter_label(s->code));
	if (s->code == ARCHIVE_FILTER_GZIP) {
		/* zlib checks each member's CRC-32 and size, as gzip -t does, and
		 * takes several members (pg_basebackup -z writes them) */
		if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) {
			snprintf(s->err, sizeof(s->err), "cannot start zlib");
			return -1;
		}
		s->zlib = 1;
		s->primed = 0;
		s->z.next_in = s->raw;
		s->z.avail_in = (uInt)s->rawlen;
		return 0;
	}
	s->a = archive_read_new();
	archive_read_support_format_raw(s->a);
	if (s->code != ARCHIVE_FILTER_NONE && archive_read_append_filter(s->a, s->code) != ARCHIVE_OK)
		goto fail;
	s->opening = 1;  /* raw_read caps what open may consume */
	if (archive_read_open(s->a, s, NULL, raw_read, NULL) != ARCHIVE_OK)
		goto fail;
	rc = archive_read_next_header(s->a, &ae);
	s->opening = 0;
	if (rc == ARCHIVE_EOF) {
		s->empty = 1;
		s->eof = 1;
		return 0;
	}
	if (rc != ARCHIVE_OK)
		goto fail;
	s->gzip = s->code == ARCHIVE_FILTER_GZIP;
	return 0;
fail:
	if (s->err[0] == '\0')
		snprintf(s->err, sizeof(s->err), "%s", archive_error_string(s->a) ?
		    archive_error_string(s->a) : "cannot read");
	return -1;
}

/* One more raw block into s->raw, counted and hashed. Returns its length,
 * 0 at the end (raw_eof set), -1 with s->err filled. */
static ssize_t
raw_more(struct source *s)
{
	char err[GD_ERRLEN];
	ssize_t n;

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
	return n;
}

/* After the compressed stream: read what follows it, so that the hash of the
 * whole archive covers every byte. */
static int
source_drain(struct source *s)
{
	while (!s->raw_eof && !atomic_load(&s->cancel))
		if (raw_more(s) < 0)
			return -1;
	return 0;
}

/* The zlib path of source_fill: buf filled with up to SLOT inflated bytes. */
static int
gz_fill(struct source *s, unsigned char *buf, size_t *len)
{
	ssize_t n;
	int rc;

	while (*len < SLOT && !s->eof && !atomic_load(&s->cancel)) {
		if (s->z.avail_in == 0) {
			if (s->raw_eof) {
				snprintf(s->err, sizeof(s->err), "truncated gzip input");
				return -1;
			}
			if ((n = raw_more(s)) < 0)
				return -1;
			s->z.next_in = s->raw;
			s->z.avail_in = (uInt)n;
			continue;
		}
		s->z.next_out = buf + *len;
		s->z.avail_out = (uInt)(SLOT - *len);
		rc = inflate(&s->z, Z_NO_FLUSH);
		*len = SLOT - s->z.avail_out;
		if (rc == Z_STREAM_END) {
			/* another member follows, or the end */
			while (s->z.avail_in == 0 && !s->raw_eof) {
				if ((n = raw_more(s)) < 0)
					return -1;
				s->z.next_in = s->raw;
				s->z.avail_in = (uInt)n;
			}
			if (s->z.avail_in == 0) {
				s->eof = 1;
				break;
			}
			inflateReset(&s->z);
			continue;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			snprintf(s->err, sizeof(s->err), "gzip data corrupt (%s): the compressed data is "
			    "corrupt", s->z.msg != NULL ? s->z.msg : "zlib error");
			return -1;
		}
		if (s->out + *len == 0 && atomic_load(&s->rawtotal) >= OPEN_CAP) {
			snprintf(s->err, sizeof(s->err), "no data within the first %u MiB: a compression "
			    "header that does not end (refused)", OPEN_CAP >> 20);
			return -1;
		}
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
	if (s->zlib) {
		if (gz_fill(s, buf, len) != 0)
			goto fail;
		if (!s->sniffed && *len > 0) {
			s->sniffed = 1;
			if (nested(s, buf, *len) != 0)
				goto fail;
		}
		s->out += *len;
		return *len > 0 ? 1 : 0;
	}
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
			if (!s->sniffed && n > 0) {
				s->sniffed = 1;
				if (nested(s, b, n) != 0)
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
int
gd_vsrc_next(struct source *s, const unsigned char **buf, size_t *len)
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

void
gd_vsrc_start(struct source *s, int threads)
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

void
gd_vsrc_stop(struct source *s)
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
	if (s->zlib)
		inflateEnd(&s->z);
	s->zlib = 0;
	for (i = 0; i < NSLOT; i++)
		free(s->buf[i]);
	free(s->raw);
	memset(s->buf, 0, sizeof(s->buf));
	s->raw = NULL;
}
