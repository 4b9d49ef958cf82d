/* manifest.h: SHA-256 manifests (sha256sum format) and archive paths. */
#ifndef GD_MANIFEST_H
#define GD_MANIFEST_H

#include <stddef.h>

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

struct gd_manifest {
	char *file;                  /* where it was read, for messages */
	struct gd_manifest_item *items;
	size_t n, cap;
	struct gd_map map;       /* path -> index in items */
};

/* Reads a manifest in sha256sum format ("HASH  path", "HASH *path", the
 * '\'-escaped form of names with newlines, or the BSD "SHA256 (path) = HASH"
 * of sha256sum --tag). Blank lines and '#' comments are skipped. Fills m,
 * which the caller frees with gd_manifest_free, also after an error. */
int gd_manifest_load(struct gd_manifest *m, const char *file, char *err, size_t errlen);
/* The same from text[0..len); file names it in messages. */
int gd_manifest_parse(struct gd_manifest *m, const char *file, const char *text, size_t len,
    char *err, size_t errlen);
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
