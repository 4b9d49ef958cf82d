/* docs.h: the one doc-repo writer. Every report gameday files goes through
 * gd_docs_write: a change (files, plus rows for index tables) becomes one
 * commit, made under a lock on the repo, built from the branch's tree (never
 * from the work tree), then the work tree and git's index are brought along
 * for those paths only, and the commit is pushed to the branch's upstream.
 * A writer that fails leaves the repo as it was; a user's uncommitted edit to
 * a path the change writes is refused, naming the path; a push that fails
 * keeps the commit, for `gameday docs push`. */
#ifndef GD_DOCS_H
#define GD_DOCS_H

#include <stddef.h>

#include <jansson.h>

struct gd_docs_opts {
	const char *docs;          /* the repo (its work tree, or a bare repo with branch) */
	const char *author;        /* "Name <email>"; NULL: git config, else gameday */
	const char *branch;        /* commit on this branch; NULL: the one HEAD names */
	int no_push;               /* commit only */
	const char *known_hosts;   /* ssh:// remotes: NULL for ~/.ssh/known_hosts */
	int accept_new;            /* record an unknown remote host key */
	int lock_wait_ms;          /* how long to wait for another writer; 0: 60 s */
	int quiet;                 /* no "pushed to" line on stderr */
};

/* What gd_docs_write returns besides 0 (committed, and pushed when there is
 * an upstream): */
#define GD_DOCS_ERROR     (-1)  /* nothing written: err says why */
#define GD_DOCS_REFUSED   (-2)  /* a path it writes has uncommitted changes: nothing written */
#define GD_DOCS_UNPUSHED  1     /* committed, not pushed: err says why and how to push later */

/* The exit status (GD_EXIT_*) for one of those: 0 for 0, else the one
 * output policy's (gd_exit_output_failed: 3, the doc repo or its remote
 * could not be used). */
int gd_docs_exit(int rc);

/* One change: files to add or replace and rows for index tables. base is the
 * name the change's report files share ("2024-05-02-web-killed"): when a
 * file named BASE.* is already taken in the repo (by another runner's
 * report), the writer takes BASE-2, BASE-3... and renames it in every path,
 * file and row of the change. base NULL: no report files, only pages that
 * are replaced (an overview regenerated each time). msg: the commit message. */
struct gd_docs_change;

struct gd_docs_change *gd_docs_change_new(const char *base, const char *msg);
void gd_docs_change_free(struct gd_docs_change *c);
/* A file (path relative to the repo's root); data is copied. */
void gd_docs_change_file(struct gd_docs_change *c, const char *path, const void *data, size_t len);
/* A row (one "| ... |\n" line) put first in the index table of readme
 * (FOLDER/README.md), regenerated from the branch's copy; head: the README
 * made when there is none (its table header, from the first "| " line on, is
 * put below a README that has no table). */
void gd_docs_change_row(struct gd_docs_change *c, const char *readme, const char *head,
    const char *row);

/* The change as one commit on the branch, then pushed. done (may be NULL)
 * gets the commit's short id and the base the files took. */
struct gd_docs_done {
	char commit[16];
	char base[320];
	int pushed;                /* 1 pushed, 0 no upstream or --no-push */
};
int gd_docs_write(const struct gd_docs_opts *o, struct gd_docs_change *c, struct gd_docs_done *done,
    char *err, size_t errlen);

/* Pushes the branch's commits its upstream lacks (`gameday docs push`),
 * rebuilding gameday's own on the remote's tip when it moved on. 0 pushed or
 * nothing to push (*npushed: how many), GD_DOCS_UNPUSHED, or GD_DOCS_ERROR. */
int gd_docs_push(const struct gd_docs_opts *o, size_t *npushed, char *err, size_t errlen);

/* The shared command-line options of every command that writes the doc repo:
 * add GD_DOCS_LONGOPTS to a getopt_long table, hand every option to
 * gd_docs_getopt (1 when it was one of them), print gd_docs_usage in --help. */
#define GD_DOCS_OPT 0x4400
#define GD_DOCS_LONGOPTS \
	{ "docs", required_argument, NULL, GD_DOCS_OPT }, \
	{ "author", required_argument, NULL, GD_DOCS_OPT + 1 }, \
	{ "branch", required_argument, NULL, GD_DOCS_OPT + 2 }, \
	{ "no-push", no_argument, NULL, GD_DOCS_OPT + 3 }
int gd_docs_getopt(int ch, const char *arg, struct gd_docs_opts *o);
extern const char gd_docs_usage[];

/* The per-kind writers: each result's report files, its index row and, when
 * a trigger hits, a postmortem stub, as one change. o->docs is the repo. */
int gd_docs_commit_run(const struct gd_docs_opts *o, const json_t *res, char *err, size_t errlen);
int gd_docs_commit_drill(const struct gd_docs_opts *o, const json_t *res, char *err, size_t errlen);
int gd_docs_commit_quiz(const struct gd_docs_opts *o, const json_t *res, char *err, size_t errlen);
int gd_docs_commit_readiness(const struct gd_docs_opts *o, const json_t *res, char *err,
    size_t errlen);
int gd_docs_commit_wheel(const struct gd_docs_opts *o, const json_t *res, char *err, size_t errlen);
/* Any result, by its kind (`gameday docs add`). */
int gd_docs_commit_result(const struct gd_docs_opts *o, const json_t *res, char *err, size_t errlen);

/* The doc repo's work tree (ending in '/') for checks that read it, or NULL
 * (a bare repo, not a repo); caller frees. */
char *gd_docs_workdir(const char *docs);

#endif
