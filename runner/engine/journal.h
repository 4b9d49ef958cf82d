/* journal.h: the crash-safe record of a run: JSON Lines, fsync'd, read back
 * by `gameday recover` to revert whatever a killed run left on its hosts. */
#ifndef GD_JOURNAL_H
#define GD_JOURNAL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "ssh.h"

struct gd_journal;

/* The state directory: dir if not NULL, else $XDG_STATE_HOME/gameday, else
 * ~/.local/state/gameday. Returns a malloc'd path. */
char *gd_state_dir(const char *dir);

/* Creates STATE/runs/RUN_ID.jsonl (O_EXCL, 0600, parent dirs made) and holds
 * an exclusive flock on it for as long as it is open, so that recover can
 * tell a live run from a dead one. */
int gd_journal_create(const char *state_dir, const char *run_id, struct gd_journal **j,
    char *err, size_t errlen);

/* Appends rec (adds "ts": unix ms) as one line, then fsyncs: when this
 * returns 0 the record survives a crash. Does not steal rec's reference. */
int gd_journal_append(struct gd_journal *j, json_t *rec, char *err, size_t errlen);

/* The journal's path (borrowed). */
const char *gd_journal_path(const struct gd_journal *j);

void gd_journal_close(struct gd_journal *j);

/* Opens an existing journal at path to append to it (recover, on a dead
 * run's journal), taking its flock without waiting. Returns 0; 1 when a live
 * process holds the journal (*j is then NULL); -1 on error. */
int gd_journal_open(const char *path, struct gd_journal **j, char *err, size_t errlen);

/* Reads the journal at path into *recs, a new array the caller owns. A torn
 * last line (no newline: the writer was killed mid-write) is left out and
 * *torn set when torn is not NULL; any other line that is not a valid record
 * is an error "PATH: line N: what is wrong". */
int gd_journal_read(const char *path, json_t **recs, int *torn, char *err, size_t errlen);
/* gd_journal_read, and *good_end: the bytes of its whole lines (what follows is torn). */
int gd_journal_read_whole(const char *path, json_t **recs, off_t *good_end, int *torn, char *err,
    size_t errlen);
/* Cuts the journal back to len bytes (its torn last line off); the caller holds it. */
int gd_journal_truncate(struct gd_journal *j, off_t len, char *err, size_t errlen);

/* The intents of recs still open, in journal order: a new array (the caller
 * owns it) sharing its records with recs. An intent is open until a
 * `reverted` record of its seq says ok and verified (or ok, when it has no
 * check). */
json_t *gd_journal_open_intents(const json_t *recs);

#endif
