/* wheel.h: the wheel of misfortune's pick.
 *
 * The pick is a pure function of its inputs and a seed, so that a spin can
 * be replayed and tested over many seeds. */
#ifndef GD_WHEEL_H
#define GD_WHEEL_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64 (Steele, Lea, Flood 2014): one 64-bit state, one add and a
 * mix per draw; small, fast, and the same on every platform. */
uint64_t gd_wheel_rand(uint64_t *state);

struct gd_wheel_weight {
	char *tag;
	double w;              /* >= 0; a tag not listed weighs 1 */
};

/* A scenario's weight: the product of its tags' weights (1 each when not
 * listed), so a tag of weight 0 takes a scenario off the wheel. */
double gd_wheel_weight(const char *const *tags, size_t ntags, const struct gd_wheel_weight *w,
    size_t nw);

struct gd_wheel_scn {
	const char *id;
	double weight;
};

struct gd_wheel_person {
	const char *name;
	unsigned plays;        /* times played so far */
};

struct gd_wheel_pick {
	size_t scenario, person;   /* indexes into the caller's arrays */
	size_t eligible;           /* scenarios that were on the wheel */
	size_t ties;               /* people who had played least */
};

/* Picks a scenario at random by weight among those not in recent (ids, as
 * many as the caller keeps), then the person who played least, a tie broken
 * at random; both from seed alone. -1 with err when no scenario is left or
 * there is nobody. */
int gd_wheel_pick(const struct gd_wheel_scn *s, size_t ns, const char *const *recent,
    size_t nrecent, const struct gd_wheel_person *p, size_t np, uint64_t seed,
    struct gd_wheel_pick *out, char *err, size_t errlen);

/* One time a scenario was played; participant may be NULL (a run result
 * that names nobody). */
struct gd_wheel_play {
	char *scenario, *participant;
	long long when;        /* seconds since the epoch, UTC */
};

/* The last n distinct scenario ids played, newest first, into ids (room
 * for n); returns how many. Sorts plays by time. Borrowed from plays. */
size_t gd_wheel_recent(struct gd_wheel_play *plays, size_t nplays, size_t n, const char **ids);

#endif
