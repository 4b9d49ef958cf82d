/* report.h: a run's result (the JSON of `gameday run --json`) as Markdown,
 * an SVG timeline, JUnit XML, a Prometheus textfile, and committed into the
 * doc repo. Every writer appends to a caller-owned gd_buf and returns 0, or
 * -1 with a message in err. */
#ifndef GD_REPORT_H
#define GD_REPORT_H

#include <time.h>

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
/* Appends s with & < > " ' as XML entities and control bytes dropped. */
void gd_report_xml_escape(struct gd_buf *b, const char *s);
/* The corrective actions the findings call for: an array of strings (new reference). */
json_t *gd_report_actions(const json_t *res);
/* The findings of res plus those a report adds (a missing runbook); new reference. */
json_t *gd_report_findings(const json_t *res);

/* Writes ha-tests/DATE-ID.{md,json,svg}, the ha-tests/README.md index and,
 * the doc repo's findings (gd_report_docs_findings) added,
 * when a trigger hits, postmortems/DATE-ID.md into the git repository docs,
 * and commits only those. Returns 0, -1 on an error, or -2 when it refused
 * to touch a path with uncommitted changes (nothing written). author:
 * "Name <email>" or NULL for git config. */
int gd_docs_commit_run(const char *docs, const json_t *res, const char *author, char *err,
    size_t errlen);

/* The findings of res that need the doc repo (workdir: its work tree):
 * the scenario's runbook link whose file is missing there. A copy of res
 * with them added to "findings" (new reference). */
json_t *gd_report_docs_findings(const json_t *res, const char *workdir);

/* A drill's result (`gameday drill --json`) as a Markdown report. */
int gd_report_drill_markdown(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
/* The same, linking the timeline svg_name.svg (without ".svg"; NULL: no link)
 * under "## Phases and RTO". */
int gd_report_drill_markdown_svg(const json_t *res, const char *svg_name, struct gd_buf *out,
    char *err, size_t errlen);
/* The drill's phases (phases.*_ms: stream and verify, restore, probes,
 * teardown, cleanup) as a Gantt chart on an axis in seconds, the RTO objective
 * as a vertical line (red when missed), the verification counts as a caption.
 * Each phase bar is a <rect class="phase-NAME">. */
int gd_report_drill_svg(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
/* A count the drill gives as a list, an object or a number. */
long long gd_report_count_of(const json_t *v);
/* The drill's phases as a "## Timeline" section (for postmortem stubs). */
void gd_report_drill_timeline_md(const json_t *res, struct gd_buf *out);
/* Why the drill calls for a postmortem (data loss: a manifest mismatch, a
 * refused archive; a failed restore or verify probe), or NULL. */
const char *gd_report_drill_postmortem(const json_t *res);
/* The drill's findings [{kind, text}] and corrective actions [string]; new references. */
json_t *gd_report_drill_findings(const json_t *res);
json_t *gd_report_drill_actions(const json_t *res);
/* JUnit: one testcase per drill phase (stream and verify, restore, verify
 * probes, teardown, cleanup) and per objective. */
int gd_report_drill_junit(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
int gd_report_drill_junit_write(const json_t *res, const char *path, char *err, size_t errlen);

/* A quiz's result (`gameday quiz --json`) as a Markdown report: scores per
 * topic, each question, the gaps with their remedies as corrective actions. */
int gd_report_quiz_markdown(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
/* The same, linking svg_name.svg (NULL: no link) under "## Scores per topic". */
int gd_report_quiz_markdown_svg(const json_t *res, const char *svg_name, struct gd_buf *out,
    char *err, size_t errlen);
/* Score percent per topic as horizontal bars (<rect class="topic">), the pass
 * mark as a vertical line. */
int gd_report_quiz_svg(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
/* JUnit: one testcase per question, a failure when not fully right,
 * skipped when not graded here (practical). */
int gd_report_quiz_junit(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
int gd_report_quiz_junit_write(const json_t *res, const char *path, char *err, size_t errlen);
/* Prometheus textfile: gameday_quiz_score_percent{bank,participant},
 * gameday_quiz_topic_score_percent{bank,participant,topic}, gameday_quiz_passed,
 * gameday_quiz_gaps. */
int gd_report_quiz_metrics(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
int gd_report_quiz_metrics_write(const json_t *res, const char *path, char *err, size_t errlen);

/* The doc repo, opened; base is DATE-NAME after gd_docs_base. */
struct gd_docs {
	const char *docs;	/* as given */
	const char *dir;	/* the work tree, ending in '/' */
	void *repo;		/* git_repository */
	char date[16], base[320];
};
int gd_docs_open(struct gd_docs *d, const char *docs, char *err, size_t errlen);
void gd_docs_close(struct gd_docs *d);
/* d->date from when (0: now), d->base DATE-NAME, or DATE-NAME-2, -3...
 * until FOLDER/BASE.md and .json are both free. */
void gd_docs_base(struct gd_docs *d, const char *folder, time_t when, const char *name);
/* Writes the files (paths relative to the work tree, data[i] each) and
 * (unless folder is NULL) FOLDER/README.md with row first in its index table (index_head: a new
 * README's text; from its "| " line on, the table put below a README that
 * has none), each atomically, and commits only those on HEAD with msg.
 * Refuses (-2, nothing written) when one of them has uncommitted changes;
 * -1 on an error. author: "Name <email>" or NULL for git config. */
int gd_docs_commit(struct gd_docs *d, const char *folder, const char *index_head, const char *row,
    size_t nfiles, const char *const *paths, const struct gd_buf *data, const char *author,
    const char *msg, char *err, size_t errlen);
/* restore-drills/DATE-ID.{md,json}, its index row and, on data loss or a
 * failed restore, postmortems/DATE-ID.md; as gd_docs_commit_run. */
int gd_docs_commit_drill(const char *docs, const json_t *res, const char *author, char *err,
    size_t errlen);
/* internal-tests/DATE-BANK-PARTICIPANT.{md,json} and its index row. */
int gd_docs_commit_quiz(const char *docs, const json_t *res, const char *author, char *err,
    size_t errlen);

/* A readiness check (`gameday readiness`), as built there:
 *   {name, profile, profile_file, date "YYYY-MM-DDTHH:MM:SSZ", ready, missing,
 *    total, requirements: [{kind bank|topic|live|restore, name, ok, value, min,
 *    days, text}]}
 * as Markdown: the verdict, each requirement ok or missing with its figures. */
int gd_report_readiness_markdown(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
/* internal-tests/readiness/DATE-NAME.{md,json} and its index row; as gd_docs_commit_quiz. */
int gd_docs_commit_readiness(const char *docs, const json_t *res, const char *author, char *err,
    size_t errlen);
/* gameday_readiness_ready{participant} 1/0, gameday_readiness_missing{participant}. */
int gd_report_readiness_metrics(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
int gd_report_readiness_metrics_write(const json_t *res, const char *path, char *err, size_t errlen);
/* A wheel session that is not played live (`gameday wheel --json` with
 * date added): {scenario, title, participant, seed, excluded, date,
 * tabletop: {narrative, injects, hints, questions}} as Markdown. */
int gd_report_wheel_markdown(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
/* ha-tests/wheel/DATE-SCENARIO.{md,json} and its index row. */
int gd_docs_commit_wheel(const char *docs, const json_t *res, const char *author, char *err,
    size_t errlen);
/* gameday_exec_hosts (no _total: a gauge), gameday_exec_hosts_failed,
 * gameday_exec_hosts_unreachable, gameday_exec_duration_seconds,
 * gameday_exec_last_timestamp_seconds, each {pattern}, written atomically to path. */
int gd_report_exec_metrics_write(const char *pattern, size_t hosts, size_t failed,
    size_t unreachable, long long duration_ms, const char *path, char *err, size_t errlen);
/* gameday_verify_success, _entries, _bytes, _last_timestamp_seconds, each
 * {archive}, written atomically to path. */
int gd_report_verify_metrics_write(const char *archive, int success, unsigned long long entries,
    unsigned long long bytes, const char *path, char *err, size_t errlen);

/* gameday_wheel_last_pick_timestamp_seconds{scenario,participant} (now),
 * then, when run_metrics is not NULL (a live session: the run's textfile,
 * from gd_report_metrics), that text; written atomically to path. */
int gd_report_wheel_metrics_write(const char *scenario, const char *participant,
    const char *run_metrics, const char *path, char *err, size_t errlen);
/* gameday_recover_reverted, _failed, _unreachable, _last_timestamp_seconds
 * (now), written atomically to path. */
int gd_report_recover_metrics_write(size_t reverted, size_t failed, size_t unreachable,
    const char *path, char *err, size_t errlen);

/* o[key] as a string ("" when missing) and as a whole number (dflt when missing). */
const char *gd_json_str(const json_t *o, const char *key);
long long gd_json_num(const json_t *o, const char *key, long long dflt);

/* Shared by the report writers: a Markdown table cell (" text |", pipes
 * escaped, newlines as <br>); a file-name-safe slug of s into d[len]; a JSON
 * twin (indented, keys sorted, newline-terminated); a Prometheus label value
 * (backslash, quote and newline escaped). */
void gd_md_cell(struct gd_buf *b, const char *s);
void gd_docs_slug(char *d, const char *s, size_t len);
void gd_docs_twin(const json_t *res, struct gd_buf *b);
void gd_prom_label(struct gd_buf *b, const char *s);

#endif
