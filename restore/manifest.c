/* manifest.c: SHA-256 manifests in sha256sum format, and archive paths. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gd.h"
#include "manifest.h"


int
gd_path_norm(const char *path, char **out)
{
	struct gd_buf b = { 0 };
	const char *p = path, *e;
	size_t depth = 0;
	int flags = 0;

	if (*p == '/')
		flags |= GD_PATH_ABSOLUTE;
	gd_buf_add(&b, "", 0);
	while (*p != '\0') {
		while (*p == '/')
			p++;
		e = strchrnul(p, '/');
		if (e - p == 0 || (e - p == 1 && p[0] == '.')) {
			p = e;
			continue;
		}
		if (e - p == 2 && p[0] == '.' && p[1] == '.') {
			flags |= GD_PATH_DOTDOT;
			if (depth == 0)
				flags |= GD_PATH_ESCAPES;
			else
				depth--;
		} else {
			depth++;
		}
		if (b.len > 0)
			gd_buf_add(&b, "/", 1);
		gd_buf_add(&b, p, (size_t)(e - p));
		p = e;
	}
	*out = gd_xrealloc(b.data, b.len + 1);  /* a manifest keeps 200k of them: no slack */
	return flags;
}

int
gd_manifest_unhex(const char *s, unsigned char *out)
{
	size_t i;

	for (i = 0; i < 64; i++) {
		int c = (unsigned char)s[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return 0;
}

/* Undoes sha256sum's escapes of a name (\\, \n, \r) in place. */
static int
unescape(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (*s != '\\') {
			*w++ = *s;
			continue;
		}
		s++;
		if (*s == '\\')
			*w++ = '\\';
		else if (*s == 'n')
			*w++ = '\n';
		else if (*s == 'r')
			*w++ = '\r';
		else
			return -1;
	}
	*w = '\0';
	return 0;
}

/* One line, NUL-terminated, without its newline. */
static int
parse_line(struct gd_manifest *m, char *s, unsigned line, char *err, size_t errlen)
{
	unsigned char sha[32];
	char *name;
	int escaped = 0, ret = -1;

	if (*s == '\\') {  /* sha256sum marks a name with escapes so */
		escaped = 1;
		s++;
	}
	if (strncmp(s, "SHA256 (", 8) == 0) {
		char *close = strstr(s, ") = ");

		/* the last ") = " ends the name: names may hold one too */
		while (close != NULL && strstr(close + 1, ") = ") != NULL)
			close = strstr(close + 1, ") = ");
		if (close == NULL || strlen(close + 4) != 64 || gd_manifest_unhex(close + 4, sha) != 0) {
			gd_errf(err, errlen, "%s: line %u: not a SHA-256 line (want 'SHA256 (path) = "
			    "HASH')", m->file, line);
			goto out;
		}
		*close = '\0';
		name = s + 8;
	} else {
		if (strlen(s) < 66 || gd_manifest_unhex(s, sha) != 0 || s[64] != ' ' ||
		    (s[65] != ' ' && s[65] != '*')) {
			gd_errf(err, errlen, "%s: line %u: not a SHA-256 line (want 64 hex digits, two "
			    "spaces and a path, as sha256sum writes)", m->file, line);
			goto out;
		}
		name = s + 66;
	}
	if (escaped && unescape(name) != 0) {
		gd_errf(err, errlen, "%s: line %u: bad '\\' escape in the path", m->file, line);
		goto out;
	}
	if (*name == '\0') {
		gd_errf(err, errlen, "%s: line %u: no path after the hash", m->file, line);
		goto out;
	}
	ret = gd_manifest_add(m, name, sha, line, err, errlen);
out:
	return ret;
}

int
gd_manifest_add(struct gd_manifest *m, const char *name, const unsigned char sha[32],
    unsigned line, char *err, size_t errlen)
{
	char *norm = NULL;
	size_t *have;
	int ret = -1;

	/* an absolute path may name the archive itself; gd_manifest_check refuses
	 * it in a manifest of the archive's files */
	if (gd_path_norm(name, &norm) & GD_PATH_ABSOLUTE) {
		free(norm);
		norm = gd_xasprintf("/%s", name + strspn(name, "/"));
	}
	have = gd_map_get(&m->map, norm);
	if (have != NULL) {
		if (memcmp(m->items[*have].sha256, sha, 32) != 0) {
			gd_errf(err, errlen, "%s: line %u: %s is listed again with another hash (line %u)",
			    m->file, line, norm, m->items[*have].line);
			goto out;
		}
		ret = 0;
		goto out;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->items = gd_xrealloc(m->items, m->cap * sizeof(*m->items));
	}
	m->items[m->n].path = norm;
	memcpy(m->items[m->n].sha256, sha, 32);
	m->items[m->n].line = line;
	gd_map_put(&m->map, norm, m->n);
	m->n++;
	norm = NULL;
	ret = 0;
out:
	free(norm);
	return ret;
}

int
gd_manifest_format_parse(const char *s)
{
	if (strcmp(s, "sha256sum") == 0)
		return GD_MANIFEST_SHA256SUM;
	if (strcmp(s, "backup_manifest") == 0)
		return GD_MANIFEST_PG;
	return -1;
}

void
gd_manifest_begin(struct gd_manifest *m, const char *file, enum gd_manifest_format fmt)
{
	memset(m, 0, sizeof(*m));
	m->file = gd_xstrdup(file);
	m->format = fmt;
}

/* One line of sha256sum text, without its newline. */
static int
text_line(struct gd_manifest *m, char *s, size_t len, char *err, size_t errlen)
{
	m->lines++;
	if (memchr(s, '\0', len) != NULL)
		return gd_errf(err, errlen, "%s: line %u: a NUL byte: not a manifest (a text file of "
		    "sha256sum lines)", m->file, m->lines);
	if (len > 0 && s[len - 1] == '\r')
		len--;
	s[len] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return 0;
	return parse_line(m, s, m->lines, err, errlen);
}

int
gd_manifest_feed(struct gd_manifest *m, const char *buf, size_t len, char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len, *nl;

	if (m->format == GD_MANIFEST_PG) {  /* JSON: parsed whole at the end */
		gd_buf_add(&m->carry, buf, len);
		return 0;
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			gd_buf_add(&m->carry, p, (size_t)(end - p));
			break;
		}
		if (m->carry.len > 0) {
			gd_buf_add(&m->carry, p, (size_t)(nl - p));
			if (text_line(m, m->carry.data, m->carry.len, err, errlen) != 0)
				return -1;
			m->carry.len = 0;
		} else {
			char *line = gd_xasprintf("%.*s", (int)(nl - p), p);
			int rc = memchr(p, '\0', (size_t)(nl - p)) != NULL ?
			    gd_errf(err, errlen, "%s: line %u: a NUL byte: not a manifest (a text file of "
			    "sha256sum lines)", m->file, m->lines + 1) :
			    text_line(m, line, (size_t)(nl - p), err, errlen);

			free(line);
			if (rc != 0)
				return -1;
		}
		p = nl + 1;
	}
	return 0;
}

int
gd_manifest_end(struct gd_manifest *m, char *err, size_t errlen)
{
	if (m->format == GD_MANIFEST_PG) {
		int rc = gd_manifest_pg(m, m->carry.data != NULL ? m->carry.data : "", m->carry.len,
		    err, errlen);

		gd_buf_free(&m->carry);
		return rc;
	}
	if (m->carry.len > 0) {
		gd_buf_add(&m->carry, "", 1);  /* room for the terminator */
		if (text_line(m, m->carry.data, m->carry.len - 1, err, errlen) != 0)
			return -1;
	}
	gd_buf_free(&m->carry);
	if (m->n == 0)
		return gd_errf(err, errlen, "%s: no hashes in it (make one with: sha256sum FILE... > %s)",
		    m->file, m->file);
	return 0;
}

int
gd_manifest_parse(struct gd_manifest *m, const char *file, const char *text, size_t len,
    char *err, size_t errlen)
{
	gd_manifest_begin(m, file, GD_MANIFEST_SHA256SUM);
	if (gd_manifest_feed(m, text, len, err, errlen) != 0)
		return -1;
	return gd_manifest_end(m, err, errlen);
}

int
gd_manifest_load(struct gd_manifest *m, const char *file, enum gd_manifest_format fmt,
    char *err, size_t errlen)
{
	char buf[65536];
	ssize_t n;
	int fd, ret = -1;

	gd_manifest_begin(m, file, fmt);
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return gd_errf(err, errlen, "cannot read %s: %s", file, strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			gd_errf(err, errlen, "cannot read %s: %s", file, strerror(errno));
			goto out;
		}
		if (gd_manifest_feed(m, buf, (size_t)n, err, errlen) != 0)
			goto out;
	}
	ret = gd_manifest_end(m, err, errlen);
out:
	close(fd);
	return ret;
}

long
gd_manifest_find(const struct gd_manifest *m, const char *path)
{
	size_t *i = gd_map_get(&m->map, path);

	return i != NULL ? (long)*i : -1;
}

const struct gd_manifest_item *
gd_manifest_whole(const struct gd_manifest *m, const char *archive)
{
	const char *base = strrchr(archive, '/');
	size_t i;

	base = base != NULL ? base + 1 : archive;
	if (m->n == 1 && strcmp(m->items[0].path, "-") == 0)
		return &m->items[0];
	for (i = 0; i < m->n; i++) {
		const char *b = strrchr(m->items[i].path, '/');

		b = b != NULL ? b + 1 : m->items[i].path;
		if (*base != '\0' && strcmp(b, base) == 0)
			return &m->items[i];
	}
	return NULL;
}

int
gd_manifest_check(const struct gd_manifest *m, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct gd_manifest_item *it = &m->items[i];
		char *norm;
		int flags = gd_path_norm(it->path, &norm);

		free(norm);
		if (flags & (GD_PATH_ABSOLUTE | GD_PATH_DOTDOT) || *it->path == '\0' ||
		    strcmp(it->path, "-") == 0)
			return gd_errf(err, errlen, "%s: line %u: %s: the paths of a manifest of an "
			    "archive's files are relative to the archive root (make it from inside the "
			    "backed-up directory)", m->file, it->line,
			    flags & GD_PATH_ABSOLUTE ? "absolute path" : flags & GD_PATH_DOTDOT ?
			    "'..' in the path" : "no file name");
	}
	return 0;
}

void
gd_manifest_free(struct gd_manifest *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->items[i].path);
	free(m->items);
	free(m->file);
	gd_buf_free(&m->carry);
	gd_map_free(&m->map);
	memset(m, 0, sizeof(*m));
}
