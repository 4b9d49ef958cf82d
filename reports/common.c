/* common.c: what every report writer shares: JSON getters, Markdown cells,
 * XML escapes, file-name slugs, JSON twins, and the filing of any result by
 * its kind. */
#include <string.h>
#include <time.h>

#include "docs.h"
#include "report.h"
#include "result.h"

const char *
gd_json_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

long long
gd_json_num(const json_t *o, const char *key, long long dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? (long long)json_number_value(v) : dflt;
}

void
gd_report_xml_escape(struct gd_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': gd_buf_adds(b, "&amp;"); break;
		case '<': gd_buf_adds(b, "&lt;"); break;
		case '>': gd_buf_adds(b, "&gt;"); break;
		case '"': gd_buf_adds(b, "&quot;"); break;
		case '\'': gd_buf_adds(b, "&apos;"); break;
		default:
			/* XML 1.0 allows no control bytes but tab and newlines */
			if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n' || *s == '\r')
				gd_buf_add(b, s, 1);
		}
	}
}

/* a table cell: pipes escaped, newlines as <br> */
void
gd_md_cell(struct gd_buf *b, const char *s)
{
	gd_buf_adds(b, " ");
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '|')
			gd_buf_adds(b, "\\|");
		else if (*s == '\n')
			gd_buf_adds(b, "<br>");
		else if (*s != '\r')
			gd_buf_add(b, s, 1);
	}
	gd_buf_adds(b, " |");
}

/* a file name part: letters, digits, '.', '_' and '-' kept, the rest '-' */
void
gd_docs_slug(char *d, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		d[i] = (char)((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		    (c == '.' && i > 0) || c == '-' ? c : '-');
	}
	d[i] = '\0';
	if (i == 0)
		snprintf(d, len, "x");
}

void
gd_docs_twin(const json_t *res, struct gd_buf *b)
{
	char *json = json_dumps(res, JSON_INDENT(2) | JSON_SORT_KEYS);

	gd_buf_adds(b, json != NULL ? json : "{}");
	gd_buf_adds(b, "\n");
	free(json);
}

/* a count that the drill gives as a list (or an object, or a number) */
long long
gd_report_count_of(const json_t *v)
{
	if (json_is_array(v))
		return (long long)json_array_size(v);
	if (json_is_object(v))
		return (long long)json_object_size(v);
	if (json_is_number(v))
		return (long long)json_number_value(v);
	return 0;
}

void
gd_report_upper(char *d, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && s[i] != '\0'; i++)
		d[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
	d[i] = '\0';
}

void
gd_report_checklist(struct gd_buf *b, const json_t *acts)
{
	json_t *act;
	size_t k;

	json_array_foreach(acts, k, act)
		gd_buf_printf(b, "- [ ] %s\n", json_string_value(act));
	if (json_array_size(acts) == 0)
		gd_buf_adds(b, "- [ ] TODO\n");
}

void
gd_report_base(const json_t *res, const char *name, char date[16], char *base, size_t len)
{
	char slug[256];
	long long ms = gd_result_started(res);
	time_t t = ms > 0 ? (time_t)(ms / 1000) : time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(date, 16, "%Y-%m-%d", &tm);
	gd_docs_slug(slug, name != NULL && *name != '\0' ? name : "report", sizeof(slug));
	snprintf(base, len, "%s-%s", date, slug);
}

void
gd_report_link(struct gd_buf *b, const char *ref, int depth, const char *text)
{
	int i;

	gd_buf_adds(b, "[");
	gd_md_text(b, text != NULL ? text : ref);
	gd_buf_adds(b, "](");
	if (strstr(ref, "://") == NULL)
		for (i = 0; i < depth; i++)
			gd_buf_adds(b, "../");
	for (; *ref != '\0'; ref++) {
		if (*ref == ' ')
			gd_buf_adds(b, "%20");
		else if (*ref == '(' || *ref == ')')
			gd_buf_printf(b, "%%%02X", (unsigned)(unsigned char)*ref);
		else
			gd_buf_add(b, ref, 1);
	}
	gd_buf_adds(b, ")");
}

void
gd_md_text(struct gd_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '|' || *s == '[' || *s == ']')
			gd_buf_printf(b, "\\%c", *s);
		else if (*s != '\n' && *s != '\r')
			gd_buf_add(b, s, 1);
	}
}

void
gd_report_add(struct gd_docs_change *c, const char *folder, const char *base, const char *ext,
    const struct gd_buf *b)
{
	char *p = gd_xasprintf("%s/%s.%s", folder, base, ext);

	gd_docs_change_file(c, p, b->data, b->len);
	free(p);
}

int
gd_report_commit(const struct gd_docs_opts *o, struct gd_docs_change *c, char *err, size_t errlen)
{
	int rc = gd_docs_write(o, c, NULL, err, errlen);

	gd_docs_change_free(c);
	return rc;
}

int
gd_report_commit_md(const struct gd_docs_opts *o, const char *folder, const char *name, const json_t *res,
    int (*md)(const json_t *, struct gd_buf *, char *, size_t), const char *head, const char *row_tail,
    const char *msg, char *err, size_t errlen)
{
	struct gd_buf doc = { 0 }, twin = { 0 }, row = { 0 };
	struct gd_docs_change *c;
	char date[16], base[320], *p;
	int ret = GD_DOCS_ERROR;

	gd_report_base(res, name, date, base, sizeof(base));
	if (md(res, &doc, err, errlen) != 0)
		goto out;
	gd_buf_printf(&doc, "\nResult as JSON: [%s.json](%s.json).\n", base, base);
	gd_docs_twin(res, &twin);
	gd_buf_printf(&row, "| %s |%s [report](%s.md) |\n", date, row_tail, base);
	c = gd_docs_change_new(base, msg);
	gd_report_add(c, folder, base, "md", &doc);
	gd_report_add(c, folder, base, "json", &twin);
	p = gd_xasprintf("%s/README.md", folder);
	gd_docs_change_row(c, p, head, row.data);
	free(p);
	ret = gd_report_commit(o, c, err, errlen);
out:
	gd_buf_free(&doc);
	gd_buf_free(&twin);
	gd_buf_free(&row);
	return ret;
}

int
gd_docs_commit_result(const struct gd_docs_opts *o, const json_t *res, char *err, size_t errlen)
{
	switch (gd_result_kind(res)) {
	case GD_RESULT_RUN: return gd_docs_commit_run(o, res, err, errlen);
	case GD_RESULT_DRILL: return gd_docs_commit_drill(o, res, err, errlen);
	case GD_RESULT_QUIZ: return gd_docs_commit_quiz(o, res, err, errlen);
	case GD_RESULT_WHEEL: return gd_docs_commit_wheel(o, res, err, errlen);
	case GD_RESULT_READINESS: return gd_docs_commit_readiness(o, res, err, errlen);
	default:
		gd_errf(err, errlen, "docs: not a result gameday knows (a run, drill, quiz, wheel or readiness "
		    "check): nothing written");
		return GD_DOCS_ERROR;
	}
}
