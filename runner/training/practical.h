/* practical.h: a quiz's practical questions on lab hosts, through one
 * session (inventory, connections, journal, dead-man timers, leases and the
 * final recover pass), as every command that changes hosts. */
#ifndef GD_PRACTICAL_H
#define GD_PRACTICAL_H

#include <stddef.h>

#include "bank.h"
#include "inventory.h"
#include "session.h"
#include "ssh.h"

/* One practical question's run. */
struct gd_prac {
	int ran;                    /* the task was shown and probed */
	int solved;
	const char *outcome;        /* "solved", "timeout", "skipped", "interrupted" */
	double seconds;             /* from the task's start to the probe that passed */
	long limit_s;
	size_t *idx, n;             /* the probe's hosts: indexes into the inventory */
	struct gd_ssh_result *last; /* the last probe, one per host (n) */
	int setup_ran;
	char cleanup[GD_ERRLEN + 64]; /* "ok", "failed: ...", or "" without cleanup */
};

struct gd_lab {
	const char *path;
	const char *bank;           /* the bank's id, for the journal */
	struct gd_session *s;       /* inventory, connections, journal; NULL until opened */
	const struct gd_inventory *inv;
	long limit_s;               /* --practical-limit; 0 for twice the target */
	struct gd_prac *p;          /* one per bank question */
	int watch;                  /* stdin is a terminal: Enter and 'skip' */
	int stopped;                /* interrupted: abandon the quiz */
	int unreachable;            /* the error is a host, not the bank (exit 3) */
};

/* Opens the session on the inventory at path (journals under state_dir,
 * NULL for the default), resolves every practical question's hosts and
 * checks that each of them answers, before any question is asked. */
int gd_lab_open(struct gd_lab *l, const struct gd_bank *b, const char *path, const char *state_dir,
    char *err, size_t errlen);

/* Runs practical question j (shown as number shown of total): setup, the
 * task, the probe every 2 s until solved, skipped, interrupted or the limit,
 * then cleanup whatever happened. -1 with err when a host cannot be reached
 * or setup fails; an interrupt sets l->stopped. */
int gd_lab_practical(struct gd_lab *l, const struct gd_bank *b, size_t j, size_t shown,
    size_t total, char *err, size_t errlen);

/* The session's recover pass (nothing the lab set up stays), then frees it all. */
void gd_lab_free(struct gd_lab *l, size_t nq);

#endif
