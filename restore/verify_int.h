/* verify_int.h: the parts of the verifier (verify.c, verify_source.c,
 * verify_links.c, verify_zip.c) as they see each other; not for other callers. */
#ifndef GD_VERIFY_INT_H
#define GD_VERIFY_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "gd.h"
#include "map.h"
#include "verify.h"
#include "zipcd.h"

#define RAW_BUF (1u << 20)      /* one read of the raw archive */
#define SLOT (1u << 20)         /* one block from the source to the parser */
#define OPEN_CAP (4u << 20)    /* raw bytes the decompressor may read before its first byte out */
#define NSLOT 4                 /* blocks in flight between the two threads */
#define LINK_HOPS 40            /* symlinks followed in one resolution, as Linux */
#define LINK_WORK 10000000ull   /* symlink resolution steps in one archive */
#define ZKEEP 3                 /* zip: decompressed blocks kept for the central directory */
#define NOT_SEEN 0xff           /* a manifest item not (yet) in the archive */

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
	int code;                       /* the ARCHIVE_FILTER_* the magic number says */
	int primed;                     /* raw holds a first block libarchive has not had */
	int opening;                    /* in archive_read_open: reads are capped */
	int sniffed;                    /* the first decompressed bytes were checked */
	int zlib;                       /* gzip, inflated by zlib: every member's CRC-32 and size checked */
	z_stream z;
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

/* A zip entry as its local header gave it. */
struct zlocal {
	uint64_t off;                   /* of its local header */
	uint64_t size;                  /* content bytes read */
	char *path;                     /* normalised */
	enum gd_verify_type type;
};

/* The walk of a zip's central directory, as its bytes stream past. */
struct zwalk {
	struct { unsigned char *buf; size_t len; uint64_t start; } keep[ZKEEP];
	size_t next;                    /* the keep slot to fill next */
	struct zlocal *loc;
	size_t nloc, caploc;
	struct gd_map byoff;            /* "offset" -> index in loc */
	unsigned char *used;            /* per loc: named by the central directory */
	struct gd_zipcd cd;             /* the walk, once begun */
	int began;
};

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

	int zip;                        /* the data is a zip (starts with PK) */
	struct gd_buf *hold;            /* content kept, not sunk: a zip symlink's target */
	struct zwalk zw;

	char *cur;                      /* the entry being read, as stored */
	int in_data;
	uint64_t entry_bytes;
};

/* verify_source.c: the decompressing reader, on its own thread or not */
uint32_t gd_vsrc_crc32(uint32_t crc, const unsigned char *p, size_t n);
/* The next block for the parser, valid until the next call. Returns 1, 0 at
 * the end, -1 with s->err filled. */
int gd_vsrc_next(struct source *s, const unsigned char **buf, size_t *len);
void gd_vsrc_start(struct source *s, int threads);
void gd_vsrc_stop(struct source *s);

/* verify.c: errors about the current entry */
char *gd_v_show(const char *s);
/* Refuses the archive at the current entry: err is "NAME: ENTRY: why". */
int gd_v_refuse(struct vctx *c, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int gd_v_broken(struct vctx *c, char *err, size_t errlen, const char *text);
struct seen *gd_v_seen_get(struct vctx *c, const char *path);

/* verify_links.c: paths, symlinks and hard links against the root */
const char *gd_vlink_through(struct vctx *c, const char *path);
int gd_vlink_check_symlink(struct vctx *c, const char *path, const char *target, char *err,
    size_t errlen);
int gd_vlink_check_hardlink(struct vctx *c, const char *target, char **norm, char *err,
    size_t errlen);
const char *gd_vlink_entry_path(struct archive_entry *ae);
const char *gd_vlink_entry_hardlink(struct archive_entry *ae);
const char *gd_vlink_entry_symlink(struct archive_entry *ae);
const char *gd_vlink_bad_type(unsigned ft);

/* verify_zip.c: a zip's central directory against its entries */
int gd_vzip_types(struct vctx *c, int fd, char *err, size_t errlen);
/* Keeps a copy of a block the parser got (start: its stream offset). */
void gd_vzip_keep(struct vctx *c, const unsigned char *b, size_t len, uint64_t start);
/* Records an entry read at local header offset off. */
void gd_vzip_local(struct vctx *c, const struct gd_verify_entry *e, uint64_t off);
/* At the parser's end (the central directory starts where it stopped), then
 * for every block after it, then at the stream's end. */
int gd_vzip_begin(struct vctx *c, char *err, size_t errlen);
int gd_vzip_feed(struct vctx *c, const unsigned char *b, size_t len, char *err, size_t errlen);
int gd_vzip_end(struct vctx *c, char *err, size_t errlen);
void gd_vzip_free(struct vctx *c);

#endif
