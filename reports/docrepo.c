/* docrepo.c: a run's reports committed into the doc repo with libgit2:
 * only gameday's own files, written atomically, never over a path the
 * user has left uncommitted, never touching the user's staged changes. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <git2.h>

#include "duration.h"
#include "report.h"
#include "result.h"

static const char ha_head[] =
"# HA tests\n"
"\n"
"Game days run by gameday, newest first.\n"
"\n"
"| Date | ID | Verdict | TTD | TTR | Report |\n"
"|---|---|---|---|---|---|\n";

static int
git_errf(char *err, size_t errlen, const char *what)
{
	const git_error *e = git_error_last();

	return gd_errf(err, errlen, "docs: %s: %s", what, e != NULL ? e->message : "unknown error");
}

static int
exists(const char *dir, const char *rel)
{
	char *p = gd_xasprintf("%s/%s", dir, rel);
	struct stat st;
	int r = stat(p, &st) == 0;

	free(p);
	return r;
}

static int
mkdir_in(const char *dir, const char *rel, char *err, size_t errlen)
{
	char *p = gd_xasprintf("%s/%s", dir, rel);
	int r = 0;

	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		r = gd_errf(err, errlen, "docs: cannot create %s: %s", p, strerror(errno));
	free(p);
	return r;
}

/* the postmortem triggers: a failed revert, an error after injection, a fault never detected */
static int
needs_postmortem(const json_t *res)
{
	json_t *f;
	size_t i;
	int injected = 0;

	json_array_foreach(json_object_get(res, "faults"), i, f) {
		if (json_is_false(json_object_get(f, "reverted")))
			return 1;
		if (json_is_number(json_object_get(f, "injected_ms")))
			injected = 1;
	}
	if (injected && strcmp(gd_json_str(res, "verdict"), "error") == 0)
		return 1;
	json_array_foreach(json_object_get(res, "findings"), i, f)
		if (strcmp(gd_json_str(f, "kind"), "not-detected") == 0)
			return 1;
	return 0;
}

/* the index with the new row first; keeps every existing row. head: the
 * README's start when there is none, its table header from "| " on. */
static void
readme_update(const char *dir, const char *rel, const char *head, const char *row,
    struct gd_buf *out)
{
	char *p = gd_xasprintf("%s/%s", dir, rel), *sep = NULL, *eol, e[GD_ERRLEN];
	struct gd_buf old = { 0 };

	old.data = gd_read_file(p, 0, &old.len, e, sizeof(e));
	if (old.data != NULL)
		sep = strstr(old.data, "\n|---");
	if (sep != NULL && (eol = strchr(sep + 1, '\n')) != NULL) {
		gd_buf_add(out, old.data, (size_t)(eol + 1 - old.data));
		gd_buf_adds(out, row);
		gd_buf_adds(out, eol + 1);
	} else if (old.len > 0) {
		/* a README without our table: keep it, the table goes below */
		gd_buf_add(out, old.data, old.len);
		gd_buf_adds(out, old.data[old.len - 1] == '\n' ? "\n" : "\n\n");
		gd_buf_adds(out, strstr(head, "\n| ") != NULL ? strstr(head, "\n| ") + 1 : head);
		gd_buf_adds(out, row);
	} else {
		gd_buf_adds(out, head);
		gd_buf_adds(out, row);
	}
	gd_buf_free(&old);
	free(p);
}

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
		return r == 0 ? 0 : git_errf(err, errlen, "author");
	}
	if (git_signature_default(sig, repo) == 0)
		return 0;
	return git_signature_now(sig, "gameday", "gameday@localhost") == 0 ? 0 : git_errf(err, errlen, "author");
}

int
gd_docs_open(struct gd_docs *d, const char *docs, char *err, size_t errlen)
{
	git_repository *repo = NULL;

	memset(d, 0, sizeof(*d));
	git_libgit2_init();
	d->docs = docs;
	if (git_repository_open_ext(&repo, docs, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
		gd_errf(err, errlen, "docs: %s is not a git repository (git init it first)", docs);
		goto fail;
	}
	d->repo = repo;
	d->dir = git_repository_workdir(repo);
	if (d->dir == NULL) {
		gd_errf(err, errlen, "docs: %s is a bare repository", docs);
		goto fail;
	}
	return 0;
fail:
	gd_docs_close(d);
	return -1;
}

void
gd_docs_close(struct gd_docs *d)
{
	if (d->docs == NULL)
		return;
	git_repository_free(d->repo);
	d->repo = NULL;
	d->docs = NULL;
	git_libgit2_shutdown();
}

void
gd_docs_base(struct gd_docs *d, const char *folder, time_t when, const char *name)
{
	struct tm tm;
	char *md = NULL, *js = NULL;
	int n;

	if (when == 0)
		when = time(NULL);
	gmtime_r(&when, &tm);
	strftime(d->date, sizeof(d->date), "%Y-%m-%d", &tm);
	snprintf(d->base, sizeof(d->base), "%s-%s", d->date, name);
	for (n = 2; exists(d->dir, md = gd_xasprintf("%s/%s.md", folder, d->base)) ||
	    exists(d->dir, js = gd_xasprintf("%s/%s.json", folder, d->base)); n++) {
		free(md);
		free(js);
		js = NULL;
		snprintf(d->base, sizeof(d->base), "%s-%s-%d", d->date, name, n);
	}
	free(md);
	free(js);
}

/* a path's directories, made as needed */
static int
mkdirs_for(const char *dir, const char *rel, char *err, size_t errlen)
{
	char *p = gd_xstrdup(rel), *s;
	int r = 0;

	for (s = strchr(p, '/'); s != NULL && r == 0; s = strchr(s + 1, '/')) {
		*s = '\0';
		r = mkdir_in(dir, p, err, errlen);
		*s = '/';
	}
	free(p);
	return r;
}

int
gd_docs_commit(struct gd_docs *d, const char *folder, const char *index_head, const char *row,
    size_t nfiles, const char *const *paths, const struct gd_buf *data, const char *author,
    const char *msg, char *err, size_t errlen)
{
	git_repository *repo = d->repo;
	git_index *idx = NULL, *mem = NULL;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_oid oid, head;
	const char **all = gd_xcalloc(nfiles + 1, sizeof(*all));
	struct gd_buf readme = { 0 };
	char *readme_path = folder != NULL ? gd_xasprintf("%s/README.md", folder) : NULL;
	unsigned int flags;
	size_t i, n = nfiles + (folder != NULL);
	int r, ret = -1;

	for (i = 0; i < nfiles; i++)
		all[i] = paths[i];
	all[nfiles] = readme_path;

	/* refuse before writing anything if a path is someone's work in progress */
	for (i = 0; i < n; i++) {
		r = git_status_file(&flags, repo, all[i]);
		if (r == GIT_ENOTFOUND || (r == 0 && flags == GIT_STATUS_CURRENT))
			continue;
		if (r != 0) {
			git_errf(err, errlen, all[i]);
			goto out;
		}
		if (flags & GIT_STATUS_IGNORED)
			continue;
		gd_errf(err, errlen, "docs: %s/%s has uncommitted changes; commit or "
		    "discard them first (nothing written)", d->docs, all[i]);
		ret = -2;
		goto out;
	}
	if (folder != NULL)
		readme_update(d->dir, readme_path, index_head, row, &readme);

	/* write, each atomically */
	for (i = 0; i < n; i++) {
		const struct gd_buf *b = i < nfiles ? &data[i] : &readme;
		char *full;

		if (mkdirs_for(d->dir, all[i], err, errlen) != 0)
			goto out;
		full = gd_xasprintf("%s%s", d->dir, all[i]);
		r = gd_write_atomic(full, b->data != NULL ? b->data : "", b->len, 0644, err, errlen);
		free(full);
		if (r != 0)
			goto out;
	}

	/* the commit's tree is HEAD's plus our files only: the user's staged work stays out */
	if (git_repository_index(&idx, repo) != 0 || git_index_new(&mem) != 0) {
		git_errf(err, errlen, "index");
		goto out;
	}
	r = git_reference_name_to_id(&head, repo, "HEAD");
	if (r == 0) {
		git_tree *ht = NULL;

		if (git_commit_lookup(&parent, repo, &head) != 0 || git_commit_tree(&ht, parent) != 0 ||
		    git_index_read_tree(mem, ht) != 0) {
			git_tree_free(ht);
			git_errf(err, errlen, "HEAD");
			goto out;
		}
		git_tree_free(ht);
	} else if (r != GIT_ENOTFOUND && r != GIT_EUNBORNBRANCH) {
		git_errf(err, errlen, "HEAD");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct gd_buf *b = i < nfiles ? &data[i] : &readme;
		git_index_entry e;

		memset(&e, 0, sizeof(e));
		e.mode = GIT_FILEMODE_BLOB;
		e.path = all[i];
		if (git_blob_create_from_buffer(&e.id, repo, b->data != NULL ? b->data : "", b->len) != 0 ||
		    git_index_add(mem, &e) != 0 ||
		    git_index_add_bypath(idx, all[i]) != 0) {
			git_errf(err, errlen, all[i]);
			goto out;
		}
	}
	if (git_index_write_tree_to(&oid, mem, repo) != 0 || git_tree_lookup(&tree, repo, &oid) != 0) {
		git_errf(err, errlen, "tree");
		goto out;
	}
	if (signature(repo, author, &sig, err, errlen) != 0)
		goto out;
	if (git_commit_create(&oid, repo, "HEAD", sig, sig, NULL, msg, tree, parent != NULL ? 1 : 0,
	    (const git_commit **)&parent) != 0) {
		git_errf(err, errlen, "commit");
		goto out;
	}
	if (git_index_write(idx) != 0) {
		git_errf(err, errlen, "index write");
		goto out;
	}
	ret = 0;
out:
	free(all);
	free(readme_path);
	gd_buf_free(&readme);
	git_signature_free(sig);
	git_tree_free(tree);
	git_commit_free(parent);
	git_index_free(mem);
	git_index_free(idx);
	return ret;
}

static void
upper_copy(char *d, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && s[i] != '\0'; i++)
		d[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
	d[i] = '\0';
}

/* a file name part: letters, digits, '.', '_' and '-' kept, the rest '-' */
void
gd_docs_slug(char *d, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		d[i] = (char)((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		    (c == '.' && i > 0) || c == '-' ? c : '-');
	}
	d[i] = '\0';
	if (i == 0)
		snprintf(d, len, "x");
}

static void
add_actions(struct gd_buf *b, json_t *acts)
{
	json_t *act;
	size_t k;

	json_array_foreach(acts, k, act)
		gd_buf_printf(b, "- [ ] %s\n", json_string_value(act));
	if (json_array_size(acts) == 0)
		gd_buf_adds(b, "- [ ] TODO\n");
}

void
gd_docs_twin(const json_t *res, struct gd_buf *b)
{
	char *json = json_dumps(res, JSON_INDENT(2) | JSON_SORT_KEYS);

	gd_buf_adds(b, json != NULL ? json : "{}");
	gd_buf_adds(b, "\n");
	free(json);
}

int
gd_docs_commit_run(const char *docs, const json_t *res0, const char *author, char *err,
    size_t errlen)
{
	struct gd_docs d;
	json_t *res = NULL;
	const char *id;
	char *paths[4] = { NULL };
	struct gd_buf data[4] = { { 0 } }, row = { 0 }, msg = { 0 };
	char a[32], b[32], verdict[16];
	struct gd_result_times t;
	size_t i, npaths = 3;
	int r, ret = -1;

	if (gd_docs_open(&d, docs, err, errlen) != 0)
		return -1;
	/* the findings that need the doc repo: a runbook link to nowhere */
	res = gd_report_docs_findings(res0, d.dir);
	id = gd_json_str(json_object_get(res, "scenario"), "id");
	if (*id == '\0')
		id = "run";
	gd_docs_base(&d, "ha-tests", (time_t)(json_number_value(json_object_get(res, "started")) / 1000), id);
	paths[0] = gd_xasprintf("ha-tests/%s.md", d.base);
	paths[1] = gd_xasprintf("ha-tests/%s.json", d.base);
	paths[2] = gd_xasprintf("ha-tests/%s.svg", d.base);
	if (needs_postmortem(res))
		paths[npaths++] = gd_xasprintf("postmortems/%s.md", d.base);

	if (gd_report_markdown(res, d.base, &data[0], err, errlen) != 0)
		goto out;
	gd_docs_twin(res, &data[1]);
	if (gd_report_svg(res, &data[2], err, errlen) != 0)
		goto out;
	upper_copy(verdict, gd_json_str(res, "verdict"), sizeof(verdict));
	gd_result_times(res, &t);
	gd_duration_fmt(t.ttd, a, sizeof(a));
	gd_duration_fmt(t.ttr, b, sizeof(b));
	gd_buf_printf(&row, "| %s | %s | %s | %s | %s | [report](%s.md) |\n", d.date, id, verdict, a, b, d.base);
	if (npaths == 4) {
		json_t *acts = gd_report_actions(res);

		gd_buf_printf(&data[3], "# Postmortem: %s (%s)\n\n", gd_json_str(json_object_get(res, "scenario"),
		    "title"), d.date);
		gd_buf_printf(&data[3], "_A stub written by gameday: fill in the blanks._ HA test: "
		    "[%s](../ha-tests/%s.md). Verdict **%s**.\n\n", d.base, d.base, verdict);
		gd_buf_adds(&data[3], "## Summary\n\n");
		gd_buf_printf(&data[3], "%s\n\n", *gd_json_str(res, "error") ? gd_json_str(res, "error") : "TODO");
		gd_buf_adds(&data[3], "## Impact\n\nTODO\n\n");
		gd_report_timeline_md(res, &data[3]);
		gd_buf_printf(&data[3], "TTD (time to detect): %s. TTR (time to resolve): %s. Both from the first injection.\n\n", a, b);
		gd_buf_adds(&data[3], "## Root cause\n\nTODO\n\n## Action items\n\n");
		add_actions(&data[3], acts);
		json_decref(acts);
	}
	gd_buf_printf(&msg, "gameday: ha-test %s: %s (TTD %s, TTR %s)\n\nrun %s\n", id, verdict, a, b,
	    gd_json_str(res, "run"));
	r = gd_docs_commit(&d, "ha-tests", ha_head, row.data, npaths, (const char *const *)paths, data,
	    author, msg.data, err, errlen);
	ret = r;
out:
	for (i = 0; i < 4; i++) {
		free(paths[i]);
		gd_buf_free(&data[i]);
	}
	gd_buf_free(&row);
	gd_buf_free(&msg);
	json_decref(res);
	gd_docs_close(&d);
	return ret;
}

static const char drill_head[] =
"# Restore drills\n"
"\n"
"Restore drills run by gameday, newest first. The RTO runs from picking the\n"
"backup to the restored data verified; the RPO is the backup's age.\n"
"\n"
"| Date | ID | Verdict | RTO | RPO | Report |\n"
"|---|---|---|---|---|---|\n";

int
gd_docs_commit_drill(const char *docs, const json_t *res, const char *author, char *err,
    size_t errlen)
{
	struct gd_docs d;
	const char *id = gd_json_str(res, "id"), *why;
	char *paths[4] = { NULL };
	struct gd_buf data[4] = { { 0 } }, row = { 0 }, msg = { 0 };
	char rto[32], rpo[32], verdict[16];
	size_t i, npaths = 3;
	int ret = -1;

	if (gd_docs_open(&d, docs, err, errlen) != 0)
		return -1;
	if (*id == '\0')
		id = "drill";
	gd_docs_base(&d, "restore-drills", (time_t)(json_number_value(json_object_get(res, "started")) / 1000), id);
	paths[0] = gd_xasprintf("restore-drills/%s.md", d.base);
	paths[1] = gd_xasprintf("restore-drills/%s.json", d.base);
	paths[2] = gd_xasprintf("restore-drills/%s.svg", d.base);
	why = gd_report_drill_postmortem(res);
	if (why != NULL)
		paths[npaths++] = gd_xasprintf("postmortems/%s.md", d.base);
	if (gd_report_drill_markdown_svg(res, d.base, &data[0], err, errlen) != 0 ||
	    gd_report_drill_svg(res, &data[2], err, errlen) != 0)
		goto out;
	gd_docs_twin(res, &data[1]);
	upper_copy(verdict, *gd_json_str(res, "verdict") ? gd_json_str(res, "verdict") : "error", sizeof(verdict));
	gd_duration_fmt(json_is_number(json_object_get(res, "rto_ms")) ?
	    (long long)json_number_value(json_object_get(res, "rto_ms")) : -1, rto, sizeof(rto));
	gd_duration_fmt(json_is_number(json_object_get(json_object_get(res, "backup"), "age_ms")) ?
	    (long long)json_number_value(json_object_get(json_object_get(res, "backup"), "age_ms")) : -1,
	    rpo, sizeof(rpo));
	gd_buf_printf(&row, "| %s | %s | %s | %s | %s | [report](%s.md) |\n", d.date, id, verdict, rto,
	    rpo, d.base);
	if (why != NULL) {
		json_t *acts = gd_report_drill_actions(res);

		gd_buf_printf(&data[3], "# Postmortem: restore drill %s (%s)\n\n",
		    *gd_json_str(res, "title") ? gd_json_str(res, "title") : id, d.date);
		gd_buf_printf(&data[3], "_A stub written by gameday: fill in the blanks._ Restore drill: "
		    "[%s](../restore-drills/%s.md). Verdict **%s**.\n\n", d.base, d.base, verdict);
		gd_buf_printf(&data[3], "## Summary\n\n%s.", why);
		if (*gd_json_str(res, "error"))
			gd_buf_printf(&data[3], " %s", gd_json_str(res, "error"));
		gd_buf_adds(&data[3], "\n\n## Impact\n\nTODO: which data would a real restore have lost?\n\n");
		gd_report_drill_timeline_md(res, &data[3]);
		gd_buf_adds(&data[3], "## Root cause\n\nTODO\n\n## Action items\n\n");
		add_actions(&data[3], acts);
		json_decref(acts);
	}
	gd_buf_printf(&msg, "gameday: restore drill %s: %s (RTO %s, RPO %s)\n\nrun %s\n", id, verdict,
	    rto, rpo, gd_json_str(res, "run"));
	ret = gd_docs_commit(&d, "restore-drills", drill_head, row.data, npaths,
	    (const char *const *)paths, data, author, msg.data, err, errlen);
out:
	for (i = 0; i < 4; i++) {
		free(paths[i]);
		gd_buf_free(&data[i]);
	}
	gd_buf_free(&row);
	gd_buf_free(&msg);
	gd_docs_close(&d);
	return ret;
}

static const char quiz_head[] =
"# Internal tests\n"
"\n"
"Quizzes graded by gameday, newest first.\n"
"\n"
"| Date | Bank | Participant | Verdict | Score | Gaps | Report |\n"
"|---|---|---|---|---|---|---|\n";

/* a table cell's text: pipes escaped, newlines dropped */
static void
cell_text(struct gd_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|')
			gd_buf_adds(b, "\\|");
		else if (*s != '\n' && *s != '\r')
			gd_buf_add(b, s, 1);
	}
}

int
gd_docs_commit_quiz(const char *docs, const json_t *res, const char *author, char *err,
    size_t errlen)
{
	struct gd_docs d;
	const char *bank = *gd_json_str(res, "bank") ? gd_json_str(res, "bank") : "quiz";
	const char *who = gd_json_str(res, "participant"), *verdict;
	char *paths[3] = { NULL }, name[300], sb[100], sp[160];
	struct gd_buf data[3] = { { 0 } }, row = { 0 }, msg = { 0 };
	struct tm tm;
	time_t when = 0;
	size_t i, ngaps = json_array_size(json_object_get(res, "gaps"));
	int ret = -1;

	if (gd_docs_open(&d, docs, err, errlen) != 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if (strptime(gd_json_str(res, "date"), "%Y-%m-%dT%H:%M:%S", &tm) != NULL)
		when = timegm(&tm);
	gd_docs_slug(sb, bank, sizeof(sb));
	gd_docs_slug(sp, *who ? who : "anonymous", sizeof(sp));
	snprintf(name, sizeof(name), "%s-%s", sb, sp);
	gd_docs_base(&d, "internal-tests", when, name);
	paths[0] = gd_xasprintf("internal-tests/%s.md", d.base);
	paths[1] = gd_xasprintf("internal-tests/%s.json", d.base);
	paths[2] = gd_xasprintf("internal-tests/%s.svg", d.base);
	if (gd_report_quiz_markdown_svg(res, d.base, &data[0], err, errlen) != 0 ||
	    gd_report_quiz_svg(res, &data[2], err, errlen) != 0)
		goto out;
	gd_docs_twin(res, &data[1]);
	verdict = json_is_true(json_object_get(res, "passed")) ? "PASSED" : "NOT PASSED";
	gd_buf_printf(&row, "| %s | %s | ", d.date, bank);
	cell_text(&row, who);
	gd_buf_printf(&row, " | %s | %.1f%% | %zu | [report](%s.md) |\n", verdict,
	    json_number_value(json_object_get(res, "percent")), ngaps, d.base);
	gd_buf_printf(&msg, "gameday: quiz %s, %s: %.1f%% %s (%zu gaps)\n", bank, who,
	    json_number_value(json_object_get(res, "percent")), verdict, ngaps);
	ret = gd_docs_commit(&d, "internal-tests", quiz_head, row.data, 3, (const char *const *)paths,
	    data, author, msg.data, err, errlen);
out:
	for (i = 0; i < 3; i++) {
		free(paths[i]);
		gd_buf_free(&data[i]);
	}
	gd_buf_free(&row);
	gd_buf_free(&msg);
	gd_docs_close(&d);
	return ret;
}
