/* docs_int.h: the doc-repo writer's parts, shared by docrepo.c (lock,
 * commit, work tree), docchange.c (a change and its rebuild on a tree) and
 * docpush.c (push, fetch, rebuild of pending commits). Not for other callers:
 * they use docs.h. */
#ifndef GD_DOCS_INT_H
#define GD_DOCS_INT_H

#include <git2.h>

#include "docs.h"
#include "gd.h"

struct docs_file {
	char *path;
	struct gd_buf data;
};

struct docs_rows {
	char *readme, *head;
	struct gd_buf rows;        /* one or more "| ... |\n" lines, first first */
};

struct gd_docs_change {
	char *base, *msg;
	struct docs_file *files;
	size_t nfiles;
	struct docs_rows *idx;
	size_t nidx;
	int replay;                /* a pending commit rebuilt: what is there already is its own */
};

/* An open, locked doc repo and the branch a change goes on. */
struct docs_repo {
	const struct gd_docs_opts *o;
	git_repository *repo;
	const char *workdir;       /* NULL when bare */
	char ref[256];             /* refs/heads/NAME */
	const char *branch;        /* NAME, within ref */
	int checked_out;           /* ref is the work tree's HEAD: bring it along */
	int lockfd;
};

/* Opens o->docs, takes the writers' lock and picks the branch (refusing a
 * detached HEAD or a bare repo without o->branch). */
int docs_open(struct docs_repo *r, const struct gd_docs_opts *o, char *err, size_t errlen);
void docs_close(struct docs_repo *r);
/* The branch's tip into tip; 1 when it has none yet (unborn), -1 on error. */
int docs_tip(struct docs_repo *r, git_oid *tip, char *err, size_t errlen);
/* Moves the branch from old (NULL: unborn) to new and, when checked out,
 * writes the paths that differ into the work tree and git's index; refuses
 * (GD_DOCS_REFUSED) before changing anything when one of them has
 * uncommitted changes; undoes itself on a failure. */
int docs_advance(struct docs_repo *r, const git_oid *old, const git_oid *new, char *err,
    size_t errlen);

/* c as a commit whose parent is base (NULL: a root commit): its files, its
 * rows regenerated from base's index tables, its base renamed when taken.
 * 0, 1 when base has all of it already (nothing to commit), -1 on error. */
int docs_build(struct docs_repo *r, struct gd_docs_change *c, const git_oid *base, git_oid *out,
    char *err, size_t errlen);
/* The change commit made (from its trailers and its diff to its parent);
 * NULL with err when it is not one of gameday's. */
struct gd_docs_change *docs_change_of(struct docs_repo *r, git_commit *commit, char *err,
    size_t errlen);

/* Pushes the branch (with the rebuild on a moved remote); 0, GD_DOCS_UNPUSHED
 * (err says why), or 2 when there is no upstream (nothing to do). */
int docs_push(struct docs_repo *r, size_t *npushed, char *err, size_t errlen);

/* "docs: WHAT: libgit2's message"; returns -1. */
int docs_git_err(char *err, size_t errlen, const char *what);

#endif
