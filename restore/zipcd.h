/* zipcd.h: a zip's central directory read as a stream of bytes (from the
 * directory's first record to the end of the file), record by record, and
 * where a zip file's central directory is, from its last bytes. Used by the
 * verifier (the directory against the entries that streamed past) and by the
 * drill (a zip's symlinks, known before its entries stream). */
#ifndef GD_ZIPCD_H
#define GD_ZIPCD_H

#include <stddef.h>
#include <stdint.h>

#include "gd.h"

struct gd_zipcd_rec {
	const char *name;          /* not NUL-terminated: nlen bytes */
	size_t nlen;
	unsigned host;             /* "version made by" high byte: 3 is Unix */
	unsigned mode;             /* external attributes' high 16 bits (Unix mode) */
	uint64_t csize, usize, off;  /* zip64 fields applied */
};

struct gd_zipcd {
	/* called for each record; returns 0, or -1 with err filled */
	int (*rec)(void *arg, const struct gd_zipcd_rec *r, char *err, size_t errlen);
	void *arg;
	struct gd_buf pend;        /* bytes not yet parsed */
	uint64_t pos;              /* offset of pend's first byte (in the zip) */
	int ended;                 /* the end record was read */
	uint64_t central;          /* records read */
	uint64_t declared;         /* the end record's count, or ~0 */
};

/* Starts z at zip offset pos. */
void gd_zipcd_begin(struct gd_zipcd *z, uint64_t pos,
    int (*rec)(void *, const struct gd_zipcd_rec *, char *, size_t), void *arg);
/* Feeds bytes. Returns 0; -1 when rec failed; -2 when the bytes are not a
 * central directory (a record of no known kind, bytes after the end record),
 * err filled. */
int gd_zipcd_feed(struct gd_zipcd *z, const void *buf, size_t len, char *err, size_t errlen);
void gd_zipcd_free(struct gd_zipcd *z);

/* From the last n bytes of a zip file of fsize bytes (n >= 22; the whole
 * end record and comment, and the zip64 ones, are in the last 65,558 + 76),
 * the central directory's offset and size. Returns 0, or -1 with err filled. */
int gd_zipcd_locate(const unsigned char *tail, size_t n, uint64_t fsize, uint64_t *off,
    uint64_t *size, char *err, size_t errlen);

#endif
