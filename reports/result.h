/* result.h: the one result model. Every result gameday writes (a game day
 * run, a restore drill, a quiz, a wheel spin, a readiness check) carries the
 * same envelope beside its own body:
 *
 *   kind          "run" | "drill" | "quiz" | "wheel" | "readiness"
 *   id            what was played: the scenario, drill, bank or profile id
 *   verdict       "pass" | "fail" | "error" | "aborted" | "none" (a wheel spin)
 *   started,
 *   ended         epoch ms (UTC)
 *   participants  [names]: --participant, a quiz's or wheel's player
 *   hosts         [names] the result touched
 *
 * and, for a run, its times from the first injection, in whole ms (null when
 * not measured):
 *
 *   ttd_ms        time to detect: the first failed probe, or the game
 *                 master's "detected"
 *   ttm_ms        time to mitigate (live sessions: the game master's mark)
 *   ttr_ms        time to resolve: the steady state back (live: "resolved")
 *
 * Every output takes these figures from here (gd_result_times), so one run
 * reads the same everywhere. One reader (gd_results_load) gives history,
 * readiness and the wheel the same classified results. */
#ifndef GD_RESULT_H
#define GD_RESULT_H

#include <stddef.h>

#include <jansson.h>

enum gd_result_kind {
	GD_RESULT_OTHER,
	GD_RESULT_RUN,
	GD_RESULT_DRILL,
	GD_RESULT_QUIZ,
	GD_RESULT_WHEEL,
	GD_RESULT_READINESS,
};

/* "run", "drill", ...; "other" for GD_RESULT_OTHER. */
const char *gd_result_kind_name(enum gd_result_kind k);

/* The envelope's kind, else what the body's shape says: a scenario object
 * (run), a bank with a percent (quiz), requirements (readiness), a seed with
 * a scenario id (wheel), a backup, rto_ms, objectives or drill object (drill). */
enum gd_result_kind gd_result_kind(const json_t *res);

/* A run's times from the first injection, in ms; -1 when not measured. */
struct gd_result_times {
	long long ttd, ttm, ttr;
};

/* The one definition: from the earliest faults[].injected_ms to
 * detected_ms, mitigated_ms and recovered_ms (all on the run's clock), never
 * below 0. A result with no injection or no such mark keeps a ttd_ms (ttm_ms,
 * ttr_ms) it already carries, else -1. */
void gd_result_times(const json_t *res, struct gd_result_times *t);

/* Adds (or refreshes) the envelope on res in place; kind GD_RESULT_OTHER
 * takes gd_result_kind(res). participants (may be NULL) are added to the
 * ones the body names. Idempotent. */
void gd_result_envelope(json_t *res, enum gd_result_kind kind, const char *const *participants,
    size_t nparticipants);

/* When the result started (envelope or body), in epoch ms; 0 when unknown. */
long long gd_result_started(const json_t *res);

/* 1 when the envelope (or the body: participant, participants, a
 * readiness check's name) names name. */
int gd_result_names(const json_t *res, const char *name);

/* Every result under dir, each with its envelope and "__file" (the path):
 * in a doc repo (dir has one of the report folders ha-tests, ha-tests/wheel,
 * restore-drills, internal-tests, internal-tests/readiness) the *.json of
 * those folders, else the *.json of dir itself; a JSON array in path order
 * (caller decrefs). -1 with err naming
 * the file that is not a JSON object, or the directory that cannot be read. */
int gd_results_load(const char *dir, json_t **out, char *err, size_t errlen);

#endif
