/* docrepo.c: a run's reports committed into the doc repo with libgit2:
 * only gameday's own files, written atomically, never over a path the
 * user has left uncommitted, never touching the user's staged changes. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <git2.h>

#include "report.h"

#define NPATHS 5

static const char readme_head[] =
"# HA tests\n"
"\n"
"Game days run by gameday, newest first.\n"
"\n"
"| Date | ID | Verdict | MTTD | MTTR | Report |\n"
"|---|---|---|---|---|---|\n";

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

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
	if (injected && strcmp(str(res, "verdict"), "error") == 0)
		return 1;
	json_array_foreach(json_object_get(res, "findings"), i, f)
		if (strcmp(str(f, "kind"), "not-detected") == 0)
			return 1;
	return 0;
}

/* the index with the new row first; keeps every existing row */
static void
readme_update(const char *dir, const char *rel, const char *row, struct gd_buf *out)
{
	char *p = gd_xasprintf("%s/%s", dir, rel), *sep = NULL, *eol;
	struct gd_buf old = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f = fopen(p, "r");

	if (f != NULL) {
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			gd_buf_add(&old, chunk, n);
		fclose(f);
	}
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
		gd_buf_adds(out, strstr(readme_head, "| Date"));
		gd_buf_adds(out, row);
	} else {
		gd_buf_adds(out, readme_head);
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
gd_docs_commit_run(const char *docs, const json_t *res, const char *author, char *err,
    size_t errlen)
{
	git_repository *repo = NULL;
	git_index *idx = NULL, *mem = NULL;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_oid oid, head;
	const char *dir, *id = str(json_object_get(res, "scenario"), "id");
	char date[16], base[256], a[32], b[32], verdict[16];
	char *paths[NPATHS] = { NULL };
	struct gd_buf data[NPATHS] = { { 0 } }, row = { 0 }, msg = { 0 };
	unsigned int flags;
	time_t started;
	struct tm tm;
	size_t i, npaths;
	int r, ret = -1, n;
	char *json = NULL;

	git_libgit2_init();
	if (git_repository_open_ext(&repo, docs, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
		gd_errf(err, errlen, "docs: %s is not a git repository (git init it first)", docs);
		goto out;
	}
	dir = git_repository_workdir(repo);
	if (dir == NULL) {
		gd_errf(err, errlen, "docs: %s is a bare repository", docs);
		goto out;
	}
	if (*id == '\0')
		id = "run";
	started = (time_t)(json_number_value(json_object_get(res, "started")) / 1000);
	if (started == 0)
		started = time(NULL);
	gmtime_r(&started, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	snprintf(base, sizeof(base), "%s-%s", date, id);
	for (n = 2; exists(dir, paths[0] = gd_xasprintf("ha-tests/%s.md", base)) ||
	    exists(dir, paths[1] = gd_xasprintf("ha-tests/%s.json", base)); n++) {
		free(paths[0]);
		free(paths[1]);
		snprintf(base, sizeof(base), "%s-%s-%d", date, id, n);
	}
	if (paths[1] == NULL)
		paths[1] = gd_xasprintf("ha-tests/%s.json", base);
	paths[2] = gd_xasprintf("ha-tests/%s.svg", base);
	paths[3] = gd_xstrdup("ha-tests/README.md");
	npaths = 4;
	if (needs_postmortem(res))
		paths[npaths++] = gd_xasprintf("postmortems/%s.md", base);

	/* refuse before writing anything if a path is someone's work in progress */
	for (i = 0; i < npaths; i++) {
		r = git_status_file(&flags, repo, paths[i]);
		if (r == GIT_ENOTFOUND || (r == 0 && flags == GIT_STATUS_CURRENT))
			continue;
		if (r != 0) {
			git_errf(err, errlen, paths[i]);
			goto out;
		}
		if (flags & GIT_STATUS_IGNORED)
			continue;
		gd_errf(err, errlen, "docs: %s/%s has uncommitted changes; commit or "
		    "discard them first (nothing written)", docs, paths[i]);
		ret = -2;
		goto out;
	}

	/* the contents */
	{
		char *svgname = strrchr(paths[2], '/') + 1;

		svgname = gd_xstrdup(svgname);
		svgname[strlen(svgname) - 4] = '\0';
		r = gd_report_markdown(res, svgname, &data[0], err, errlen);
		free(svgname);
		if (r != 0)
			goto out;
	}
	json = json_dumps(res, JSON_INDENT(2) | JSON_SORT_KEYS);
	gd_buf_adds(&data[1], json != NULL ? json : "{}");
	gd_buf_adds(&data[1], "\n");
	if (gd_report_svg(res, &data[2], err, errlen) != 0)
		goto out;
	snprintf(verdict, sizeof(verdict), "%s", str(res, "verdict"));
	for (i = 0; verdict[i] != '\0'; i++)
		if (verdict[i] >= 'a' && verdict[i] <= 'z')
			verdict[i] = (char)(verdict[i] - 'a' + 'A');
	gd_report_secs(gd_report_mttd(res), a, sizeof(a));
	gd_report_secs(gd_report_mttr(res), b, sizeof(b));
	gd_buf_printf(&row, "| %s | %s | %s | %s | %s | [report](%s.md) |\n", date, id, verdict, a, b, base);
	readme_update(dir, paths[3], row.data, &data[3]);
	if (npaths == 5) {
		gd_buf_printf(&data[4], "# Postmortem: %s (%s)\n\n", str(json_object_get(res, "scenario"),
		    "title"), date);
		gd_buf_printf(&data[4], "_A stub written by gameday: fill in the blanks._ HA test: "
		    "[%s](../ha-tests/%s.md). Verdict **%s**.\n\n", base, base, verdict);
		gd_buf_adds(&data[4], "## Summary\n\n");
		gd_buf_printf(&data[4], "%s\n\n", *str(res, "error") ? str(res, "error") : "TODO");
		gd_buf_adds(&data[4], "## Impact\n\nTODO\n\n");
		gd_report_timeline_md(res, &data[4]);
		gd_buf_printf(&data[4], "Time to detect: %s. Time to recover: %s.\n\n", a, b);
		gd_buf_adds(&data[4], "## Root cause\n\nTODO\n\n## Action items\n\n");
		{
			json_t *acts = gd_report_actions(res), *act;
			size_t k;

			json_array_foreach(acts, k, act)
				gd_buf_printf(&data[4], "- [ ] %s\n", json_string_value(act));
			if (json_array_size(acts) == 0)
				gd_buf_adds(&data[4], "- [ ] TODO\n");
			json_decref(acts);
		}
	}

	/* write, each atomically */
	if (mkdir_in(dir, "ha-tests", err, errlen) != 0 ||
	    (npaths == 5 && mkdir_in(dir, "postmortems", err, errlen) != 0))
		goto out;
	for (i = 0; i < npaths; i++) {
		char *full = gd_xasprintf("%s%s", dir, paths[i]);

		r = gd_write_atomic(full, data[i].data, data[i].len, 0644, err, errlen);
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
	for (i = 0; i < npaths; i++) {
		git_index_entry e;

		memset(&e, 0, sizeof(e));
		e.mode = GIT_FILEMODE_BLOB;
		e.path = paths[i];
		if (git_blob_create_from_buffer(&e.id, repo, data[i].data, data[i].len) != 0 ||
		    git_index_add(mem, &e) != 0 ||
		    git_index_add_bypath(idx, paths[i]) != 0) {
			git_errf(err, errlen, paths[i]);
			goto out;
		}
	}
	if (git_index_write_tree_to(&oid, mem, repo) != 0 || git_tree_lookup(&tree, repo, &oid) != 0) {
		git_errf(err, errlen, "tree");
		goto out;
	}
	if (signature(repo, author, &sig, err, errlen) != 0)
		goto out;
	gd_buf_printf(&msg, "gameday: ha-test %s: %s (MTTD %s, MTTR %s)\n\nrun %s\n", id, verdict, a, b,
	    str(res, "run"));
	if (git_commit_create(&oid, repo, "HEAD", sig, sig, NULL, msg.data, tree, parent != NULL ? 1 : 0,
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
	for (i = 0; i < NPATHS; i++) {
		free(paths[i]);
		gd_buf_free(&data[i]);
	}
	gd_buf_free(&row);
	gd_buf_free(&msg);
	free(json);
	git_signature_free(sig);
	git_tree_free(tree);
	git_commit_free(parent);
	git_index_free(mem);
	git_index_free(idx);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return ret;
}
