/* runbook.h: the doc repo read back: runbooks checked against the team's
 * template, and the distributions `gameday history` prints. */
#ifndef GD_RUNBOOK_H
#define GD_RUNBOOK_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "gd.h"

/* The template's section names; the default list, or one per line of
 * DIR/.gameday-runbook-template when that file exists. */
struct gd_runbook_template {
	char **names;
	size_t n;
};

int gd_runbook_template_load(struct gd_runbook_template *t, const char *docs, char *err,
    size_t errlen);
void gd_runbook_template_free(struct gd_runbook_template *t);

/* The template sections that Markdown text lacks, comma-separated into
 * missing (caller-owned); returns how many. Headings are ATX (`#`..`######`)
 * or setext (`===`/`---` under a line), of any level, outside fenced code,
 * matched case-insensitively. */
size_t gd_runbook_missing(const char *text, const struct gd_runbook_template *t,
    struct gd_buf *missing);

/* Calls fn with the text of every heading of Markdown text, in order, as
 * gd_runbook_missing sees them. */
void gd_runbook_headings(const char *text, void (*fn)(const char *heading, void *arg), void *arg);

/* The anchor GitHub and GitLab give a heading ("Restart the web!" ->
 * "restart-the-web"), appended to out. */
void gd_runbook_slug(const char *heading, struct gd_buf *out);

/* Whether Markdown text has the anchor (without '#'): a heading whose slug
 * it is (a repeated one with -1, -2...), or <a id=".."> / <a name="..">. */
int gd_runbook_has_anchor(const char *text, const char *anchor);

/* Whether ref ("runbooks/web.md#restart", relative to the doc repo docs)
 * resolves: its file exists and, with an anchor, has it
 * (gd_runbook_has_anchor). 0 yes (or a URL, not checked), 1 no with why
 * filled ("runbooks/web.md has no section #restart"). */
int gd_runbook_ref_check(const char *docs, const char *ref, struct gd_buf *why);

/* Checks every .md file in DIR/runbooks, printing one line per runbook that lacks a
 * section ("runbooks/web.md: missing sections: Alerts") to out. Returns the
 * number of incomplete runbooks, or -1 with err filled. */
int gd_runbook_check_dir(const char *docs, FILE *out, char *err, size_t errlen);

#endif
