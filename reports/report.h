/* report.h: a run's result (the JSON of `gameday run --json`) as Markdown,
 * an SVG timeline, JUnit XML, a Prometheus textfile, and committed into the
 * doc repo. Every writer appends to a caller-owned gd_buf and returns 0, or
 * -1 with a message in err. */
#ifndef GD_REPORT_H
#define GD_REPORT_H

#include <time.h>

#include <jansson.h>

#include "docs.h"
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
/* The findings of a quiz that need the doc repo (workdir: its work tree):
 * each gap's remedy whose file or #anchor is missing there, once. A copy of
 * res with them in "findings" (new reference). */
json_t *gd_report_quiz_docs_findings(const json_t *res, const char *workdir);
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

/* A readiness check (`gameday readiness`), as built there:
 *   {name, profile, profile_file, date "YYYY-MM-DDTHH:MM:SSZ", ready, missing,
 *    total, requirements: [{kind bank|topic|live|restore, name, ok, value, min,
 *    days, text}]}
 * as Markdown: the verdict, each requirement ok or missing with its figures. */
int gd_report_readiness_markdown(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
/* gameday_readiness_ready{participant} 1/0, gameday_readiness_missing{participant}. */
int gd_report_readiness_metrics(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
int gd_report_readiness_metrics_write(const json_t *res, const char *path, char *err, size_t errlen);
/* A wheel session that is not played live (`gameday wheel --json` with
 * date added): {scenario, title, participant, seed, excluded, date,
 * tabletop: {narrative, injects, hints, questions}} as Markdown. */
int gd_report_wheel_markdown(const json_t *res, struct gd_buf *out, char *err, size_t errlen);
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
/* The Monitoring section of a game-day report (monitoring_md.c): alerts
 * timed against the injection and revert, TTD by monitoring, SLOs. */
void gd_report_monitoring_md(const json_t *res, struct gd_buf *out);
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
/* One Prometheus family of one sample: HELP, TYPE, name{key="val"} v (NaN as NaN). */
void gd_prom_family(struct gd_buf *b, const char *name, const char *type, const char *help,
    const char *key, const char *val, double v);
/* b written atomically to path, then freed. */
int gd_prom_write(struct gd_buf *b, const char *path, char *err, size_t errlen);
/* s upper-cased into d[len]. */
void gd_report_upper(char *d, const char *s, size_t len);
/* Corrective actions (strings) as "- [ ] ..." lines; a TODO when none. */
void gd_report_checklist(struct gd_buf *b, const json_t *acts);
/* The date (YYYY-MM-DD, UTC, of the result's start; today when unknown)
 * and the base DATE-NAME (NAME slugged) a report's files are named after. */
void gd_report_base(const json_t *res, const char *name, char date[16], char *base, size_t len);
/* A Markdown link to ref (a path relative to the doc repo's root, or a URL)
 * from a report depth folders down: [text](../ref); text NULL: ref. */
void gd_report_link(struct gd_buf *b, const char *ref, int depth, const char *text);
/* Link or cell text: pipes and brackets escaped, newlines dropped. */
void gd_md_text(struct gd_buf *b, const char *s);
/* FOLDER/BASE.EXT with b's text, into c. */
void gd_report_add(struct gd_docs_change *c, const char *folder, const char *base, const char *ext,
    const struct gd_buf *b);
/* c through gd_docs_write, then freed. */
int gd_report_commit(const struct gd_docs_opts *o, struct gd_docs_change *c, char *err, size_t errlen);
/* FOLDER/BASE.md (md's text and a link to its twin) and BASE.json, a row
 * "| DATE |row_tail [report](BASE.md) |" in FOLDER/README.md (made from
 * head when missing), as one commit with msg. */
int gd_report_commit_md(const struct gd_docs_opts *o, const char *folder, const char *name,
    const json_t *res, int (*md)(const json_t *, struct gd_buf *, char *, size_t), const char *head,
    const char *row_tail, const char *msg, char *err, size_t errlen);

#endif
