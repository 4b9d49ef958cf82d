/* quiz_report.c: a quiz's report: Markdown (scores per topic, each
 * question, the gaps with their remedies as corrective actions) and its
 * filing in internal-tests/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docs.h"
#include "report.h"
#include "runbook.h"

static const char *
fmtnum(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.2f", v);
	/* 2.00 -> 2, 2.50 -> 2.5 */
	if (strchr(buf, '.') != NULL) {
		char *e = buf + strlen(buf) - 1;

		while (*e == '0')
			*e-- = '\0';
		if (*e == '.')
			*e = '\0';
	}
	return buf;
}

int
gd_report_quiz_markdown(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	return gd_report_quiz_markdown_svg(res, NULL, out, err, errlen);
}

int
gd_report_quiz_markdown_svg(const json_t *res, const char *svg_name, struct gd_buf *out,
    char *err, size_t errlen)
{
	const char *k;
	char a[32], b[32];
	json_t *t, *q, *g;
	size_t i;

	if (!json_is_object(res))
		return gd_errf(err, errlen, "report: the quiz result is not a JSON object");
	gd_buf_printf(out, "# Internal test: %s\n\n", *gd_json_str(res, "title") ? gd_json_str(res, "title") : gd_json_str(res, "bank"));
	gd_buf_adds(out, "## Summary\n\n| | |\n|---|---|\n| Participant |");
	gd_md_cell(out, gd_json_str(res, "participant"));
	gd_buf_adds(out, "\n| Bank |");
	gd_md_cell(out, gd_json_str(res, "bank"));
	gd_buf_adds(out, "\n| Date |");
	gd_md_cell(out, gd_json_str(res, "date"));
	gd_buf_printf(out, "\n| Score | %s / %s (%.1f%%) |\n",
	    fmtnum(json_number_value(json_object_get(res, "total")), a, sizeof(a)),
	    fmtnum(json_number_value(json_object_get(res, "max")), b, sizeof(b)),
	    json_number_value(json_object_get(res, "percent")));
	gd_buf_printf(out, "| Pass mark | %s%% |\n", fmtnum(json_number_value(json_object_get(res, "pass")),
	    a, sizeof(a)));
	gd_buf_printf(out, "| Verdict | **%s** |\n", json_is_true(json_object_get(res, "passed")) ?
	    "PASSED" : "NOT PASSED");
	gd_buf_printf(out, "| Gaps | %zu |\n\n", json_array_size(json_object_get(res, "gaps")));

	gd_buf_adds(out, "## Scores per topic\n\n");
	if (svg_name != NULL)
		gd_buf_printf(out, "![scores per topic](%s.svg)\n\n", svg_name);
	gd_buf_adds(out, "| Topic | Score | Max | Percent |\n|---|---:|---:|---:|\n");
	json_object_foreach(json_object_get(res, "topics"), k, t) {
		gd_buf_adds(out, "|");
		gd_md_cell(out, k);
		gd_buf_printf(out, " %s | %s | %.1f%% |\n",
		    fmtnum(json_number_value(json_object_get(t, "score")), a, sizeof(a)),
		    fmtnum(json_number_value(json_object_get(t, "max")), b, sizeof(b)),
		    json_number_value(json_object_get(t, "percent")));
	}
	gd_buf_adds(out, "\n## Questions\n\n| Question | Topic | Score | Max | Result |\n|---|---|---:|---:|---|\n");
	json_array_foreach(json_object_get(res, "questions"), i, q) {
		gd_buf_adds(out, "|");
		gd_md_cell(out, gd_json_str(q, "id"));
		gd_md_cell(out, gd_json_str(q, "topic"));
		gd_buf_printf(out, " %s | %s |", fmtnum(json_number_value(json_object_get(q, "score")), a,
		    sizeof(a)), fmtnum(json_number_value(json_object_get(q, "max")), b, sizeof(b)));
		gd_md_cell(out, gd_json_str(q, "status"));
		gd_buf_adds(out, "\n");
	}
	gd_buf_adds(out, "\n## Gaps\n\n");
	if (json_array_size(json_object_get(res, "gaps")) == 0) {
		gd_buf_adds(out, "None.\n\n");
	} else {
		gd_buf_adds(out, "| Question | Topic | Result | Remedy |\n|---|---|---|---|\n");
		json_array_foreach(json_object_get(res, "gaps"), i, g) {
			gd_buf_adds(out, "|");
			gd_md_cell(out, gd_json_str(g, "id"));
			gd_md_cell(out, gd_json_str(g, "topic"));
			gd_md_cell(out, gd_json_str(g, "status"));
			if (*gd_json_str(g, "remedy")) {
				gd_buf_adds(out, " ");
				gd_report_link(out, gd_json_str(g, "remedy"), 1, NULL);
				gd_buf_adds(out, " |");
			} else {
				gd_md_cell(out, "(the bank gives no remedy)");
			}
			gd_buf_adds(out, "\n");
		}
		gd_buf_adds(out, "\n");
	}
	if (json_array_size(json_object_get(res, "findings")) > 0) {
		gd_buf_adds(out, "## Findings\n\n");
		json_array_foreach(json_object_get(res, "findings"), i, g)
			gd_buf_printf(out, "- **%s**: %s\n", gd_json_str(g, "kind"), gd_json_str(g, "text"));
		gd_buf_adds(out, "\n");
	}
	gd_buf_adds(out, "## Corrective actions\n\n");
	json_array_foreach(json_object_get(res, "gaps"), i, g) {
		if (*gd_json_str(g, "remedy")) {
			gd_buf_adds(out, "- [ ] study ");
			gd_report_link(out, gd_json_str(g, "remedy"), 1, NULL);
			gd_buf_printf(out, " (question %s, %s)\n", gd_json_str(g, "id"), gd_json_str(g, "topic"));
		} else
			gd_buf_printf(out, "- [ ] review question %s (%s): the bank gives no remedy\n",
			    gd_json_str(g, "id"), gd_json_str(g, "topic"));
	}
	gd_buf_adds(out, json_array_size(json_object_get(res, "gaps")) ? "\n" : "None.\n\n");
	gd_buf_printf(out, "_Written by gameday %s._\n", GD_VERSION);
	return 0;
}

static const char quiz_head[] =
"# Internal tests\n"
"\n"
"Quizzes graded by gameday, newest first.\n"
"\n"
"| Date | Bank | Participant | Verdict | Score | Gaps | Report |\n"
"|---|---|---|---|---|---|---|\n";

json_t *
gd_report_quiz_docs_findings(const json_t *res, const char *workdir)
{
	json_t *copy = json_deep_copy(res), *g, *fd = NULL;
	struct gd_buf why = { 0 }, seen = { 0 };
	size_t i;

	if (copy == NULL)
		copy = json_object();
	json_array_foreach(json_object_get(res, "gaps"), i, g) {
		const char *rem = gd_json_str(g, "remedy");
		char *key = gd_xasprintf("\n%s\n", rem);

		why.len = 0;
		if (*rem != '\0' && workdir != NULL && (seen.data == NULL || strstr(seen.data, key) == NULL) &&
		    gd_runbook_ref_check(workdir, rem, &why) != 0) {
			if (fd == NULL)
				json_object_set_new(copy, "findings", fd = json_array());
			json_array_append_new(fd, json_pack("{s:s, s:o}", "kind", "remedy-missing",
			    "text", json_sprintf("the remedy %s (question %s) does not resolve: %s", rem,
			    gd_json_str(g, "id"), why.data)));
			gd_buf_adds(&seen, key);
		}
		free(key);
	}
	gd_buf_free(&why);
	gd_buf_free(&seen);
	return copy;
}

int
gd_docs_commit_quiz(const struct gd_docs_opts *o, const json_t *res0, char *err, size_t errlen)
{
	char *workdir = gd_docs_workdir(o->docs);
	json_t *res = gd_report_quiz_docs_findings(res0, workdir);
	const char *bank = *gd_json_str(res, "bank") ? gd_json_str(res, "bank") : "quiz";
	const char *who = gd_json_str(res, "participant"), *verdict;
	struct gd_buf md = { 0 }, twin = { 0 }, svg = { 0 }, row = { 0 }, msg = { 0 };
	struct gd_docs_change *c;
	char name[300], sb[100], sp[160], date[16], base[320];
	size_t ngaps = json_array_size(json_object_get(res, "gaps"));
	int ret = GD_DOCS_ERROR;

	gd_docs_slug(sb, bank, sizeof(sb));
	gd_docs_slug(sp, *who ? who : "anonymous", sizeof(sp));
	snprintf(name, sizeof(name), "%s-%s", sb, sp);
	gd_report_base(res, name, date, base, sizeof(base));
	if (gd_report_quiz_markdown_svg(res, base, &md, err, errlen) != 0 ||
	    gd_report_quiz_svg(res, &svg, err, errlen) != 0)
		goto out;
	gd_docs_twin(res, &twin);
	verdict = json_is_true(json_object_get(res, "passed")) ? "PASSED" : "NOT PASSED";
	gd_buf_printf(&row, "| %s | %s |", date, bank);
	gd_md_cell(&row, who);
	gd_buf_printf(&row, " %s | %.1f%% | %zu | [report](%s.md) |\n", verdict,
	    json_number_value(json_object_get(res, "percent")), ngaps, base);
	gd_buf_printf(&msg, "gameday: quiz %s, %s: %.1f%% %s (%zu gaps)\n", bank, who,
	    json_number_value(json_object_get(res, "percent")), verdict, ngaps);
	c = gd_docs_change_new(base, msg.data);
	gd_report_add(c, "internal-tests", base, "md", &md);
	gd_report_add(c, "internal-tests", base, "json", &twin);
	gd_report_add(c, "internal-tests", base, "svg", &svg);
	gd_docs_change_row(c, "internal-tests/README.md", quiz_head, row.data);
	ret = gd_report_commit(o, c, err, errlen);
out:
	json_decref(res);
	free(workdir);
	gd_buf_free(&md);
	gd_buf_free(&twin);
	gd_buf_free(&svg);
	gd_buf_free(&row);
	gd_buf_free(&msg);
	return ret;
}
