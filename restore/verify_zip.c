/* verify_zip.c: a zip's central directory, checked against the entries
 * that streamed past. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verify_int.h"

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
int
gd_vzip_types(struct vctx *c, int fd, char *err, size_t errlen)
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
			gd_v_broken(c, err, errlen, "cannot seek back to the zip central directory");
			goto out;
		}
		a = archive_read_new();
		archive_read_support_format_zip_seekable(a);
		if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
			goto bad;
		while ((rc = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
			const char *raw = gd_vlink_entry_path(ae);

			n++;
			free(c->cur);
			c->cur = gd_xstrdup(raw != NULL ? raw : "");
			free(norm);
			if (gd_path_norm(c->cur, &norm) & (GD_PATH_ABSOLUTE | GD_PATH_DOTDOT)) {
				gd_v_refuse(c, err, errlen, "absolute or '..' path in the zip central directory");
				goto out;
			}
			if ((bad = gd_vlink_bad_type(archive_entry_filetype(ae))) != NULL) {
				gd_v_refuse(c, err, errlen, "%s (zip central directory)", bad);
				goto out;
			}
			if (pass == 1 && (via = gd_vlink_through(c, norm)) != NULL) {
				gd_v_refuse(c, err, errlen, "path goes through the symlink %.200s", via);
				goto out;
			}
			if (pass == 0 && archive_entry_filetype(ae) == AE_IFREG &&
			    gd_v_seen_get(c, norm) == NULL) {
				gd_v_refuse(c, err, errlen, "in the zip central directory, not among the entries "
				    "read: unzip would see another archive");
				goto out;
			}
			if (pass == 0 && archive_entry_filetype(ae) == AE_IFLNK) {
				if (gd_vlink_check_symlink(c, norm, gd_vlink_entry_symlink(ae), err, errlen) != 0)
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
			gd_v_broken(c, err, errlen, err);
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
	gd_v_broken(c, err, errlen, err);
out:
	if (a != NULL)
		archive_read_free(a);
	free(norm);
	return ret;
}

/* --- the central directory, walked as it streams past --- */

void
gd_vzip_keep(struct vctx *c, const unsigned char *b, size_t len, uint64_t start)
{
	struct zwalk *z = &c->zw;
	size_t k = z->next;

	if (z->keep[k].buf == NULL)
		z->keep[k].buf = gd_xmalloc(SLOT);
	if (len > SLOT)
		len = SLOT;  /* never: the source's blocks are at most SLOT */
	memcpy(z->keep[k].buf, b, len);
	z->keep[k].len = len;
	z->keep[k].start = start;
	z->next = (k + 1) % ZKEEP;
}

void
gd_vzip_local(struct vctx *c, const struct gd_verify_entry *e, uint64_t off)
{
	struct zwalk *z = &c->zw;
	char key[32];

	if (z->nloc == z->caploc) {
		z->caploc = z->caploc ? z->caploc * 2 : 64;
		z->loc = gd_xrealloc(z->loc, z->caploc * sizeof(*z->loc));
	}
	z->loc[z->nloc].off = off;
	z->loc[z->nloc].size = e->size;
	z->loc[z->nloc].path = gd_xstrdup(e->path);
	z->loc[z->nloc].type = e->type;
	snprintf(key, sizeof(key), "%llu", (unsigned long long)off);
	gd_map_put(&z->byoff, key, z->nloc);
	z->nloc++;
}

/* One central directory record, against the entry its local header gave. */
static int
central_entry(void *arg, const struct gd_zipcd_rec *r, char *err, size_t errlen)
{
	struct vctx *c = arg;
	struct zwalk *z = &c->zw;
	struct zlocal *l;
	char key[32], *norm = NULL;
	size_t *i;
	int flags, ret = -1;

	free(c->cur);
	c->cur = gd_xasprintf("%.*s", (int)r->nlen, r->name);
	if (strlen(c->cur) != r->nlen)
		return gd_v_refuse(c, err, errlen, "a NUL byte in a name of the zip central directory");
	flags = gd_path_norm(c->cur, &norm);
	if (flags & (GD_PATH_ABSOLUTE | GD_PATH_DOTDOT)) {
		gd_v_refuse(c, err, errlen, "%s in the zip central directory: unzip extracts by this "
		    "name", flags & GD_PATH_ABSOLUTE ? "absolute path" : "'..' in the path");
		goto out;
	}
	snprintf(key, sizeof(key), "%llu", (unsigned long long)r->off);
	if ((i = gd_map_get(&z->byoff, key)) == NULL) {
		gd_v_refuse(c, err, errlen, "the zip central directory points at byte %llu, where no "
		    "entry was read: unzip would see another archive", (unsigned long long)r->off);
		goto out;
	}
	l = &z->loc[*i];
	if (z->used[*i]) {
		gd_v_refuse(c, err, errlen, "a second central directory entry for the local header at "
		    "byte %llu (%s): overlapping entries, a zip bomb", (unsigned long long)r->off,
		    l->path);
		goto out;
	}
	z->used[*i] = 1;
	if (strcmp(norm, l->path) != 0) {
		gd_v_refuse(c, err, errlen, "named so in the zip central directory, but %s in its local "
		    "header: unzip would extract it by the central name", l->path);
		goto out;
	}
	if (r->host == 3 && (r->mode & AE_IFMT) != 0 && gd_vlink_bad_type(r->mode & AE_IFMT) != NULL) {
		gd_v_refuse(c, err, errlen, "%s (zip central directory)",
		    gd_vlink_bad_type(r->mode & AE_IFMT));
		goto out;
	}
	/* a symlink streamed as a file, to a sink that wrote it so: wrong on the target */
	if (r->host == 3 && (r->mode & AE_IFMT) == AE_IFLNK && l->type == GD_VT_FILE &&
	    c->o->sink != NULL) {
		gd_v_refuse(c, err, errlen, "a symlink in the zip central directory, restored as a "
		    "file: a zip's symlinks are known only from its end; restore it from a file on "
		    "its host (a glob), whose central directory is read first");
		goto out;
	}
	if (l->type == GD_VT_FILE && r->usize != l->size) {
		gd_v_refuse(c, err, errlen, "the zip central directory says %llu bytes, its data held %llu",
		    (unsigned long long)r->usize, (unsigned long long)l->size);
		goto out;
	}
	ret = 0;
out:
	free(norm);
	return ret;
}

static int
feed_cd(struct vctx *c, const unsigned char *b, size_t len, char *err, size_t errlen)
{
	int rc = gd_zipcd_feed(&c->zw.cd, b, len, err, errlen);

	if (rc == -2) {  /* not a central directory: the parser's reason */
		free(c->cur);
		c->cur = NULL;
		return gd_v_refuse(c, err, errlen, "%s", err);
	}
	return rc;
}

int
gd_vzip_feed(struct vctx *c, const unsigned char *b, size_t len, char *err, size_t errlen)
{
	if (!c->zw.began || len == 0)
		return 0;
	return feed_cd(c, b, len, err, errlen);
}

int
gd_vzip_begin(struct vctx *c, char *err, size_t errlen)
{
	struct zwalk *z = &c->zw;
	uint64_t cd = (uint64_t)archive_filter_bytes(c->a, 0);
	size_t k, i;
	int found = 0;

	z->began = 1;
	gd_zipcd_begin(&z->cd, cd, central_entry, c);
	z->used = gd_xcalloc(z->nloc > 0 ? z->nloc : 1, 1);
	for (i = 0; i < ZKEEP; i++) {  /* oldest first */
		k = (z->next + i) % ZKEEP;
		if (z->keep[k].buf == NULL || z->keep[k].start + z->keep[k].len <= cd)
			continue;
		if (!found && z->keep[k].start > cd)
			break;
		found = 1;
		if (gd_vzip_feed(c, z->keep[k].buf + (cd > z->keep[k].start ? cd - z->keep[k].start : 0),
		    z->keep[k].len - (size_t)(cd > z->keep[k].start ? cd - z->keep[k].start : 0), err,
		    errlen) != 0)
			return -1;
	}
	if (!found && c->out > cd) {
		free(c->cur);
		c->cur = NULL;
		return gd_v_broken(c, err, errlen, "cannot find the zip central directory in the data "
		    "kept");
	}
	return 0;
}

int
gd_vzip_end(struct vctx *c, char *err, size_t errlen)
{
	struct zwalk *z = &c->zw;

	free(c->cur);
	c->cur = NULL;
	if (!z->cd.ended)
		return gd_v_broken(c, err, errlen, "no end record of the zip central directory: "
		    "a truncated zip");
	if (z->cd.central != z->nloc || (z->cd.declared != ~(uint64_t)0 &&
	    z->cd.declared != z->cd.central)) {
		return gd_v_refuse(c, err, errlen, "the zip central directory lists %llu entries (its "
		    "end record says %lld), the archive holds %llu: unzip would see another archive",
		    (unsigned long long)z->cd.central, z->cd.declared == ~(uint64_t)0 ? -1ll :
		    (long long)z->cd.declared, (unsigned long long)z->nloc);
	}
	return 0;
}

void
gd_vzip_free(struct vctx *c)
{
	struct zwalk *z = &c->zw;
	size_t i;

	for (i = 0; i < ZKEEP; i++)
		free(z->keep[i].buf);
	for (i = 0; i < z->nloc; i++)
		free(z->loc[i].path);
	free(z->loc);
	free(z->used);
	gd_map_free(&z->byoff);
	gd_zipcd_free(&z->cd);
	memset(z, 0, sizeof(*z));
}
