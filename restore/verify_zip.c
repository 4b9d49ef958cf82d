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
