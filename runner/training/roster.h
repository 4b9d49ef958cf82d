/* roster.h: a roster (YAML) of participants, tag weights and plays. */
#ifndef GD_ROSTER_H
#define GD_ROSTER_H

#include <stddef.h>

#include "wheel.h"

struct gd_roster_person {
	char *name, *start;    /* start: on-call start date as written, may be NULL */
	size_t line;
};

struct gd_roster {
	char *path;
	struct gd_roster_person *people;
	size_t npeople;
	struct gd_wheel_weight *weights;
	size_t nweights;
	struct gd_wheel_play *plays;
	size_t nplays;
	long no_repeat;        /* -1 when the roster does not say */
};

/* Reads a roster (YAML). -1 with "FILE: line N: what"; r is then empty. */
int gd_roster_load(struct gd_roster *r, const char *path, char *err, size_t errlen);
void gd_roster_free(struct gd_roster *r);

#endif
