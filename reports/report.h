/* report.h: a run's result (the JSON of `gameday run --json`) as Markdown,
 * an SVG timeline, JUnit XML, a Prometheus textfile, and committed into the
 * doc repo. Every writer appends to a caller-owned gd_buf and returns 0, or
 * -1 with a message in err. */
#ifndef GD_REPORT_H
#define GD_REPORT_H

#include <jansson.h>

#include "gd.h"

/* svg_name: the timeline's file name without ".svg" (NULL: no link). */
int gd_report_markdown(const json_t *res, const char *svg_name, struct gd_buf *out, char *err,
    size_t errlen);
int gd_report_svg(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
int gd_report_junit(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
int gd_report_metrics(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
/* The metrics of res written atomically to path. */
int gd_report_metrics_write(const json_t *res, const char *path, char *err, size_t errlen);
/* A drill's result as a textfile. The drill JSON (shape may still grow):
 *   {"id": "orders-db", "verdict": "pass"|"fail", "ended": EPOCH_MS,
 *    "rto_ms": N, "backup_age_ms": N (the RPO), "verified_bytes": N}
 * id, verdict and ended are required; a missing rto_ms or backup_age_ms is
 * NaN. Metrics, each labelled drill="ID":
 *   gameday_drill_last_success_timestamp_seconds  ended, only when it passed
 *   gameday_drill_last_run_timestamp_seconds      ended
 *   gameday_drill_success                         1 or 0
 *   gameday_drill_rto_seconds, gameday_drill_backup_age_seconds
 *   gameday_drill_last_verified_bytes             this run
 *   gameday_drill_verified_bytes_total            counter over all runs
 * prev is the previous textfile (NULL: none): a failed drill carries its
 * success timestamp over, so that "no success for 35 days" alerts still see
 * the last one; with no previous success the family is left out (alert with
 * absent()). The counter adds to its previous value. One file per drill:
 * samples of other drills in prev are not kept. */
int gd_report_drill_metrics(const json_t *drill, const char *prev, struct gd_buf *out, char *err,
    size_t errlen);
/* Reads path (if it exists) as prev, then writes the drill's metrics there
 * atomically. */
int gd_report_drill_metrics_write(const json_t *drill, const char *path, char *err,
    size_t errlen);
/* The JUnit XML of res written atomically to path. */
int gd_report_junit_write(const json_t *res, const char *path, char *err, size_t errlen);

/* The "## Timeline" section alone (for postmortem stubs). */
void gd_report_timeline_md(const json_t *res, struct gd_buf *out);
/* Time to detect and to recover in ms, from the first injection; -1 when
 * the run has none. */
long long gd_report_mttd(const json_t *res);
long long gd_report_mttr(const json_t *res);
/* "1.2 s", or "-" for a negative value, into a caller buffer. */
const char *gd_report_secs(long long ms, char *buf, size_t len);
/* Appends s with & < > " ' as XML entities and control bytes dropped. */
void gd_report_xml_escape(struct gd_buf *b, const char *s);
/* The corrective actions the findings call for: an array of strings (new reference). */
json_t *gd_report_actions(const json_t *res);
/* The findings of res plus those a report adds (a missing runbook); new reference. */
json_t *gd_report_findings(const json_t *res);

/* Writes ha-tests/DATE-ID.{md,json,svg}, the ha-tests/README.md index and,
 * when a trigger hits, postmortems/DATE-ID.md into the git repository docs,
 * and commits only those. Returns 0, -1 on an error, or -2 when it refused
 * to touch a path with uncommitted changes (nothing written). author:
 * "Name <email>" or NULL for git config. */
int gd_docs_commit_run(const char *docs, const json_t *res, const char *author, char *err,
    size_t errlen);

#endif
