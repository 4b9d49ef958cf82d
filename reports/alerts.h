/* alerts.h: Prometheus alerting rules read from their files (libyaml), each
 * alert's runbook found in the doc repo and checked against the template;
 * runbook stubs for the alerts that have none. */
#ifndef GD_ALERTS_H
#define GD_ALERTS_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "gd.h"

enum gd_alert_status {
	GD_ALERT_OK,            /* the runbook exists, has the sections and the anchor */
	GD_ALERT_NO_RUNBOOK,    /* no annotations.runbook_url (or runbook) */
	GD_ALERT_OUTSIDE,       /* a URL no runbook_url_prefix maps into the doc repo */
	GD_ALERT_NO_FILE,       /* the file it points at is not in the doc repo */
	GD_ALERT_SECTIONS,      /* the file lacks template sections */
	GD_ALERT_NO_ANCHOR,     /* the file has no heading for its #anchor */
};

struct gd_alert_rule {
	char *file;             /* the rule file, as given */
	size_t line;            /* of its `alert:` */
	char *group, *alert, *expr, *severity;
	char *runbook;          /* the annotation's value, NULL when none */
	/* filled by gd_alerts_check */
	enum gd_alert_status status;
	char *path, *anchor;    /* in the doc repo; NULL when unknown */
	char *missing;          /* sections, comma-separated, when GD_ALERT_SECTIONS */
};

struct gd_alert_rules {
	struct gd_alert_rule *r;
	size_t n;
};

/* Appends the alerting rules of a Prometheus rule file (groups: - name:
 * rules: - alert:); recording rules are skipped. A file that is not one is
 * refused: "FILE: line N: what". 0 or -1. */
int gd_alert_rules_load(struct gd_alert_rules *rs, const char *path, char *err, size_t errlen);
void gd_alert_rules_free(struct gd_alert_rules *rs);

/* Resolves and checks every rule's runbook in the doc repo docs: a path
 * relative to the repo, or a URL under one of the runbook_url_prefix values
 * of docs/.gameday.yaml. Returns how many are not OK, or -1 with err. */
int gd_alerts_check(struct gd_alert_rules *rs, const char *docs, char *err, size_t errlen);

/* One line per rule to out ("rules.yml: line 9: WebDown: ok: runbooks/web.md#webdown"). */
void gd_alerts_print(const struct gd_alert_rules *rs, FILE *out);
json_t *gd_alerts_json(const struct gd_alert_rules *rs);

/* Commits a runbook stub from the template for every rule whose runbook
 * file is missing (at the path its URL names, or runbooks/ALERT.md when it
 * has none), through the doc-repo writer (o: the repo, author, push). Files
 * that exist are never touched. Prints what it wrote; returns how many, or
 * -1 with err; *wrc is gd_docs_write's result (GD_DOCS_UNPUSHED: committed,
 * not pushed, err says why). */
struct gd_docs_opts;
int gd_alerts_write_stubs(const struct gd_alert_rules *rs, const struct gd_docs_opts *o, FILE *out,
    int *wrc, char *err, size_t errlen);

#endif
