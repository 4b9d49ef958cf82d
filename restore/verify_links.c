/* verify_links.c: where an entry's path and links lead: refused when out of
 * the archive root, followed through the archive's own symlinks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify_int.h"


/* Whether a proper prefix of path is a symlink of the archive: one is returned. */
const char *
gd_vlink_through(struct vctx *c, const char *path)
{
	const char *found = NULL;
	char *pre, *p;
	size_t *i;

	if (c->nlinks == 0)
		return NULL;
	pre = gd_xstrdup(path);
	for (p = strchr(pre, '/'); p != NULL && found == NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		i = gd_map_get(&c->links, pre);
		if (i != NULL)
			found = c->linkpath[*i];
		*p = '/';
	}
	free(pre);
	return found;
}

/* Follows target from the directory of the symlink at path, through the
 * archive's symlinks known so far. Returns 0 when it stays inside the root,
 * 1 when it leaves it, -1 on too many hops or steps. */
static int
resolve(struct vctx *c, const char *path, const char *target)
{
	struct gd_buf at = { 0 }, rest = { 0 };
	const char *slash = strrchr(path, '/');
	int hops = 0, ret = 0;

	gd_buf_add(&at, path, slash != NULL ? (size_t)(slash - path) : 0);
	gd_buf_adds(&rest, target);
	while (rest.len > 0) {
		char *p = rest.data, *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p), *li, mark;

		if (++c->linkwork > LINK_WORK) {
			ret = -1;
			goto out;
		}
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *up;

			if (at.len == 0) {
				ret = 1;
				goto out;
			}
			up = strrchr(at.data, '/');
			at.len = up != NULL ? (size_t)(up - at.data) : 0;
			at.data[at.len] = '\0';
		} else {
			mark = at.len;
			if (at.len > 0)
				gd_buf_add(&at, "/", 1);
			gd_buf_add(&at, p, n);
			gd_map_put(&c->traversed, at.data, 0);
			li = gd_map_get(&c->links, at.data);
			if (li != NULL) {
				struct gd_buf next = { 0 };

				if (++hops > LINK_HOPS) {
					ret = -1;
					goto out;
				}
				if (c->linktarget[*li][0] == '/') {
					ret = 1;
					goto out;
				}
				at.len = mark;  /* the link's target is relative to its directory */
				at.data[at.len] = '\0';
				gd_buf_adds(&next, c->linktarget[*li]);
				gd_buf_adds(&next, "/");
				gd_buf_adds(&next, *e == '/' ? e + 1 : e);
				gd_buf_free(&rest);
				rest = next;
				continue;
			}
		}
		/* drop the component just walked */
		n = *e == '/' ? (size_t)(e - rest.data) + 1 : rest.len;
		memmove(rest.data, rest.data + n, rest.len - n + 1);
		rest.len -= n;
	}
out:
	gd_buf_free(&at);
	gd_buf_free(&rest);
	return ret;
}

int
gd_vlink_check_symlink(struct vctx *c, const char *path, const char *target, char *err, size_t errlen)
{
	size_t *have, i;
	int rc, retraced;

	if (target == NULL || *target == '\0')
		return gd_v_refuse(c, err, errlen, "symlink without a target");
	if (strlen(target) > c->lim.max_path)
		return gd_v_refuse(c, err, errlen, "symlink target of %zu bytes, over the %zu-byte budget "
		    "(--max-path)", strlen(target), c->lim.max_path);
	if (*path == '\0')
		return gd_v_refuse(c, err, errlen, "a symlink as the archive root");
	if (*target == '/')
		return gd_v_refuse(c, err, errlen, "symlink to the absolute path %.200s leads outside "
		    "the archive root", target);
	rc = resolve(c, path, target);
	if (rc < 0)
		return gd_v_refuse(c, err, errlen, "symlink to %.200s: too many symlinks to follow",
		    target);
	if (rc > 0)
		return gd_v_refuse(c, err, errlen, "symlink to %.200s leads outside the archive root",
		    target);
	/* a link that an earlier one went through changes where that one leads */
	retraced = gd_map_get(&c->traversed, path) != NULL;
	have = gd_map_get(&c->links, path);
	if (have != NULL) {
		free(c->linktarget[*have]);
		c->linktarget[*have] = gd_xstrdup(target);
		retraced = 1;
	} else {
		if (c->nlinks == c->caplinks) {
			c->caplinks = c->caplinks ? c->caplinks * 2 : 16;
			c->linkpath = gd_xrealloc(c->linkpath, c->caplinks * sizeof(char *));
			c->linktarget = gd_xrealloc(c->linktarget, c->caplinks * sizeof(char *));
		}
		c->linkpath[c->nlinks] = gd_xstrdup(path);
		c->linktarget[c->nlinks] = gd_xstrdup(target);
		gd_map_put(&c->links, path, c->nlinks);
		c->nlinks++;
	}
	for (i = 0; retraced && i < c->nlinks; i++) {
		rc = resolve(c, c->linkpath[i], c->linktarget[i]);
		if (rc != 0)
			return gd_v_refuse(c, err, errlen, "symlink makes the earlier symlink %.200s -> "
			    "%.200s %s", c->linkpath[i], c->linktarget[i], rc > 0 ?
			    "lead outside the archive root" : "too deep to follow");
	}
	return 0;
}

int
gd_vlink_check_hardlink(struct vctx *c, const char *target, char **norm, char *err, size_t errlen)
{
	const char *via;
	int flags;

	if (target == NULL || *target == '\0')
		return gd_v_refuse(c, err, errlen, "hard link without a target");
	if (strlen(target) > c->lim.max_path)
		return gd_v_refuse(c, err, errlen, "hard link target of %zu bytes, over the %zu-byte "
		    "budget (--max-path)", strlen(target), c->lim.max_path);
	flags = gd_path_norm(target, norm);
	if (flags & GD_PATH_ABSOLUTE)
		return gd_v_refuse(c, err, errlen, "hard link to the absolute path %.200s leads outside "
		    "the archive root", target);
	if (flags & GD_PATH_DOTDOT)
		return gd_v_refuse(c, err, errlen, "hard link to %.200s: '..' %s", target,
		    flags & GD_PATH_ESCAPES ? "leads outside the archive root" :
		    "in a link target is refused");
	if (**norm == '\0')
		return gd_v_refuse(c, err, errlen, "hard link to the archive root");
	via = gd_vlink_through(c, *norm);
	if (via != NULL)
		return gd_v_refuse(c, err, errlen, "hard link to %.200s goes through the symlink %.200s",
		    target, via);
	if (gd_map_get(&c->links, *norm) != NULL)
		return gd_v_refuse(c, err, errlen, "hard link to the symlink %.200s (its target would "
		    "move to another directory)", target);
	if (gd_v_seen_get(c, *norm) == NULL)
		return gd_v_refuse(c, err, errlen, "hard link to %.200s, which is not a file of the "
		    "archive before it: tar -x could not restore it", target);
	return 0;
}

/* The path of ae as stored: the bytes of a tar header, or UTF-8 when that is
 * all libarchive has (pax, zip). Returns borrowed, or NULL. */
const char *
gd_vlink_entry_path(struct archive_entry *ae)
{
	const char *p = archive_entry_pathname(ae);

	return p != NULL ? p : archive_entry_pathname_utf8(ae);
}

const char *
gd_vlink_entry_hardlink(struct archive_entry *ae)
{
	const char *p = archive_entry_hardlink(ae);

	return p != NULL ? p : archive_entry_hardlink_utf8(ae);
}

const char *
gd_vlink_entry_symlink(struct archive_entry *ae)
{
	const char *p = archive_entry_symlink(ae);

	return p != NULL ? p : archive_entry_symlink_utf8(ae);
}

/* Why an entry of type ft is refused, or NULL. */
const char *
gd_vlink_bad_type(unsigned ft)
{
	switch (ft) {
	case AE_IFREG:
	case AE_IFDIR:
	case AE_IFLNK:
		return NULL;
	case AE_IFCHR:
		return "character device: device files are refused";
	case AE_IFBLK:
		return "block device: device files are refused";
	case AE_IFIFO:
		return "fifo: only files, directories and links are accepted";
	case AE_IFSOCK:
		return "socket: only files, directories and links are accepted";
	}
	return "unknown entry type: only files, directories and links are accepted";
}
