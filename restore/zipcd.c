/* zipcd.c: a zip's central directory, record by record, as its bytes come. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zipcd.h"

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

void
gd_zipcd_begin(struct gd_zipcd *z, uint64_t pos,
    int (*rec)(void *, const struct gd_zipcd_rec *, char *, size_t), void *arg)
{
	memset(z, 0, sizeof(*z));
	z->pos = pos;
	z->rec = rec;
	z->arg = arg;
	z->declared = ~(uint64_t)0;
}

/* The zip64 extended information of a central record: the fields that are
 * 0xffffffff in the record come from it, in this order. */
static void
zip64_fields(const unsigned char *x, size_t n, uint64_t *usize, uint64_t *csize, uint64_t *off)
{
	while (n >= 4) {
		size_t id = le16(x), len = le16(x + 2), at = 4;

		if (len > n - 4)
			return;
		if (id == 1) {
			uint64_t *f[3] = { usize, csize, off };
			int i;

			for (i = 0; i < 3; i++) {
				if (*f[i] != 0xffffffffu)
					continue;
				if (at + 8 > 4 + len)
					return;
				*f[i] = le64(x + at);
				at += 8;
			}
			return;
		}
		x += 4 + len;
		n -= 4 + len;
	}
}

static int
central(struct gd_zipcd *z, const unsigned char *p, char *err, size_t errlen)
{
	struct gd_zipcd_rec r;

	r.nlen = le16(p + 28);
	r.name = (const char *)p + 46;
	r.host = le16(p + 4) >> 8;
	r.mode = le32(p + 38) >> 16;
	r.csize = le32(p + 20);
	r.usize = le32(p + 24);
	r.off = le32(p + 42);
	zip64_fields(p + 46 + r.nlen, le16(p + 30), &r.usize, &r.csize, &r.off);
	z->central++;
	return z->rec != NULL ? z->rec(z->arg, &r, err, errlen) : 0;
}

int
gd_zipcd_feed(struct gd_zipcd *z, const void *buf, size_t len, char *err, size_t errlen)
{
	size_t at = 0;
	int ret = 0;

	gd_buf_add(&z->pend, buf, len);
	for (;;) {
		const unsigned char *p = (const unsigned char *)z->pend.data + at;
		size_t left = z->pend.len - at, need;
		uint32_t sig;

		if (z->ended && left > 0) {
			gd_errf(err, errlen, "%zu bytes after the zip's end record: unzip would look for "
			    "another archive there", left);
			ret = -2;
			break;
		}
		if (left < 4)
			break;
		sig = le32(p);
		if (sig == 0x02014b50) {         /* central file header */
			if (left < 46 || left < (need = 46 + le16(p + 28) + le16(p + 30) + le16(p + 32)))
				break;
			if (central(z, p, err, errlen) != 0) {
				ret = -1;
				break;
			}
		} else if (sig == 0x06064b50) {  /* zip64 end of central directory */
			if (left < 56 || le64(p + 4) > 1u << 20 || left < (need = 12 + le64(p + 4)))
				break;
			z->declared = le64(p + 32);
		} else if (sig == 0x07064b50) {  /* zip64 locator */
			if (left < (need = 20))
				break;
		} else if (sig == 0x06054b50) {  /* end of central directory */
			if (left < 22 || left < (need = 22 + le16(p + 20)))
				break;
			if (le16(p + 10) != 0xffff)
				z->declared = le16(p + 10);
			z->ended = 1;
		} else {
			gd_errf(err, errlen, "zip byte %llu: not a record of the central directory "
			    "(signature %08x)", (unsigned long long)(z->pos + at), sig);
			ret = -2;
			break;
		}
		at += need;
	}
	if (at > 0) {
		memmove(z->pend.data, z->pend.data + at, z->pend.len - at);
		z->pend.len -= at;
		z->pos += at;
	}
	return ret;
}

void
gd_zipcd_free(struct gd_zipcd *z)
{
	gd_buf_free(&z->pend);
}

int
gd_zipcd_locate(const unsigned char *tail, size_t n, uint64_t fsize, uint64_t *off,
    uint64_t *size, char *err, size_t errlen)
{
	size_t i;

	if (n < 22 || fsize < n)
		return gd_errf(err, errlen, "too short for a zip");
	for (i = n - 22 + 1; i-- > 0;) {  /* the last end record whose comment fits */
		const unsigned char *e = tail + i;
		uint64_t base = fsize - n;  /* file offset of tail[0] */

		if (le32(e) != 0x06054b50 || i + 22 + le16(e + 20) != n)
			continue;
		*off = le32(e + 16);
		*size = le32(e + 12);
		if ((*off == 0xffffffffu || *size == 0xffffffffu) && i >= 20 &&
		    le32(e - 20) == 0x07064b50) {
			uint64_t at = le64(e - 20 + 8);

			if (at < base || at - base + 56 > n || le32(tail + (at - base)) != 0x06064b50)
				return gd_errf(err, errlen, "the zip64 end record is not where its locator "
				    "says");
			*size = le64(tail + (at - base) + 40);
			*off = le64(tail + (at - base) + 48);
		}
		if (*off > fsize || *size > fsize - *off)
			return gd_errf(err, errlen, "the zip's end record points outside the file");
		return 0;
	}
	return gd_errf(err, errlen, "no end record of a zip central directory in its last %zu bytes",
	    n);
}
