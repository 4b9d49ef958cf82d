/* runbook.c: runbooks checked against the team's template, and the
 * distributions of `gameday history`. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runbook.h"

static const char *const default_sections[] = {
	"Summary", "Service SLA", "Escalation path", "Incident workflow",
	"Monitoring", "Alerts", "Postmortems", "Doc",
};

/* s[0..n) without surrounding blanks, into a malloc'd string */
static char *
trimmed(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return gd_xasprintf("%.*s", (int)n, s);
}

int
gd_runbook_template_load(struct gd_runbook_template *t, const char *docs, char *err,
    size_t errlen)
{
	char *path = gd_xasprintf("%s/.gameday-runbook-template", docs), *text, *line, *next;
	size_t i;

	t->names = NULL;
	t->n = 0;
	if (access(path, F_OK) != 0) {
		free(path);
		t->names = gd_xcalloc(sizeof(default_sections) / sizeof(default_sections[0]), sizeof(char *));
		for (i = 0; i < sizeof(default_sections) / sizeof(default_sections[0]); i++)
			t->names[t->n++] = gd_xstrdup(default_sections[i]);
		return 0;
	}
	if ((text = gd_read_file(path, 0, NULL, err, errlen)) == NULL) {
		free(path);
		return -1;
	}
	for (line = text; *line != '\0'; line = next) {
		char *name;

		next = strchr(line, '\n');
		next = next == NULL ? line + strlen(line) : next + 1;
		name = trimmed(line, (size_t)(next - line));
		if (*name == '\0' || *name == '#') {  /* blank lines and comments */
			free(name);
			continue;
		}
		t->names = gd_xrealloc(t->names, (t->n + 1) * sizeof(char *));
		t->names[t->n++] = name;
	}
	free(text);
	if (t->n == 0) {
		gd_errf(err, errlen, "%s: no section names (one per line)", path);
		free(path);
		gd_runbook_template_free(t);
		return -1;
	}
	free(path);
	return 0;
}

void
gd_runbook_template_free(struct gd_runbook_template *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	t->names = NULL;
	t->n = 0;
}

/* Case-insensitive equality, with runs of blanks equal to one space. */
static int
same_name(const char *a, const char *b)
{
	for (;;) {
		if (isspace((unsigned char)*a) && isspace((unsigned char)*b)) {
			while (isspace((unsigned char)*a))
				a++;
			while (isspace((unsigned char)*b))
				b++;
			continue;
		}
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		if (*a == '\0')
			return 1;
		a++, b++;
	}
}

/* The number of leading spaces, or 4 when it is indented code (or a tab). */
static size_t
indent(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 4 && s[i] == ' '; i++)
		;
	return i < n && s[i] == '\t' ? 4 : i;
}

/* The ATX heading text of a line, malloc'd, or NULL when it is none. */
static char *
atx_heading(const char *s, size_t n)
{
	size_t i = indent(s, n), level = 0;

	if (i > 3)
		return NULL;
	while (i < n && s[i] == '#' && level < 7)
		i++, level++;
	if (level == 0 || level > 6 || (i < n && s[i] != ' ' && s[i] != '\t'))
		return NULL;
	while (n > i && isspace((unsigned char)s[n - 1]))
		n--;
	/* a closing run of #, when blank-separated, is not part of the text */
	{
		size_t e = n;

		while (e > i && s[e - 1] == '#')
			e--;
		if (e == i || s[e - 1] == ' ' || s[e - 1] == '\t')
			n = e;
	}
	return trimmed(s + i, n - i);
}

/* Whether a line is a setext underline: only '=' or only '-' after <= 3 spaces. */
static int
setext_underline(const char *s, size_t n)
{
	size_t i = indent(s, n);
	char c;

	if (i > 3 || i >= n || (s[i] != '=' && s[i] != '-'))
		return 0;
	c = s[i];
	while (i < n && s[i] == c)
		i++;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == n;
}

/* A fence opener or closer: returns its length (>= 3) and char, 0 when none. */
static size_t
fence(const char *s, size_t n, char *ch)
{
	size_t i = indent(s, n), len = 0;

	if (i > 3 || i >= n || (s[i] != '`' && s[i] != '~'))
		return 0;
	*ch = s[i];
	while (i < n && s[i] == *ch)
		i++, len++;
	return len >= 3 ? len : 0;
}

static int
blank(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return n == 0;
}

static void
mark(const char *heading, const struct gd_runbook_template *t, char *found)
{
	size_t i, n = strlen(heading);
	char *h = gd_xstrdup(heading);

	if (n > 0 && h[n - 1] == ':')  /* "Alerts:" is the same section */
		h[n - 1] = '\0';
	for (i = 0; i < t->n; i++)
		if (same_name(h, t->names[i]))
			found[i] = 1;
	free(h);
}

void
gd_runbook_headings(const char *text, void (*fn)(const char *heading, void *arg), void *arg)
{
	char fch = 0, ch;
	const char *line, *next, *prev = NULL;
	size_t flen = 0, len, prevlen = 0;

	for (line = text; *line != '\0'; line = next) {
		char *h;
		size_t l;

		next = strchr(line, '\n');
		len = next == NULL ? strlen(line) : (size_t)(next - line);
		next = next == NULL ? line + len : next + 1;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (flen > 0) {  /* inside a fence: only its closer matters */
			if ((l = fence(line, len, &ch)) >= flen && ch == fch) {
				size_t j = indent(line, len) + l;

				while (j < len && isspace((unsigned char)line[j]))
					j++;
				if (j == len)
					flen = 0;
			}
			continue;
		}
		if ((l = fence(line, len, &ch)) > 0 &&
		    (ch == '~' || memchr(line + indent(line, len) + l, '`', len - indent(line, len) - l) == NULL)) {
			flen = l;
			fch = ch;
			prev = NULL;
			continue;
		}
		if ((h = atx_heading(line, len)) != NULL) {
			fn(h, arg);
			free(h);
			prev = NULL;
			continue;
		}
		if (prev != NULL && setext_underline(line, len)) {
			h = trimmed(prev, prevlen);
			fn(h, arg);
			free(h);
			prev = NULL;
			continue;
		}
		/* a paragraph line may be the text of a setext heading */
		if (!blank(line, len) && indent(line, len) <= 3 && prev == NULL) {
			prev = line;
			prevlen = len;
		} else if (blank(line, len)) {
			prev = NULL;
		} else if (prev != NULL) {
			prev = line;  /* setext text is the whole paragraph; its last line serves */
			prevlen = len;
		}
	}
}

struct marks {
	const struct gd_runbook_template *t;
	char *found;
};

static void
mark_one(const char *heading, void *arg)
{
	struct marks *m = arg;

	mark(heading, m->t, m->found);
}

size_t
gd_runbook_missing(const char *text, const struct gd_runbook_template *t, struct gd_buf *missing)
{
	struct marks m = { t, gd_xcalloc(t->n ? t->n : 1, 1) };
	size_t i, nmissing = 0;

	gd_runbook_headings(text, mark_one, &m);
	for (i = 0; i < t->n; i++) {
		if (m.found[i])
			continue;
		gd_buf_printf(missing, "%s%s", nmissing ? ", " : "", t->names[i]);
		nmissing++;
	}
	free(m.found);
	return nmissing;
}

void
gd_runbook_slug(const char *heading, struct gd_buf *out)
{
	const unsigned char *p;

	for (p = (const unsigned char *)heading; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p >= 0x80)
			gd_buf_add(out, (const char[]){ (char)(*p < 0x80 ? tolower(*p) : *p) }, 1);
		else if (*p == ' ' || *p == '\t')
			gd_buf_add(out, "-", 1);
	}
	if (out->data == NULL)
		gd_buf_adds(out, "");
}

struct anchors {
	const char *want;
	char **seen;
	size_t n;
	int found;
};

/* GitHub's rule: a slug seen before gets -1, -2... */
static void
anchor_one(const char *heading, void *arg)
{
	struct anchors *a = arg;
	struct gd_buf slug = { 0 }, again = { 0 };
	size_t i, dup = 0;

	gd_runbook_slug(heading, &slug);
	for (i = 0; i < a->n; i++)
		dup += strcmp(a->seen[i], slug.data) == 0;
	if (dup > 0)
		gd_buf_printf(&again, "%s-%zu", slug.data, dup);
	if (strcmp(dup > 0 ? again.data : slug.data, a->want) == 0)
		a->found = 1;
	a->seen = gd_xrealloc(a->seen, (a->n + 1) * sizeof(*a->seen));
	a->seen[a->n++] = gd_xstrdup(slug.data);
	gd_buf_free(&slug);
	gd_buf_free(&again);
}

int
gd_runbook_has_anchor(const char *text, const char *anchor)
{
	struct anchors a = { anchor, NULL, 0, 0 };
	char *html;
	size_t i;

	gd_runbook_headings(text, anchor_one, &a);
	for (i = 0; i < a.n; i++)
		free(a.seen[i]);
	free(a.seen);
	if (a.found)
		return 1;
	/* an explicit <a id="x"> or <a name="x"> anchor */
	html = gd_xasprintf("id=\"%s\"", anchor);
	a.found = strstr(text, html) != NULL;
	free(html);
	html = gd_xasprintf("name=\"%s\"", anchor);
	a.found |= strstr(text, html) != NULL;
	free(html);
	return a.found;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
gd_runbook_check_dir(const char *docs, FILE *out, char *err, size_t errlen)
{
	struct gd_runbook_template t = { 0 };
	char *dir = gd_xasprintf("%s/runbooks", docs), **names = NULL;
	size_t n = 0, i;
	int bad = 0, ret = -1;
	DIR *d;
	struct dirent *e;

	if (gd_runbook_template_load(&t, docs, err, errlen) != 0)
		goto out;
	if ((d = opendir(dir)) == NULL) {
		gd_errf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l > 3 && strcmp(e->d_name + l - 3, ".md") == 0 && strcmp(e->d_name, "README.md") != 0) {
			names = gd_xrealloc(names, (n + 1) * sizeof(char *));
			names[n++] = gd_xstrdup(e->d_name);
		}
	}
	closedir(d);
	if (n > 0)  /* qsort wants a non-NULL base; sorted for stable output */
		qsort(names, n, sizeof(char *), cmp_str);
	for (i = 0; i < n; i++) {
		char *path = gd_xasprintf("%s/%s", dir, names[i]), *text;
		struct gd_buf miss = { 0 };

		if ((text = gd_read_file(path, 0, NULL, err, errlen)) == NULL) {
			free(path);
			goto out;
		}
		if (gd_runbook_missing(text, &t, &miss) > 0) {
			fprintf(out, "runbooks/%s: missing sections: %s\n", names[i], miss.data);
			bad++;
		}
		gd_buf_free(&miss);
		free(text);
		free(path);
	}
	ret = bad;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(dir);
	gd_runbook_template_free(&t);
	return ret;
}


int
gd_runbook_ref_check(const char *docs, const char *ref, struct gd_buf *why)
{
	char *file, *hash, *full, *text, e2[GD_ERRLEN];
	int ret = 0;

	if (ref == NULL || *ref == '\0' || strstr(ref, "://") != NULL)
		return 0;
	file = gd_xstrdup(ref[0] == '/' ? ref + 1 : ref);
	if ((hash = strchr(file, '#')) != NULL)
		*hash++ = '\0';
	full = gd_xasprintf("%s%s%s", docs, docs[strlen(docs) - 1] == '/' ? "" : "/", file);
	if (*file == '\0') {
		ret = 0;
	} else if ((text = gd_read_file(full, 0, NULL, e2, sizeof(e2))) == NULL) {
		gd_buf_printf(why, "%s is missing from the doc repo", file);
		ret = 1;
	} else {
		if (hash != NULL && *hash != '\0' && !gd_runbook_has_anchor(text, hash)) {
			gd_buf_printf(why, "%s has no section #%s", file, hash);
			ret = 1;
		}
		free(text);
	}
	free(full);
	free(file);
	return ret;
}
