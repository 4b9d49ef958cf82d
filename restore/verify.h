/* verify.h: prove a backup archive whole as it streams past, entry by entry.
 *
 * The archive (tar, tar.gz, tar.zst, tar.xz, tar.bz2 or zip) is read through
 * a callback, never extracted. Each entry is checked against the refusal rules
 * and the budgets before its data is read, its content is hashed with SHA-256
 * and compared with the manifest, and a sink may receive each accepted entry's
 * header and data (the drill writes them on to the restore target).
 *
 * A zip keeps file types (symlinks, devices) only in its central directory,
 * at its end. Reading from a file (gd_verify_fd on a regular file), the
 * verifier reads that too, by seeking, once the stream is done; in a pure
 * stream a zip symlink is a file that holds its target's name. */
#ifndef GD_VERIFY_H
#define GD_VERIFY_H

#include <stdint.h>
#include <sys/types.h>

#include "manifest.h"

struct archive_entry;

struct gd_verify_limits {
	uint64_t max_entries;  /* entries of any type */
	uint64_t max_total;    /* uncompressed content bytes, all entries */
	uint64_t max_entry;    /* uncompressed content bytes of one entry */
	uint64_t max_ratio;    /* content bytes per archive byte read so far; 0: no limit */
	uint64_t ratio_floor;  /* the ratio is checked past this many content bytes */
	size_t max_path;       /* bytes of an entry's path or link target */
};

/* 1,000,000 entries, 64 GiB, 16 GiB per entry, 200:1 past 32 MiB, 4096 bytes. */
void gd_verify_limits_default(struct gd_verify_limits *l);

enum gd_verify_type { GD_VT_FILE, GD_VT_DIR, GD_VT_SYMLINK, GD_VT_HARDLINK };

enum gd_verify_status {
	GD_VS_UNCHECKED,  /* no manifest of files, or not content (a directory, a symlink) */
	GD_VS_OK,         /* matches the manifest */
	GD_VS_MISMATCH,   /* differs from the manifest */
	GD_VS_EXTRA,      /* not in the manifest */
};

/* One entry that passed the rules. Everything is borrowed, valid during the
 * callback that receives it. */
struct gd_verify_entry {
	const char *path;          /* normalised: "etc/x", never "./etc/x"; "" is the root */
	enum gd_verify_type type;
	const char *link;          /* symlink target as stored, or hard link target (normalised) */
	uint64_t size;             /* content bytes (0 for a hard link without data); in
	                            * header, the size the header gives */
	int has_sha256;            /* sha256 holds the content's hash (files, and hard links
	                            * whose target's hash is known) */
	unsigned char sha256[32];
	enum gd_verify_status status;
	struct archive_entry *ae;  /* libarchive's header, path and hard link normalised */
};

/* Receives each accepted entry: header, then data blocks in order (sparse
 * holes come as zeros), then done with the hash and status filled. A callback
 * that returns -1 (err filled) stops the verification with that error. After
 * header, the rest of the entry may still be refused (a budget): the sink must
 * treat a verification that ends in an error as a failed one. */
struct gd_verify_sink {
	int (*header)(void *arg, const struct gd_verify_entry *e, char *err, size_t errlen);
	int (*data)(void *arg, const void *buf, size_t len, char *err, size_t errlen);
	int (*done)(void *arg, const struct gd_verify_entry *e, char *err, size_t errlen);
	void *arg;
};

/* Reads up to len bytes into buf. Returns the count, 0 at the end, -1 with
 * err filled. With threads == 2 it is called from a reader thread. */
typedef ssize_t (*gd_verify_read_fn)(void *arg, void *buf, size_t len, char *err,
    size_t errlen);

struct gd_verify_opts {
	struct gd_verify_limits limits;
	const char *name;                      /* the archive in messages, and in a manifest of
	                                        * whole archives */
	const struct gd_manifest *manifest;    /* NULL: check the structure, report hashes */
	const struct gd_verify_sink *sink;     /* NULL: none */
	const struct gd_map *zip_links;        /* a zip's symlinks (paths, normalised), read
	                                        * from its central directory first: their
	                                        * data is the target; restored as symlinks */
	int threads;                           /* 1: all on the caller's thread; 2 (default,
	                                        * as 0): decompress on a second one */
};

struct gd_verify_result {
	uint64_t entries;                /* entries read (of any type) */
	uint64_t files;                  /* files and hard links */
	uint64_t bytes;                  /* content bytes hashed */
	uint64_t archive_bytes;          /* bytes of the archive read */
	char format[64];                 /* "GNU tar format", "ZIP 2.0 (deflation)", ... */
	char filter[32];                 /* "gzip", "zstd", "xz", "none", ... */
	unsigned char archive_sha256[32];  /* of the bytes read, when read to the end */
	int whole;                       /* -1: no whole-archive hash; 0: it differs; 1: it matches */
	char **missing, **extra, **mismatched;  /* paths (malloc'd) */
	size_t nmissing, nextra, nmismatched;
	int refused;                     /* a rule or budget refused the archive */
	char *where;                     /* the entry an error is about (as stored), or NULL */
	char *why;                       /* the error without the names, or NULL */
};

/* Reads the whole archive through rd and checks it. Calls report (if not NULL)
 * for each entry as it is accepted, after the sink's done.
 *
 * Returns 0 when the archive was read to its end and passed every rule: r says
 * whether it matches the manifest (gd_verify_ok). Returns -1 with err filled,
 * naming the archive and the entry ("backup.tar.gz: etc/../../x: path leaves
 * the archive root"), when it cannot be read, is truncated or corrupt (r->refused
 * 0), or breaks a rule or budget (r->refused 1). r is the caller's, freed with
 * gd_verify_result_free in both cases. */
int gd_verify_stream(gd_verify_read_fn rd, void *rdarg, const struct gd_verify_opts *o,
    void (*report)(void *arg, const struct gd_verify_entry *e), void *report_arg,
    struct gd_verify_result *r, char *err, size_t errlen);

/* gd_verify_stream over a file descriptor (not closed). */
int gd_verify_fd(int fd, const struct gd_verify_opts *o,
    void (*report)(void *arg, const struct gd_verify_entry *e), void *report_arg,
    struct gd_verify_result *r, char *err, size_t errlen);

/* Whether a result of gd_verify_stream that returned 0 verifies: entries, and
 * nothing missing, extra or mismatched. */
int gd_verify_ok(const struct gd_verify_result *r);

void gd_verify_result_free(struct gd_verify_result *r);

#endif
