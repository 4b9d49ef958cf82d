/* manifest.h: SHA-256 manifests (sha256sum format) and archive paths. */
#ifndef GD_MANIFEST_H
#define GD_MANIFEST_H

#include <stddef.h>

#include "gd.h"

#include "map.h"

/* gd_path_norm flags */
#define GD_PATH_ABSOLUTE 1  /* starts with '/' */
#define GD_PATH_DOTDOT 2    /* has a '..' component */
#define GD_PATH_ESCAPES 4   /* a '..' climbs above the root */

/* Writes into *out (malloc'd, caller frees) path without leading './' or '/',
 * empty or '.' components, or a trailing '/' ("./etc//x/" is "etc/x", "./"
 * is ""); '..' components are kept. Returns GD_PATH_* flags. */
int gd_path_norm(const char *path, char **out);

struct gd_manifest_item {
	char *path;                  /* normalised by gd_path_norm; absolute ones keep their '/' */
	unsigned char sha256[32];
	unsigned line;
};

enum gd_manifest_format {
	GD_MANIFEST_SHA256SUM,       /* sha256sum lines: the archive's files or the whole archive */
	GD_MANIFEST_PG,              /* PostgreSQL's backup_manifest (JSON, SHA-256 checksums) */
};

struct gd_manifest {
	char *file;                  /* where it was read, for messages */
	enum gd_manifest_format format;
	struct gd_manifest_item *items;
	size_t n, cap;
	struct gd_map map;           /* path -> index in items */
	struct gd_buf carry;         /* a line not yet ended, or the JSON read so far */
	unsigned lines;
};

/* Reads a manifest as a stream, of any size: begin, feed its bytes in any
 * pieces, end. sha256sum format is "HASH  path", "HASH *path", the
 * '\'-escaped form of names with newlines, or the BSD "SHA256 (path) = HASH"
 * of sha256sum --tag; blank lines and '#' comments are skipped. m is the
 * caller's, freed with gd_manifest_free, also after an error. */
void gd_manifest_begin(struct gd_manifest *m, const char *file, enum gd_manifest_format fmt);
int gd_manifest_feed(struct gd_manifest *m, const char *buf, size_t len, char *err,
    size_t errlen);
int gd_manifest_end(struct gd_manifest *m, char *err, size_t errlen);
/* A file read so; file names it in messages. */
int gd_manifest_load(struct gd_manifest *m, const char *file, enum gd_manifest_format fmt,
    char *err, size_t errlen);
/* sha256sum text[0..len) read so. */
int gd_manifest_parse(struct gd_manifest *m, const char *file, const char *text, size_t len,
    char *err, size_t errlen);
/* The format named by s ("sha256sum", "backup_manifest"); -1 when none. */
int gd_manifest_format_parse(const char *s);
/* manifest_pg.c: PostgreSQL's backup_manifest in text[0..len) into m: its
 * own checksum checked, every file's SHA-256 (other algorithms refused). */
int gd_manifest_pg(struct gd_manifest *m, const char *text, size_t len, char *err, size_t errlen);
/* 64 hex digits at s into out[32]; -1 when they are not. */
int gd_manifest_unhex(const char *s, unsigned char *out);
/* Adds path (as the manifest names it) with its hash, line for messages. */
int gd_manifest_add(struct gd_manifest *m, const char *path, const unsigned char sha256[32],
    unsigned line, char *err, size_t errlen);
/* The index of path (normalised) in m->items, or -1. */
long gd_manifest_find(const struct gd_manifest *m, const char *path);
/* The line that holds a hash of the whole archive: one named as archive's file
 * name (as `sha256sum *.tar.gz > SHA256SUMS` writes), or a single line named
 * "-" (as `sha256sum < A` writes). NULL when m lists the archive's files. */
const struct gd_manifest_item *gd_manifest_whole(const struct gd_manifest *m, const char *archive);
/* Whether m can list an archive's files: every path relative, without '..'. */
int gd_manifest_check(const struct gd_manifest *m, char *err, size_t errlen);
void gd_manifest_free(struct gd_manifest *m);

#endif
