/* recover.h: reverting what a journal left open, for a run's own final pass
 * and for `gameday recover`. */
#ifndef GD_RECOVER_H
#define GD_RECOVER_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "journal.h"
#include "pool.h"
#include "ssh.h"

/* What gd_recover_journal_report did, added to across calls. */
struct gd_recover_stats {
	size_t journals;      /* journals that had open intents */
	size_t reverted;      /* intents reverted (and verified, where they can be) */
	size_t failed;        /* reverts that failed or that the check refuted */
	size_t unreachable;   /* intents left open because their host was unreachable */
	size_t skipped_live;  /* open intents of journals a live run holds */
	size_t leased;        /* open intents left alone: another run holds their host */
};

struct gd_recover_opts {
	const struct gd_ssh_opts *ssh;  /* for a pool of its own, when pool is NULL */
	struct gd_pool *pool;           /* borrowed: a session's connections, or NULL */
	struct gd_journal *held_by_me;  /* the caller's own journal (a run's final pass) */
	FILE *log;                      /* progress and results, or NULL */
	int quiet;                      /* nothing about a journal with nothing open */
	struct gd_recover_stats *st;    /* counted into, when not NULL */
	json_t *results;                /* one {run, host, seq, fault, label, result,
	                                 * error} appended per intent, when not NULL */
};

/* Reverts every open intent of the journal at path (newest first, different
 * hosts at once), disarms dead-man timers, verifies each revert with its
 * check command, and appends the outcomes. Skips a journal another live
 * process holds unless it is ro->held_by_me. Returns 0 when nothing is left
 * open, 1 when some revert failed or some host could not be reached, -1 on
 * error. */
int gd_recover_journal_report(const char *path, const struct gd_recover_opts *ro, char *err,
    size_t errlen);

/* The same with its own connections, no counts and no results. */
int gd_recover_journal(const char *path, const struct gd_ssh_opts *o, struct gd_journal *held_by_me,
    FILE *log, char *err, size_t errlen);

#endif
