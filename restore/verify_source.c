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
	for (i = 0; i < NSLOT; i++)
		free(s->buf[i]);
	free(s->raw);
	memset(s->buf, 0, sizeof(s->buf));
	s->raw = NULL;
}
