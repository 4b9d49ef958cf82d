/* wheel.h: the wheel of misfortune's pick, the roster, and the history of
 * past results that `gameday wheel` and `gameday readiness` read.
 *
 * The pick is a pure function of its inputs and a seed, so that a spin can
 * be replayed and tested over many seeds. */
#ifndef GD_WHEEL_H
#define GD_WHEEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

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

/* "2024-05-02", "2024-05-02T10:00:00Z" or "2024-05-02 10:00" as seconds
 * since the epoch, UTC. -1 when it is not a date. */
int gd_wheel_date(const char *s, long long *when);

/* Every *.json in dir, sorted by name, each an object with "__file" added:
 * a JSON array, caller decrefs. -1 with err naming the file that is not
 * JSON or not an object. */
int gd_history_load(const char *dir, json_t **out, char *err, size_t errlen);

/* What a history object is: quiz results have participant, bank, percent;
 * game days a scenario object with its id; restore drills a drill object. */
enum gd_hist_kind { GD_HIST_OTHER, GD_HIST_QUIZ, GD_HIST_RUN, GD_HIST_DRILL };
enum gd_hist_kind gd_history_kind(const json_t *o);

/* When the result was made (started in ms, or date), 0 when unknown. */
long long gd_history_when(const json_t *o);

/* 1 when the result names name as its participant (participant: NAME, or
 * participants: [..., NAME]). */
int gd_history_names(const json_t *o, const char *name);

#endif
