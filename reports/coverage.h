/* coverage.h: alert coverage, which alerts game days have proven to fire.
 * Read from the results' "alerts" list (one entry per alert probe: alert,
 * expect, fired, ttd_ms, ok), through the one result reader. */
#ifndef GD_COVERAGE_H
#define GD_COVERAGE_H

#include <stddef.h>

#include <jansson.h>

#include "gd.h"

/* The coverage of the alerts named (names may be NULL: only the alerts the
 * results mention) over results (an array as gd_results_load gives):
 *   { "game_days": N, "alerts": [ { alert, state = "not-fired" | "never" |
 *     "proven", last_proven: { id, started, ttd_ms, file } | null,
 *     proven: N, expected: N, last_miss: { id, started, file } | null } ] }
 * Alerts a game day expected but that did not fire (at their last
 * expectation) come first, then those never proven, then the proven, each
 * by name. New reference. */
json_t *gd_alert_coverage(const json_t *results, const char *const *names, size_t nnames);

/* The coverage page (ha-tests/alert-coverage.md) as Markdown into out. */
void gd_alert_coverage_markdown(const json_t *cov, struct gd_buf *out);

/* The same as text for a terminal. */
void gd_alert_coverage_text(const json_t *cov, FILE *out);

/* Rewrites ha-tests/alert-coverage.md in the doc repo o->docs from every
 * result there (names as above) and commits it through the doc-repo writer
 * (and pushes, as o says). 0 (also when the page is unchanged), or what
 * gd_docs_write returns, with err. */
struct gd_docs_opts;
int gd_alert_coverage_commit(const struct gd_docs_opts *o, const char *const *names, size_t nnames,
    char *err, size_t errlen);

#endif
