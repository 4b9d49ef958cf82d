/* docchange.c: a change to the doc repo (files and index rows) and its
 * commit on a given tree: the index tables regenerated from that tree's
 * copies, the report files renamed when another runner took their name. The
 * commit carries its base and index paths as trailers, so that a pending
 * commit can be rebuilt on a remote that moved on. */
#include <ctype.h>
#include <string.h>
#include <sys/stat.h>

#include "docs_int.h"

#define TRAILER_BASE "Gameday-Base"
#define TRAILER_INDEX "Gameday-Index"

struct gd_docs_change *
gd_docs_change_new(const char *base, const char *msg)
{
	struct gd_docs_change *c = gd_xcalloc(1, sizeof(*c));

	c->base = gd_xstrdup(base != NULL && strcmp(base, "-") != 0 ? base : "");
	c->msg = gd_xstrdup(msg);
	return c;
}

void
gd_docs_change_free(struct gd_docs_change *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nfiles; i++) {
		free(c->files[i].path);
		gd_buf_free(&c->files[i].data);
	}
	for (i = 0; i < c->nidx; i++) {
		free(c->idx[i].readme);
		free(c->idx[i].head);
		gd_buf_free(&c->idx[i].rows);
	}
	free(c->files);
	free(c->idx);
	free(c->base);
	free(c->msg);
	free(c);
}

void
gd_docs_change_file(struct gd_docs_change *c, const char *path, const void *data, size_t len)
{
	struct docs_file *f;

	c->files = gd_xrealloc(c->files, (c->nfiles + 1) * sizeof(*c->files));
	f = &c->files[c->nfiles++];
	memset(f, 0, sizeof(*f));
	f->path = gd_xstrdup(path);
	gd_buf_add(&f->data, data != NULL ? data : "", len);
}

void
gd_docs_change_row(struct gd_docs_change *c, const char *readme, const char *head, const char *row)
{
	struct docs_rows *x = NULL;
	size_t i;

	for (i = 0; i < c->nidx; i++)
		if (strcmp(c->idx[i].readme, readme) == 0)
			x = &c->idx[i];
	if (x == NULL) {
		c->idx = gd_xrealloc(c->idx, (c->nidx + 1) * sizeof(*c->idx));
		x = &c->idx[c->nidx++];
		memset(x, 0, sizeof(*x));
		x->readme = gd_xstrdup(readme);
		x->head = gd_xstrdup(head);
	}
	gd_buf_adds(&x->rows, row);
	if (x->rows.len > 0 && x->rows.data[x->rows.len - 1] != '\n')
		gd_buf_adds(&x->rows, "\n");
}

/* ---- renaming a base that is taken ---- */

static int
name_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '-' || ch == '_';
}

/* s with every whole-word old (followed by '.', ')' or ']') as new */
static char *
replace_base(const char *s, size_t len, const char *old, const char *new, size_t *outlen)
{
	struct gd_buf b = { 0 };
	size_t n = strlen(old), i = 0;

	while (i < len) {
		if (i + n < len && memcmp(s + i, old, n) == 0 && (i == 0 || !name_char(s[i - 1])) &&
		    (s[i + n] == '.' || s[i + n] == ')' || s[i + n] == ']')) {
			gd_buf_adds(&b, new);
			i += n;
		} else {
			gd_buf_add(&b, s + i, 1);
			i++;
		}
	}
	gd_buf_adds(&b, "");
	*outlen = b.len;
	return b.data;
}

static void
buf_replace(struct gd_buf *b, const char *old, const char *new)
{
	size_t len;
	char *s = replace_base(b->data != NULL ? b->data : "", b->len, old, new, &len);

	gd_buf_free(b);
	b->data = s;
	b->len = len;
	b->cap = len + 1;
}

/* every s in b as t */
static void
buf_replace_all(struct gd_buf *b, const char *s, const char *t)
{
	struct gd_buf o = { 0 };
	const char *p = b->data, *q;

	if (p == NULL)
		return;
	while ((q = strstr(p, s)) != NULL) {
		gd_buf_add(&o, p, (size_t)(q - p));
		gd_buf_adds(&o, t);
		p = q + strlen(s);
	}
	gd_buf_adds(&o, p);
	gd_buf_free(b);
	*b = o;
}

static void
rename_base(struct gd_docs_change *c, const char *new)
{
	size_t i, len;
	char *p;

	for (i = 0; i < c->nfiles; i++) {
		p = replace_base(c->files[i].path, strlen(c->files[i].path), c->base, new, &len);
		free(c->files[i].path);
		c->files[i].path = p;
		buf_replace(&c->files[i].data, c->base, new);
	}
	for (i = 0; i < c->nidx; i++)
		buf_replace(&c->idx[i].rows, c->base, new);
	free(c->base);
	c->base = gd_xstrdup(new);
}

/* a file of the change named after base ("DIR/BASE.md") */
static int
named_after(const char *path, const char *base)
{
	const char *slash = strrchr(path, '/'), *name = slash != NULL ? slash + 1 : path;
	size_t n = strlen(base);

	return n > 0 && strncmp(name, base, n) == 0 && name[n] == '.';
}

/* Whether path is taken in tree or, untracked, in the work tree: by another
 * report of the same name. A rebuilt commit finds its own files there (the
 * same content): those are not taken. */
static int
taken(struct docs_repo *r, git_tree *tree, const char *path, const struct gd_buf *data, int replay)
{
	git_tree_entry *e = NULL;
	git_oid id;
	int t = 0;

	git_odb_hash(&id, data->data != NULL ? data->data : "", data->len, GIT_OBJECT_BLOB);
	if (tree != NULL && git_tree_entry_bypath(&e, tree, path) == 0) {
		t = !replay || git_oid_cmp(git_tree_entry_id(e), &id) != 0;
		git_tree_entry_free(e);
		return t;
	}
	if (r->checked_out && r->workdir != NULL) {
		char *full = gd_xasprintf("%s%s", r->workdir, path), e2[GD_ERRLEN];
		size_t len = 0;
		char *have = gd_read_file(full, 0, &len, e2, sizeof(e2));
		struct stat st;

		if (have != NULL)
			t = !replay || len != data->len || memcmp(have, data->data != NULL ? data->data : "", len) != 0;
		else
			t = lstat(full, &st) == 0;  /* there, but not a file we can read */
		free(have);
		free(full);
	}
	return t;
}

/* BASE, else BASE-2, BASE-3...: the first name none of the change's report
 * files is taken under */
static int
free_base(struct docs_repo *r, struct gd_docs_change *c, git_tree *tree, char *err, size_t errlen)
{
	char *orig = gd_xstrdup(c->base), name[400];
	size_t i;
	int n;

	for (n = 1; n < 1000; n++) {
		if (n > 1) {
			snprintf(name, sizeof(name), "%s-%d", orig, n);
			rename_base(c, name);
		}
		for (i = 0; i < c->nfiles; i++)
			if (named_after(c->files[i].path, c->base) && taken(r, tree, c->files[i].path, &c->files[i].data, c->replay))
				break;
		if (i == c->nfiles) {
			free(orig);
			return 0;
		}
	}
	free(orig);
	return gd_errf(err, errlen, "docs: no free name for %s in %s", c->base, r->o->docs);
}

/* ---- index tables ---- */

/* a table's separator line ("|---|...") in text, or NULL */
static const char *
separator(const char *text)
{
	const char *p = text;

	for (; p != NULL && *p != '\0'; p = strchr(p, '\n') != NULL ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, "|---", 4) == 0 || strncmp(p, "| ---", 5) == 0)
			return p;
	return NULL;
}

/* whether line (up to its '\n') is a line of text */
static int
has_line(const char *text, const char *line, size_t len)
{
	const char *p = text;

	for (; p != NULL && *p != '\0'; p = strchr(p, '\n') != NULL ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == '\0'))
			return 1;
	return 0;
}

/* old's text (NULL: none) with rows first in its table, each row once; the
 * header our tables had before TTD/TTR were named so is brought up to date */
static void
index_text(const char *old, const struct docs_rows *x, struct gd_buf *out)
{
	const char *sep = old != NULL ? separator(old) : NULL, *eol, *p, *row;
	struct gd_buf fresh = { 0 };

	for (row = x->rows.data; row != NULL && *row != '\0'; row = eol + 1) {
		eol = strchr(row, '\n');
		if (old == NULL || !has_line(old, row, (size_t)(eol - row)))
			gd_buf_add(&fresh, row, (size_t)(eol - row + 1));
	}
	gd_buf_adds(&fresh, "");
	if (sep != NULL) {
		const char *hdr = sep;
		struct gd_buf h = { 0 };

		eol = strchr(sep, '\n');
		eol = eol != NULL ? eol + 1 : sep + strlen(sep);
		if (hdr > old)   /* back to the start of the header line */
			for (hdr--; hdr > old && hdr[-1] != '\n'; hdr--)
				;
		gd_buf_add(out, old, (size_t)(hdr - old));
		gd_buf_add(&h, hdr, (size_t)(sep - hdr));
		gd_buf_adds(&h, "");
		buf_replace_all(&h, "| MTTD | MTTR |", "| TTD | TTR |");
		gd_buf_add(out, h.data, h.len);
		gd_buf_free(&h);
		gd_buf_add(out, sep, (size_t)(eol - sep));
		if (eol[-1] != '\n')
			gd_buf_adds(out, "\n");
		gd_buf_adds(out, fresh.data);
		gd_buf_adds(out, eol);
	} else if (old != NULL && *old != '\0') {
		/* a README without our table: keep it, the table goes below */
		gd_buf_adds(out, old);
		gd_buf_adds(out, old[strlen(old) - 1] == '\n' ? "\n" : "\n\n");
		p = strstr(x->head, "\n| ");
		gd_buf_adds(out, p != NULL ? p + 1 : x->head);
		gd_buf_adds(out, fresh.data);
	} else {
		gd_buf_adds(out, x->head);
		gd_buf_adds(out, fresh.data);
	}
	gd_buf_free(&fresh);
}

/* the blob at path in tree as text (NUL-terminated), or NULL */
static char *
tree_text(git_repository *repo, git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	git_blob *b = NULL;
	char *s = NULL;

	if (tree != NULL && git_tree_entry_bypath(&e, tree, path) == 0 &&
	    git_blob_lookup(&b, repo, git_tree_entry_id(e)) == 0) {
		size_t n = (size_t)git_blob_rawsize(b);

		s = gd_xmalloc(n + 1);
		memcpy(s, git_blob_rawcontent(b), n);
		s[n] = '\0';
	}
	git_blob_free(b);
	git_tree_entry_free(e);
	return s;
}

/* ---- the commit ---- */

static int
signature(git_repository *repo, const char *author, git_signature **sig, char *err, size_t errlen)
{
	const char *lt, *gt;
	char *name, *end;
	int r;

	if (author != NULL) {
		lt = strchr(author, '<');
		gt = lt != NULL ? strchr(lt, '>') : NULL;
		if (lt == NULL || gt == NULL || lt == author)
			return gd_errf(err, errlen, "--author '%s': want \"Name <email>\"", author);
		name = gd_xstrdup(author);
		end = name + (lt - author);
		*end = '\0';
		while (end > name && end[-1] == ' ')
			*--end = '\0';
		name[gt - author] = '\0';
		r = git_signature_now(sig, name, name + (lt - author) + 1);
		free(name);
		return r == 0 ? 0 : docs_git_err(err, errlen, "author");
	}
	if (git_signature_default(sig, repo) == 0)
		return 0;
	return git_signature_now(sig, "gameday", "gameday@localhost") == 0 ? 0 :
	    docs_git_err(err, errlen, "author");
}

static int
add_blob(git_repository *repo, git_index *mem, const char *path, const char *data, size_t len)
{
	git_index_entry e;

	memset(&e, 0, sizeof(e));
	e.mode = GIT_FILEMODE_BLOB;
	e.path = path;
	if (git_blob_create_from_buffer(&e.id, repo, data != NULL ? data : "", len) != 0)
		return -1;
	return git_index_add(mem, &e);
}

/* the message with the trailers a rebuild needs */
static char *
message(const struct gd_docs_change *c)
{
	struct gd_buf m = { 0 };
	size_t i;

	gd_buf_adds(&m, c->msg);
	while (m.len > 0 && m.data[m.len - 1] == '\n')
		m.data[--m.len] = '\0';
	gd_buf_printf(&m, "\n\n%s: %s\n", TRAILER_BASE, *c->base ? c->base : "-");
	for (i = 0; i < c->nidx; i++)
		gd_buf_printf(&m, "%s: %s\n", TRAILER_INDEX, c->idx[i].readme);
	return m.data;
}

int
docs_build(struct docs_repo *r, struct gd_docs_change *c, const git_oid *base, git_oid *out,
    char *err, size_t errlen)
{
	git_commit *parent = NULL;
	git_tree *tree = NULL, *ntree = NULL;
	git_index *mem = NULL;
	git_signature *sig = NULL;
	git_oid tid;
	char *msg = NULL;
	size_t i;
	int ret = -1;

	if (base != NULL && (git_commit_lookup(&parent, r->repo, base) != 0 ||
	    git_commit_tree(&tree, parent) != 0)) {
		docs_git_err(err, errlen, r->branch);
		goto out;
	}
	if (git_index_new(&mem) != 0 || (tree != NULL && git_index_read_tree(mem, tree) != 0)) {
		docs_git_err(err, errlen, "index");
		goto out;
	}
	if (free_base(r, c, tree, err, errlen) != 0)
		goto out;
	for (i = 0; i < c->nfiles; i++)
		if (add_blob(r->repo, mem, c->files[i].path, c->files[i].data.data, c->files[i].data.len) != 0) {
			docs_git_err(err, errlen, c->files[i].path);
			goto out;
		}
	for (i = 0; i < c->nidx; i++) {
		char *old = tree_text(r->repo, tree, c->idx[i].readme);
		struct gd_buf t = { 0 };
		int rc;

		index_text(old, &c->idx[i], &t);
		rc = add_blob(r->repo, mem, c->idx[i].readme, t.data, t.len);
		free(old);
		gd_buf_free(&t);
		if (rc != 0) {
			docs_git_err(err, errlen, c->idx[i].readme);
			goto out;
		}
	}
	if (git_index_write_tree_to(&tid, mem, r->repo) != 0 || git_tree_lookup(&ntree, r->repo, &tid) != 0) {
		docs_git_err(err, errlen, "tree");
		goto out;
	}
	if (tree != NULL && git_oid_equal(&tid, git_tree_id(tree))) {
		ret = 1;   /* all of it is there already: the same report filed twice */
		goto out;
	}
	if (signature(r->repo, r->o->author, &sig, err, errlen) != 0)
		goto out;
	msg = message(c);
	if (git_commit_create(out, r->repo, NULL, sig, sig, NULL, msg, ntree, parent != NULL ? 1 : 0,
	    (const git_commit **)&parent) != 0) {
		docs_git_err(err, errlen, "commit");
		goto out;
	}
	ret = 0;
out:
	free(msg);
	git_signature_free(sig);
	git_index_free(mem);
	git_tree_free(ntree);
	git_tree_free(tree);
	git_commit_free(parent);
	return ret;
}

/* ---- a change back from its commit ---- */

/* the lines of now's table that were is without, in order */
static void
new_rows(const char *was, const char *now, struct gd_buf *rows)
{
	const char *sep = separator(now), *p, *eol;

	if (sep == NULL)
		return;
	for (p = strchr(sep, '\n'); p != NULL && *++p == '|'; p = eol) {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		if (was == NULL || !has_line(was, p, (size_t)(eol - p))) {
			gd_buf_add(rows, p, (size_t)(eol - p));
			gd_buf_adds(rows, "\n");
		}
		if (*eol == '\0')
			break;
	}
}

/* the message without gameday's trailers */
static char *
message_body(const char *msg)
{
	const char *t = strstr(msg, "\n\n" TRAILER_BASE ": ");
	size_t n = t != NULL ? (size_t)(t - msg) : strlen(msg);
	char *s = gd_xmalloc(n + 2);

	memcpy(s, msg, n);
	s[n] = '\n';
	s[n + 1] = '\0';
	return s;
}

static int
is_index(const git_message_trailer_array *tr, const char *path)
{
	size_t i;

	for (i = 0; i < tr->count; i++)
		if (strcmp(tr->trailers[i].key, TRAILER_INDEX) == 0 && strcmp(tr->trailers[i].value, path) == 0)
			return 1;
	return 0;
}

/* the table header of text: up to and including its separator line */
static char *
table_head(const char *text)
{
	const char *sep = separator(text), *eol;

	if (sep == NULL)
		return gd_xstrdup("");
	eol = strchr(sep, '\n');
	eol = eol != NULL ? eol + 1 : sep + strlen(sep);
	return gd_xasprintf("%.*s", (int)(eol - text), text);
}

static int
change_delta(struct docs_repo *r, struct gd_docs_change *c, const git_message_trailer_array *tr,
    git_tree *pt, git_tree *ct, const git_diff_delta *d)
{
	const char *path = d->new_file.path;
	git_blob *b = NULL;

	if (d->status == GIT_DELTA_DELETED)
		return 0;  /* gameday deletes nothing */
	if (is_index(tr, path)) {
		char *was = tree_text(r->repo, pt, path), *now = tree_text(r->repo, ct, path), *head;
		struct docs_rows *x;

		head = table_head(now != NULL ? now : "");
		gd_docs_change_row(c, path, head, "");
		x = &c->idx[c->nidx - 1];
		x->rows.len = 0;
		new_rows(was, now, &x->rows);
		free(head);
		free(was);
		free(now);
		return 0;
	}
	if (git_blob_lookup(&b, r->repo, &d->new_file.id) != 0)
		return -1;
	gd_docs_change_file(c, path, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	return 0;
}

struct gd_docs_change *
docs_change_of(struct docs_repo *r, git_commit *commit, char *err, size_t errlen)
{
	git_message_trailer_array tr = { 0 };
	const char *base = NULL, *msg = git_commit_message(commit);
	git_commit *p = NULL;
	git_tree *pt = NULL, *ct = NULL;
	git_diff *diff = NULL;
	struct gd_docs_change *c = NULL;
	char *body = NULL, id[GIT_OID_HEXSZ + 1];
	size_t i;

	git_oid_tostr(id, sizeof(id), git_commit_id(commit));
	if (git_message_trailers(&tr, msg) == 0)
		for (i = 0; i < tr.count; i++)
			if (strcmp(tr.trailers[i].key, TRAILER_BASE) == 0)
				base = tr.trailers[i].value;
	if (base == NULL || git_commit_parentcount(commit) > 1) {
		gd_errf(err, errlen, "docs: commit %.8s (%s) is not one of gameday's: push it yourself, "
		    "then run gameday docs push", id, git_commit_summary(commit));
		goto out;
	}
	/* a first commit's parent is the empty tree */
	if ((git_commit_parentcount(commit) == 1 && (git_commit_parent(&p, commit, 0) != 0 ||
	    git_commit_tree(&pt, p) != 0)) || git_commit_tree(&ct, commit) != 0 ||
	    git_diff_tree_to_tree(&diff, r->repo, pt, ct, NULL) != 0) {
		docs_git_err(err, errlen, id);
		goto out;
	}
	body = message_body(msg);
	c = gd_docs_change_new(base, body);
	c->replay = 1;
	for (i = 0; i < git_diff_num_deltas(diff); i++)
		if (change_delta(r, c, &tr, pt, ct, git_diff_get_delta(diff, i)) != 0) {
			docs_git_err(err, errlen, id);
			gd_docs_change_free(c);
			c = NULL;
			goto out;
		}
out:
	free(body);
	git_diff_free(diff);
	git_tree_free(pt);
	git_tree_free(ct);
	git_commit_free(p);
	git_message_trailer_array_free(&tr);
	return c;
}
