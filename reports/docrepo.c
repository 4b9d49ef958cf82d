/* docrepo.c: the one doc-repo writer (docs.h): the writers' lock, the branch
 * a change goes on, the commit made from the branch's tree, and the work tree
 * and git's index brought along for the paths it changed, all or nothing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "docs_int.h"

#define LOCK_NAME "gameday-docs.lock"
#define LOCK_WAIT_MS 60000
#define INDEX_TRIES 50   /* git's own index.lock, held by a user's git: 50 x 40 ms */

const char gd_docs_usage[] =
"doc repo (--docs DIR): the reports are committed there under a lock, from the\n"
"branch's tree, and pushed to the branch's upstream (ssh://, file:// or a\n"
"path; never forced; rebuilt on the remote's tip when it moved on):\n"
"      --docs DIR        the doc repo's work tree (or a bare repo, with --branch)\n"
"      --author 'N <E>'  the commit's author (default: git config, else gameday)\n"
"      --branch NAME     commit on NAME (for a detached HEAD or a bare repo)\n"
"      --no-push         commit only; `gameday docs push` sends it later\n";

int
docs_git_err(char *err, size_t errlen, const char *what)
{
	const git_error *e = git_error_last();

	return gd_errf(err, errlen, "docs: %s: %s", what, e != NULL ? e->message : "unknown error");
}

int
gd_docs_exit(int rc)
{
	return rc == 0 ? GD_EXIT_OK : gd_exit_output_failed(GD_EXIT_OK);
}

int
gd_docs_getopt(int ch, const char *arg, struct gd_docs_opts *o)
{
	switch (ch) {
	case GD_DOCS_OPT: o->docs = arg; return 1;
	case GD_DOCS_OPT + 1: o->author = arg; return 1;
	case GD_DOCS_OPT + 2: o->branch = arg; return 1;
	case GD_DOCS_OPT + 3: o->no_push = 1; return 1;
	default: return 0;
	}
}

char *
gd_docs_workdir(const char *docs)
{
	git_repository *repo = NULL;
	char *dir = NULL;

	git_libgit2_init();
	if (git_repository_open_ext(&repo, docs, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0 &&
	    git_repository_workdir(repo) != NULL)
		dir = gd_xstrdup(git_repository_workdir(repo));
	git_repository_free(repo);
	git_libgit2_shutdown();
	return dir;
}

/* ---- the writers' lock ---- */

static int
take_lock(struct docs_repo *r, char *err, size_t errlen)
{
	char *path = gd_xasprintf("%s%s", git_repository_commondir(r->repo), LOCK_NAME), pid[32];
	int wait = r->o->lock_wait_ms > 0 ? r->o->lock_wait_ms : LOCK_WAIT_MS;
	long long until = gd_now_ms() + wait;
	struct timespec ts = { 0, 20 * 1000000L };
	ssize_t n;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		gd_errf(err, errlen, "docs: cannot lock %s: %s (nothing written)", path, strerror(errno));
		free(path);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			gd_errf(err, errlen, "docs: cannot lock %s: %s (nothing written)", path, strerror(errno));
			goto fail;
		}
		if (gd_now_ms() >= until) {
			n = pread(fd, pid, sizeof(pid) - 1, 0);
			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			gd_errf(err, errlen, "docs: %s is held by another gameday writer (pid %s) for more than "
			    "%d s: nothing written; try again when it is done", path, *pid ? pid : "?", wait / 1000);
			goto fail;
		}
		nanosleep(&ts, NULL);
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, pid, strlen(pid), 0);
	r->lockfd = fd;
	free(path);
	return 0;
fail:
	close(fd);
	free(path);
	return -1;
}

/* ---- the branch ---- */

static int
set_ref(struct docs_repo *r, const char *name)
{
	if (strncmp(name, "refs/heads/", 11) != 0 || strlen(name) >= sizeof(r->ref))
		return -1;
	snprintf(r->ref, sizeof(r->ref), "%s", name);
	r->branch = r->ref + 11;
	return 0;
}

/* HEAD's branch (refs/heads/NAME), when HEAD names one; else NULL */
static char *
head_branch(git_repository *repo)
{
	git_reference *head = NULL;
	char *name = NULL;

	if (git_reference_lookup(&head, repo, "HEAD") == 0 && git_reference_type(head) == GIT_REFERENCE_SYMBOLIC)
		name = gd_xstrdup(git_reference_symbolic_target(head));
	git_reference_free(head);
	return name;
}

static int
pick_branch(struct docs_repo *r, char *err, size_t errlen)
{
	char *head = head_branch(r->repo), *want;
	int ret = -1;

	if (r->o->branch != NULL) {
		want = gd_xasprintf("refs/heads/%s", r->o->branch);
		if (git_reference_is_valid_name(want) != 1 || set_ref(r, want) != 0)
			gd_errf(err, errlen, "docs: --branch %s is not a branch name", r->o->branch);
		else
			ret = 0;
		free(want);
	} else if (r->workdir == NULL) {
		gd_errf(err, errlen, "docs: %s is a bare repository: give --branch NAME to commit there, or "
		    "clone it and give the clone (nothing written)", r->o->docs);
	} else if (head == NULL || git_repository_head_detached(r->repo) == 1) {
		gd_errf(err, errlen, "docs: %s: HEAD is detached, so a report committed there would be lost at "
		    "the next checkout: check out a branch, or give --branch NAME (nothing written)", r->o->docs);
	} else if (set_ref(r, head) != 0) {
		gd_errf(err, errlen, "docs: %s: HEAD names %s, not a branch (nothing written)", r->o->docs, head);
	} else {
		ret = 0;
	}
	r->checked_out = ret == 0 && r->workdir != NULL && head != NULL && strcmp(head, r->ref) == 0 &&
	    git_repository_head_detached(r->repo) != 1;
	free(head);
	return ret;
}

int
docs_open(struct docs_repo *r, const struct gd_docs_opts *o, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->lockfd = -1;
	git_libgit2_init();
	if (git_repository_open_ext(&r->repo, o->docs, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
		gd_errf(err, errlen, "docs: %s is not a git repository (git init it first)", o->docs);
		goto fail;
	}
	r->workdir = git_repository_workdir(r->repo);
	if (take_lock(r, err, errlen) != 0 || pick_branch(r, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	docs_close(r);
	return -1;
}

void
docs_close(struct docs_repo *r)
{
	if (r->lockfd >= 0)
		close(r->lockfd);   /* and the lock with it */
	r->lockfd = -1;
	if (r->repo != NULL) {
		git_repository_free(r->repo);
		r->repo = NULL;
	}
	if (r->o != NULL)
		git_libgit2_shutdown();
	r->o = NULL;
}

int
docs_tip(struct docs_repo *r, git_oid *tip, char *err, size_t errlen)
{
	int rc = git_reference_name_to_id(tip, r->repo, r->ref);

	if (rc == 0)
		return 0;
	if (rc == GIT_ENOTFOUND)
		return 1;
	return docs_git_err(err, errlen, r->ref);
}

/* ---- the work tree and git's index ---- */

struct step {
	char *path;
	int deleted;
	git_oid id;              /* the new blob */
	char *old;               /* the file before, NULL when it was not there */
	size_t oldlen;
	int written;
};

static void
steps_free(struct step *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(s[i].path);
		free(s[i].old);
	}
	free(s);
}

/* the paths that differ between old and new, with what they were */
static int
steps_of(struct docs_repo *r, const git_oid *old, const git_oid *new, struct step **out, size_t *nout,
    char *err, size_t errlen)
{
	git_commit *oc = NULL, *nc = NULL;
	git_tree *ot = NULL, *nt = NULL;
	git_diff *diff = NULL;
	size_t i, n;
	int ret = -1;

	*out = NULL;
	*nout = 0;
	if ((old != NULL && (git_commit_lookup(&oc, r->repo, old) != 0 || git_commit_tree(&ot, oc) != 0)) ||
	    git_commit_lookup(&nc, r->repo, new) != 0 || git_commit_tree(&nt, nc) != 0 ||
	    git_diff_tree_to_tree(&diff, r->repo, ot, nt, NULL) != 0) {
		docs_git_err(err, errlen, "diff");
		goto out;
	}
	n = git_diff_num_deltas(diff);
	*out = gd_xcalloc(n + 1, sizeof(**out));
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		struct step *s = &(*out)[(*nout)++];

		s->deleted = d->status == GIT_DELTA_DELETED;
		s->path = gd_xstrdup(s->deleted ? d->old_file.path : d->new_file.path);
		s->id = d->new_file.id;
	}
	ret = 0;
out:
	git_diff_free(diff);
	git_tree_free(ot);
	git_tree_free(nt);
	git_commit_free(oc);
	git_commit_free(nc);
	return ret;
}

/* a path the user has work in: modified, staged, or untracked where we write */
static int
dirty(struct docs_repo *r, const struct step *s, char *err, size_t errlen)
{
	unsigned int flags = 0;
	int rc = git_status_file(&flags, r->repo, s->path);

	if (rc == GIT_ENOTFOUND || (rc == 0 && (flags == GIT_STATUS_CURRENT || (flags & GIT_STATUS_IGNORED))))
		return 0;
	if (rc != 0)
		return docs_git_err(err, errlen, s->path);
	if (flags == GIT_STATUS_WT_NEW && !s->deleted) {
		/* untracked: ours only when it holds what we write */
		char *full = gd_xasprintf("%s%s", r->workdir, s->path);
		git_oid id;
		int same = git_odb_hashfile(&id, full, GIT_OBJECT_BLOB) == 0 && git_oid_equal(&id, &s->id);

		free(full);
		if (same)
			return 0;
	}
	gd_errf(err, errlen, "docs: %s/%s has uncommitted changes; commit or discard them first "
	    "(nothing written)", r->o->docs, s->path);
	return GD_DOCS_REFUSED;
}

static int
mkdirs_for(const char *dir, const char *rel, char *err, size_t errlen)
{
	char *p = gd_xasprintf("%s%s", dir, rel), *s;
	int r = 0;

	for (s = strchr(p + strlen(dir), '/'); s != NULL && r == 0; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			r = gd_errf(err, errlen, "docs: cannot create %s: %s", p, strerror(errno));
		*s = '/';
	}
	free(p);
	return r;
}

/* one step into the work tree, keeping what was there for the undo */
static int
write_step(struct docs_repo *r, struct step *s, char *err, size_t errlen)
{
	char *full = gd_xasprintf("%s%s", r->workdir, s->path), e2[GD_ERRLEN];
	git_blob *b = NULL;
	int ret = -1;

	s->old = gd_read_file(full, 0, &s->oldlen, e2, sizeof(e2));
	if (s->deleted) {
		ret = unlink(full) == 0 || errno == ENOENT ? 0 :
		    gd_errf(err, errlen, "docs: cannot remove %s: %s", full, strerror(errno));
	} else if (git_blob_lookup(&b, r->repo, &s->id) != 0) {
		docs_git_err(err, errlen, s->path);
	} else if (mkdirs_for(r->workdir, s->path, err, errlen) == 0) {
		ret = gd_write_atomic(full, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b), 0644, err, errlen);
	}
	s->written = ret == 0;
	git_blob_free(b);
	free(full);
	return ret;
}

static void
undo_steps(struct docs_repo *r, struct step *s, size_t n)
{
	char e2[GD_ERRLEN];
	size_t i;

	for (i = 0; i < n; i++) {
		char *full;

		if (!s[i].written)
			continue;
		full = gd_xasprintf("%s%s", r->workdir, s[i].path);
		if (s[i].old != NULL)
			(void)gd_write_atomic(full, s[i].old, s[i].oldlen, 0644, e2, sizeof(e2));
		else
			(void)unlink(full);
		free(full);
	}
}

/* git's index for the steps' paths only, the user's staged work kept */
static int
index_steps(struct docs_repo *r, const struct step *s, size_t n, char *err, size_t errlen)
{
	struct timespec ts = { 0, 40 * 1000000L };
	git_index *idx = NULL;
	size_t i;
	int k, rc = -1;

	for (k = 0; k < INDEX_TRIES && rc != 0; k++) {
		if (k > 0)
			nanosleep(&ts, NULL);
		git_index_free(idx);
		idx = NULL;
		if (git_repository_index(&idx, r->repo) != 0 || git_index_read(idx, 1) != 0)
			continue;
		for (i = 0; i < n; i++)
			if ((s[i].deleted ? git_index_remove_bypath(idx, s[i].path) :
			    git_index_add_bypath(idx, s[i].path)) != 0)
				break;
		if (i == n)
			rc = git_index_write(idx);
	}
	if (rc != 0)
		docs_git_err(err, errlen, "index");
	git_index_free(idx);
	return rc;
}

/* the branch from old to new, if it still is at old */
static int
move_ref(struct docs_repo *r, const git_oid *old, const git_oid *new, char *err, size_t errlen)
{
	git_reference *ref = NULL;
	int rc;

	if (old == NULL)
		rc = git_reference_create(&ref, r->repo, r->ref, new, 0, "gameday: report");
	else
		rc = git_reference_create_matching(&ref, r->repo, r->ref, new, 1, old, "gameday: report");
	git_reference_free(ref);
	if (rc != 0)
		return docs_git_err(err, errlen, r->ref);
	return 0;
}

int
docs_advance(struct docs_repo *r, const git_oid *old, const git_oid *new, char *err, size_t errlen)
{
	struct step *s = NULL;
	size_t n = 0, i;
	int ret = GD_DOCS_ERROR, rc;

	if (r->checked_out) {
		if (steps_of(r, old, new, &s, &n, err, errlen) != 0)
			goto out;
		for (i = 0; i < n; i++)
			if ((rc = dirty(r, &s[i], err, errlen)) != 0) {
				ret = rc;
				goto out;
			}
		for (i = 0; i < n; i++)
			if (write_step(r, &s[i], err, errlen) != 0)
				goto undo;
	}
	if (move_ref(r, old, new, err, errlen) != 0)
		goto undo;
	if (r->checked_out && index_steps(r, s, n, err, errlen) != 0) {
		char e2[GD_ERRLEN];

		if (old != NULL)
			(void)move_ref(r, new, old, e2, sizeof(e2));
		else
			(void)git_reference_remove(r->repo, r->ref);
		goto undo;
	}
	ret = 0;
	goto out;
undo:
	undo_steps(r, s, n);
out:
	steps_free(s, n);
	return ret;
}

/* ---- the writer ---- */

/* The paths a change writes in place (its index tables, pages it replaces)
 * checked before anything is made: a refusal leaves not even an object. Its
 * report files need no check: a name that is taken is renamed. */
static int
precheck(struct docs_repo *r, const struct gd_docs_change *c, char *err, size_t errlen)
{
	struct step s;
	size_t i;
	int rc;

	if (!r->checked_out)
		return 0;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < c->nidx + c->nfiles; i++) {
		s.path = i < c->nidx ? c->idx[i].readme : c->files[i - c->nidx].path;
		if (i >= c->nidx && *c->base != '\0' && strstr(s.path, c->base) != NULL)
			continue;
		s.id = (git_oid){ { 0 } };  /* an untracked file here is the user's */
		if ((rc = dirty(r, &s, err, errlen)) != 0)
			return rc;
	}
	return 0;
}

int
gd_docs_write(const struct gd_docs_opts *o, struct gd_docs_change *c, struct gd_docs_done *done,
    char *err, size_t errlen)
{
	struct docs_repo r;
	git_oid tip, base, id;
	size_t npushed = 0;
	int rc, unborn, have_base, ret = GD_DOCS_ERROR;

	if (done != NULL)
		memset(done, 0, sizeof(*done));
	if (docs_open(&r, o, err, errlen) != 0)
		return GD_DOCS_ERROR;
	if ((unborn = docs_tip(&r, &tip, err, errlen)) < 0 || (rc = precheck(&r, c, err, errlen)) != 0) {
		ret = unborn < 0 ? GD_DOCS_ERROR : rc;
		goto out;
	}
	/* a new --branch starts where HEAD is */
	have_base = !unborn || (!r.checked_out && git_reference_name_to_id(&base, r.repo, "HEAD") == 0);
	if (!unborn)
		base = tip;
	if ((rc = docs_build(&r, c, have_base ? &base : NULL, &id, err, errlen)) < 0)
		goto out;
	if (rc == 1) {   /* already there: nothing to commit, perhaps something to push */
		ret = o->no_push || docs_push(&r, &npushed, err, errlen) != GD_DOCS_UNPUSHED ? 0 : GD_DOCS_UNPUSHED;
		goto out;
	}
	if ((rc = docs_advance(&r, unborn ? NULL : &tip, &id, err, errlen)) != 0) {
		ret = rc;
		goto out;
	}
	if (done != NULL) {
		git_oid_tostr(done->commit, sizeof(done->commit), &id);
		snprintf(done->base, sizeof(done->base), "%s", c->base);
	}
	ret = 0;
	if (!o->no_push) {
		rc = docs_push(&r, &npushed, err, errlen);
		if (rc == GD_DOCS_UNPUSHED)
			ret = GD_DOCS_UNPUSHED;
		else if (rc == 0 && done != NULL)
			done->pushed = 1;
	}
out:
	docs_close(&r);
	return ret;
}

int
gd_docs_push(const struct gd_docs_opts *o, size_t *npushed, char *err, size_t errlen)
{
	struct docs_repo r;
	int rc;

	*npushed = 0;
	if (docs_open(&r, o, err, errlen) != 0)
		return GD_DOCS_ERROR;
	rc = docs_push(&r, npushed, err, errlen);
	if (rc == 2) {
		gd_errf(err, errlen, "docs: %s: branch %s has no upstream to push to (set one once: git -C %s "
		    "push -u origin %s)", o->docs, r.branch, o->docs, r.branch);
		rc = GD_DOCS_ERROR;
	}
	docs_close(&r);
	return rc;
}
