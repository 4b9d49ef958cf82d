/* alerts.c: every alert has a runbook. Prometheus rule files are read with
 * the one YAML loader (base/yamltree.c); each alert's runbook_url (or
 * runbook) annotation is mapped into the doc repo, and the file it names is
 * checked with runbook.c's template check and anchor rule. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "alerts.h"
#include "report.h"
#include "runbook.h"
#include "yamltree.h"

#define RULES_MAX_BYTES (16L << 20)
#define RULES_MAX_DEPTH 32
#define CONFIG_NAME ".gameday.yaml"

static const char *const status_words[] = {
	"ok", "no runbook", "outside the doc repo", "no such file", "missing sections",
	"no such anchor",
};

static int
is_scalar(const struct gd_ynode *n)
{
	return n != NULL && n->kind == GD_Y_SCALAR && !gd_yaml_is_null(n);
}

static int
only_keys(const struct gd_yaml_ctx *c, const struct gd_ynode *m, const char *const *keys,
    const char *what)
{
	size_t i, k;

	for (i = 0; i + 1 < m->n; i += 2) {
		for (k = 0; keys[k] != NULL; k++)
			if (strcmp(m->kids[i]->str, keys[k]) == 0)
				break;
		if (keys[k] == NULL)
			return gd_yaml_errf(c, m->kids[i]->line, "unknown key '%s' in %s", m->kids[i]->str,
			    what);
	}
	return 0;
}

static char *
str_or_null(const struct gd_ynode *n)
{
	return is_scalar(n) ? gd_xstrdup(n->str) : NULL;
}

static int
load_rule(struct gd_alert_rules *rs, const struct gd_yaml_ctx *c, const char *group,
    const struct gd_ynode *r)
{
	static const char *const keys[] = { "alert", "record", "expr", "for", "keep_firing_for",
	    "labels", "annotations", NULL };
	const struct gd_ynode *alert = gd_yaml_get(r, "alert"), *ann, *labels, *rb;
	struct gd_alert_rule *a;

	if (r->kind != GD_Y_MAP)
		return gd_yaml_errf(c, r->line, "a rule is a mapping with alert: or record:");
	if (only_keys(c, r, keys, "a rule") == -1)
		return -1;
	if (alert == NULL)
		return gd_yaml_get(r, "record") != NULL ? 0 :
		    gd_yaml_errf(c, r->line, "a rule needs alert: or record:");
	if (!is_scalar(alert))
		return gd_yaml_errf(c, alert->line, "alert: must be the alert's name");
	if (!is_scalar(gd_yaml_get(r, "expr")))
		return gd_yaml_errf(c, alert->line, "alert %s has no expr", alert->str);
	ann = gd_yaml_get(r, "annotations");
	labels = gd_yaml_get(r, "labels");
	if ((ann != NULL && ann->kind != GD_Y_MAP && !gd_yaml_is_null(ann)) ||
	    (labels != NULL && labels->kind != GD_Y_MAP && !gd_yaml_is_null(labels)))
		return gd_yaml_errf(c, alert->line, "alert %s: labels and annotations are mappings",
		    alert->str);
	rb = ann != NULL && ann->kind == GD_Y_MAP ? gd_yaml_get(ann, "runbook_url") : NULL;
	if (rb == NULL && ann != NULL && ann->kind == GD_Y_MAP)
		rb = gd_yaml_get(ann, "runbook");
	rs->r = gd_xrealloc(rs->r, (rs->n + 1) * sizeof(*rs->r));
	a = &rs->r[rs->n++];
	memset(a, 0, sizeof(*a));
	a->file = gd_xstrdup(c->name);
	a->line = alert->line;
	a->group = gd_xstrdup(group);
	a->alert = gd_xstrdup(alert->str);
	a->expr = gd_xstrdup(gd_yaml_get(r, "expr")->str);
	a->severity = labels != NULL && labels->kind == GD_Y_MAP ?
	    str_or_null(gd_yaml_get(labels, "severity")) : NULL;
	a->runbook = str_or_null(rb);
	return 0;
}

int
gd_alert_rules_load(struct gd_alert_rules *rs, const char *path, char *err, size_t errlen)
{
	static const char *const top[] = { "groups", NULL };
	static const char *const gkeys[] = { "name", "interval", "limit", "query_offset", "labels",
	    "rules", NULL };
	struct gd_yaml_ctx c = { path, err, errlen };
	struct gd_yaml_opts o = { .what = "a rule file", .big = ", not a rule file",
	    .max_bytes = RULES_MAX_BYTES, .max_depth = RULES_MAX_DEPTH, .aliases = 0,
	    .mapping = gd_yaml_no_dup_keys, .arg = &c };
	struct gd_ynode *root = NULL, *groups;
	size_t i, k;
	int ret = -1;

	if (gd_yaml_load(path, &o, &root, err, errlen) != 0)
		return -1;
	if (root == NULL || root->kind != GD_Y_MAP) {
		gd_errf(err, errlen, "%s: not a Prometheus rule file (groups: - name: ... rules: ...)",
		    path);
		goto out;
	}
	if (only_keys(&c, root, top, "a rule file") == -1)
		goto out;
	if ((groups = gd_yaml_get(root, "groups")) == NULL || groups->kind != GD_Y_SEQ) {
		gd_yaml_errf(&c, root->line, "groups: must be a list of rule groups");
		goto out;
	}
	for (i = 0; i < groups->n; i++) {
		const struct gd_ynode *g = groups->kids[i], *name, *rules;

		if (g->kind != GD_Y_MAP || !is_scalar(name = gd_yaml_get(g, "name"))) {
			gd_yaml_errf(&c, g->line, "a group is a mapping with a name:");
			goto out;
		}
		if (only_keys(&c, g, gkeys, "a rule group") == -1)
			goto out;
		if ((rules = gd_yaml_get(g, "rules")) == NULL || gd_yaml_is_null(rules))
			continue;
		if (rules->kind != GD_Y_SEQ) {
			gd_yaml_errf(&c, rules->line, "rules: must be a list");
			goto out;
		}
		for (k = 0; k < rules->n; k++)
			if (load_rule(rs, &c, name->str, rules->kids[k]) == -1)
				goto out;
	}
	ret = 0;
out:
	gd_yaml_free(root);
	return ret;
}

void
gd_alert_rules_free(struct gd_alert_rules *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		struct gd_alert_rule *a = &rs->r[i];

		free(a->file);
		free(a->group);
		free(a->alert);
		free(a->expr);
		free(a->severity);
		free(a->runbook);
		free(a->path);
		free(a->anchor);
		free(a->missing);
	}
	free(rs->r);
	rs->r = NULL;
	rs->n = 0;
}

/* runbook_url_prefix in DOCS/.gameday.yaml: one URL or a list of them. */
static int
load_prefixes(const char *docs, char ***pfx, size_t *n, char *err, size_t errlen)
{
	char *path = gd_xasprintf("%s/" CONFIG_NAME, docs);
	struct gd_yaml_ctx c = { path, err, errlen };
	struct gd_yaml_opts o = { .what = "the gameday settings", .big = ", not gameday settings",
	    .max_bytes = 1 << 20, .max_depth = 16, .mapping = gd_yaml_no_dup_keys, .arg = &c };
	struct gd_ynode *root = NULL, *v;
	size_t i;
	int ret = -1;

	*pfx = NULL;
	*n = 0;
	if (access(path, F_OK) != 0) {
		free(path);
		return 0;
	}
	if (gd_yaml_load(path, &o, &root, err, errlen) != 0)
		goto out;
	if (root != NULL && root->kind != GD_Y_MAP) {
		gd_errf(err, errlen, "%s: must be a mapping", path);
		goto out;
	}
	v = root != NULL ? gd_yaml_get(root, "runbook_url_prefix") : NULL;
	if (v != NULL && v->kind == GD_Y_SCALAR && !gd_yaml_is_null(v)) {
		*pfx = gd_xcalloc(1, sizeof(char *));
		(*pfx)[(*n)++] = gd_xstrdup(v->str);
	} else if (v != NULL && v->kind == GD_Y_SEQ) {
		*pfx = gd_xcalloc(v->n + 1, sizeof(char *));
		for (i = 0; i < v->n; i++) {
			if (!is_scalar(v->kids[i])) {
				gd_yaml_errf(&c, v->kids[i]->line, "runbook_url_prefix: a list of URLs");
				goto out;
			}
			(*pfx)[(*n)++] = gd_xstrdup(v->kids[i]->str);
		}
	} else if (v != NULL && !gd_yaml_is_null(v)) {
		gd_yaml_errf(&c, v->line, "runbook_url_prefix: a URL or a list of URLs");
		goto out;
	}
	ret = 0;
out:
	gd_yaml_free(root);
	free(path);
	return ret;
}

/* Maps a runbook annotation to a path in the doc repo and its anchor. */
static void
resolve(struct gd_alert_rule *a, char *const *pfx, size_t npfx)
{
	const char *v = a->runbook, *rel = NULL, *hash;
	size_t i, len;

	if (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0) {
		for (i = 0; i < npfx && rel == NULL; i++)
			if (strncmp(v, pfx[i], strlen(pfx[i])) == 0)
				rel = v + strlen(pfx[i]);
	} else {
		rel = v;
	}
	if (rel == NULL) {
		a->status = GD_ALERT_OUTSIDE;
		return;
	}
	while (*rel == '/' || strncmp(rel, "./", 2) == 0)
		rel += *rel == '/' ? 1 : 2;
	hash = strchr(rel, '#');
	len = hash != NULL ? (size_t)(hash - rel) : strlen(rel);
	a->path = gd_xasprintf("%.*s", (int)len, rel);
	if (hash != NULL && hash[1] != '\0')
		a->anchor = gd_xstrdup(hash + 1);
	/* nothing may lead out of the repo */
	if (len == 0 || strcmp(a->path, "..") == 0 || strncmp(a->path, "../", 3) == 0 ||
	    strstr(a->path, "/../") != NULL || (len >= 3 && strcmp(a->path + len - 3, "/..") == 0))
		a->status = GD_ALERT_OUTSIDE;
}

int
gd_alerts_check(struct gd_alert_rules *rs, const char *docs, char *err, size_t errlen)
{
	struct gd_runbook_template t = { 0 };
	char **pfx = NULL, e[GD_ERRLEN];
	size_t npfx = 0, i;
	int bad = 0, ret = -1;

	if (access(docs, F_OK) != 0) {
		gd_errf(err, errlen, "%s: %s", docs, strerror(errno));
		return -1;
	}
	if (gd_runbook_template_load(&t, docs, err, errlen) != 0 ||
	    load_prefixes(docs, &pfx, &npfx, err, errlen) != 0)
		goto out;
	for (i = 0; i < rs->n; i++) {
		struct gd_alert_rule *a = &rs->r[i];
		struct gd_buf miss = { 0 };
		char *full, *text;

		a->status = GD_ALERT_OK;
		if (a->runbook == NULL) {
			a->status = GD_ALERT_NO_RUNBOOK;
		} else if (resolve(a, pfx, npfx), a->status == GD_ALERT_OK) {
			full = gd_xasprintf("%s/%s", docs, a->path);
			if ((text = gd_read_file(full, 16 << 20, NULL, e, sizeof(e))) == NULL) {
				a->status = GD_ALERT_NO_FILE;
			} else {
				if (gd_runbook_missing(text, &t, &miss) > 0) {
					a->status = GD_ALERT_SECTIONS;
					a->missing = gd_xstrdup(miss.data);
				}
				if (a->anchor != NULL && !gd_runbook_has_anchor(text, a->anchor) &&
				    a->status == GD_ALERT_OK)
					a->status = GD_ALERT_NO_ANCHOR;
			}
			free(text);
			free(full);
			gd_buf_free(&miss);
		}
		bad += a->status != GD_ALERT_OK;
	}
	ret = bad;
out:
	for (i = 0; i < npfx; i++)
		free(pfx[i]);
	free(pfx);
	gd_runbook_template_free(&t);
	return ret;
}

void
gd_alerts_print(const struct gd_alert_rules *rs, FILE *out)
{
	size_t i, bad = 0;

	for (i = 0; i < rs->n; i++) {
		const struct gd_alert_rule *a = &rs->r[i];

		fprintf(out, "%s: line %zu: %s: ", a->file, a->line, a->alert);
		switch (a->status) {
		case GD_ALERT_OK:
			fprintf(out, "ok: %s%s%s\n", a->path, a->anchor ? "#" : "", a->anchor ? a->anchor : "");
			break;
		case GD_ALERT_NO_RUNBOOK:
			fprintf(out, "no runbook: add annotations.runbook_url\n");
			break;
		case GD_ALERT_OUTSIDE:
			fprintf(out, "%s is outside the doc repo (map its URL with runbook_url_prefix in "
			    CONFIG_NAME ")\n", a->runbook);
			break;
		case GD_ALERT_NO_FILE:
			fprintf(out, "%s: no such file in the doc repo\n", a->path);
			break;
		case GD_ALERT_SECTIONS:
			fprintf(out, "%s: missing sections: %s\n", a->path, a->missing);
			break;
		case GD_ALERT_NO_ANCHOR:
			fprintf(out, "%s: no heading for #%s\n", a->path, a->anchor);
			break;
		}
		bad += a->status != GD_ALERT_OK;
	}
	if (bad == 0) {
		fprintf(out, "%zu alert%s: every one has a runbook with the template's sections\n",
		    rs->n, rs->n == 1 ? "" : "s");
		return;
	}
	fprintf(out, "%zu of %zu alerts without a complete runbook:", bad, rs->n);
	for (i = 0; i < rs->n; i++)
		if (rs->r[i].status != GD_ALERT_OK)
			fprintf(out, " %s", rs->r[i].alert);
	fputc('\n', out);
}

json_t *
gd_alerts_json(const struct gd_alert_rules *rs)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct gd_alert_rule *a = &rs->r[i];
		json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "file", a->file, "line",
		    (json_int_t)a->line, "group", a->group, "alert", a->alert, "expr", a->expr,
		    "status", status_words[a->status]);

		json_object_set_new(o, "runbook", a->runbook ? json_string(a->runbook) : json_null());
		json_object_set_new(o, "path", a->path ? json_string(a->path) : json_null());
		json_object_set_new(o, "anchor", a->anchor ? json_string(a->anchor) : json_null());
		json_object_set_new(o, "severity", a->severity ? json_string(a->severity) : json_null());
		if (a->missing != NULL)
			json_object_set_new(o, "missing_sections", json_string(a->missing));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* The heading that gives a rule's anchor: the alert's name when it slugs to
 * it, else the anchor's words. */
static char *
anchor_heading(const struct gd_alert_rule *a)
{
	struct gd_buf slug = { 0 };
	char *h, *p;

	if (a->anchor == NULL)
		return gd_xstrdup(a->alert);
	gd_runbook_slug(a->alert, &slug);
	if (strcmp(slug.data, a->anchor) == 0) {
		gd_buf_free(&slug);
		return gd_xstrdup(a->alert);
	}
	gd_buf_free(&slug);
	h = gd_xstrdup(a->anchor);
	for (p = h; *p != '\0'; p++)
		if (*p == '-')
			*p = ' ';
	return h;
}

/* A stub of the template's sections, the alerts' headings under Alerts. */
static void
stub_text(const struct gd_alert_rules *rs, const char *path, const struct gd_runbook_template *t,
    struct gd_buf *b)
{
	size_t i, k;
	int placed = 0;
	char day[16];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	for (i = 0; i < rs->n && (rs->r[i].path == NULL || strcmp(rs->r[i].path, path) != 0); i++)
		;
	gd_buf_printf(b, "# Runbook: %s\n\n> A stub that `gameday check --alerts --write-stubs` wrote "
	    "on %s for alerts without a runbook. Fill in every section.\n", rs->r[i].alert, day);
	for (k = 0; k <= t->n; k++) {
		int alerts = k < t->n && strcasecmp(t->names[k], "Alerts") == 0;

		if (k < t->n)
			gd_buf_printf(b, "\n## %s\n\nTODO\n", t->names[k]);
		if (!(alerts || (k == t->n && !placed)))
			continue;
		for (i = 0; i < rs->n; i++) {
			const struct gd_alert_rule *a = &rs->r[i];
			char *h;

			if (a->path == NULL || strcmp(a->path, path) != 0)
				continue;
			h = anchor_heading(a);
			gd_buf_printf(b, "\n### %s\n\nFires when `%s` (rule group %s in %s).\n"
			    "What it means, what to check first, how to mitigate: TODO\n", h, a->expr,
			    a->group, a->file);
			free(h);
		}
		placed = 1;
	}
}

int
gd_alerts_write_stubs(const struct gd_alert_rules *rs0, const struct gd_docs_opts *o, FILE *out,
    int *wrc, char *err, size_t errlen)
{
	const char *docs = o->docs;
	struct gd_alert_rules rs = *rs0;  /* paths filled in for NO_RUNBOOK below, on a copy */
	struct gd_runbook_template t = { 0 };
	struct gd_docs_change *c = NULL;
	struct gd_buf *data = NULL, msg = { 0 };
	char **paths = NULL, *full;
	size_t i, k, n = 0;
	int ret = -1, r;

	rs.r = gd_xcalloc(rs0->n + 1, sizeof(*rs.r));
	memcpy(rs.r, rs0->r, rs0->n * sizeof(*rs.r));
	for (i = 0; i < rs.n; i++) {
		struct gd_alert_rule *a = &rs.r[i];
		struct gd_buf slug = { 0 };

		a->path = a->status == GD_ALERT_NO_FILE ? gd_xstrdup(a->path) : NULL;
		if (a->status != GD_ALERT_NO_RUNBOOK)
			continue;
		gd_runbook_slug(a->alert, &slug);
		a->path = gd_xasprintf("runbooks/%s.md", slug.data);
		a->anchor = NULL;
		full = gd_xasprintf("%s/%s", docs, a->path);
		if (access(full, F_OK) == 0) {  /* someone's file: never overwritten */
			free(a->path);
			a->path = NULL;
		}
		free(full);
		gd_buf_free(&slug);
	}
	for (i = 0; i < rs.n; i++) {
		if (rs.r[i].path == NULL)
			continue;
		for (k = 0; k < n && strcmp(paths[k], rs.r[i].path) != 0; k++)
			;
		if (k < n)
			continue;
		paths = gd_xrealloc(paths, (n + 1) * sizeof(*paths));
		paths[n++] = rs.r[i].path;
	}
	if (n == 0) {
		ret = 0;
		goto out;
	}
	if (gd_runbook_template_load(&t, docs, err, errlen) != 0)
		goto out;
	data = gd_xcalloc(n, sizeof(*data));
	gd_buf_printf(&msg, "Runbook stubs for alerts without a runbook:");
	for (k = 0; k < n; k++) {
		stub_text(&rs, paths[k], &t, &data[k]);
		gd_buf_printf(&msg, " %s", paths[k]);
	}
	gd_buf_adds(&msg, "\n\nWritten by gameday check --alerts --write-stubs.\n");
	c = gd_docs_change_new(NULL, msg.data);
	for (k = 0; k < n; k++)
		gd_docs_change_file(c, paths[k], data[k].data, data[k].len);
	*wrc = r = gd_docs_write(o, c, NULL, err, errlen);
	if (r < 0)
		goto out;  /* nothing written; GD_DOCS_UNPUSHED: committed, err says why not pushed */
	for (i = 0; i < rs.n; i++) {
		const struct gd_alert_rule *a = &rs.r[i];

		if (a->path == NULL)
			continue;
		fprintf(out, "wrote %s/%s for %s", docs, a->path, a->alert);
		if (a->status == GD_ALERT_NO_RUNBOOK)
			fprintf(out, "; add to the rule: runbook_url: %s", a->path);
		fputc('\n', out);
	}
	ret = (int)n;
out:
	for (i = 0; i < rs.n; i++)
		free(rs.r[i].path);  /* the copy's own: strdup'd or made above */
	for (k = 0; data != NULL && k < n; k++)
		gd_buf_free(&data[k]);
	free(data);
	free(paths);
	free(rs.r);
	gd_buf_free(&msg);
	gd_runbook_template_free(&t);
	gd_docs_change_free(c);
	return ret;
}
