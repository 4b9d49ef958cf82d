/* coverage.c: alert coverage from game-day results. An alert is proven by a
 * game day in which an alert probe expected it to fire and saw it fire. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coverage.h"
#include "duration.h"
#include "report.h"
#include "result.h"

#define COVERAGE_PATH "ha-tests/alert-coverage.md"

static json_t *
entry_for(json_t *by, const char *alert)
{
	json_t *e = json_object_get(by, alert);

	if (e == NULL) {
		e = json_pack("{s:s, s:s, s:n, s:i, s:i, s:n, s:I, s:I}", "alert", alert, "state", "never",
		    "last_proven", "proven", 0, "expected", 0, "last_miss", "last_expected", (json_int_t)0,
		    "last_proven_at", (json_int_t)0);
		json_object_set_new(by, alert, e);
	}
	return e;
}

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* One alert probe's entry of one result. */
static void
count(json_t *by, const json_t *res, const json_t *a)
{
	long long started = gd_result_started(res);
	json_t *e;
	int fired = json_is_true(json_object_get(a, "fired"));

	if (!json_is_string(json_object_get(a, "alert")) ||
	    strcmp(str(a, "expect"), "firing") != 0)
		return;  /* an alert expected to stay quiet proves nothing about firing */
	e = entry_for(by, str(a, "alert"));
	json_object_set_new(e, "expected", json_integer(json_integer_value(json_object_get(e,
	    "expected")) + 1));
	if (fired) {
		json_object_set_new(e, "proven", json_integer(json_integer_value(json_object_get(e,
		    "proven")) + 1));
		if (started >= json_integer_value(json_object_get(e, "last_proven_at"))) {
			json_object_set_new(e, "last_proven_at", json_integer(started));
			json_object_set_new(e, "last_proven", json_pack("{s:s, s:I, s:O, s:s}", "id",
			    str(res, "id"), "started", (json_int_t)started, "ttd_ms",
			    json_object_get(a, "ttd_ms") ? json_object_get(a, "ttd_ms") : json_null(),
			    "file", str(res, "__file")));
		}
	}
	if (started >= json_integer_value(json_object_get(e, "last_expected"))) {
		json_object_set_new(e, "last_expected", json_integer(started));
		json_object_set_new(e, "last_miss", fired ? json_null() : json_pack("{s:s, s:I, s:s}",
		    "id", str(res, "id"), "started", (json_int_t)started, "file", str(res, "__file")));
	}
}

static int
rank(const json_t *e)
{
	const char *s = str(e, "state");

	return strcmp(s, "not-fired") == 0 ? 0 : strcmp(s, "never") == 0 ? 1 : 2;
}

static int
by_rank(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	if (rank(x) != rank(y))
		return rank(x) - rank(y);
	return strcmp(str(x, "alert"), str(y, "alert"));
}

json_t *
gd_alert_coverage(const json_t *results, const char *const *names, size_t nnames)
{
	json_t *by = json_object(), *res, *a, *e, *out, *list;
	json_t **sorted;
	const char *k;
	size_t i, j, n = 0, days = 0;

	for (i = 0; i < nnames; i++)
		entry_for(by, names[i]);
	json_array_foreach(results, i, res) {
		const json_t *alerts = json_object_get(res, "alerts");

		if (gd_result_kind(res) != GD_RESULT_RUN || !json_is_array(alerts) ||
		    json_is_true(json_object_get(res, "dry_run")))
			continue;
		days++;
		json_array_foreach(alerts, j, a)
			count(by, res, a);
	}
	sorted = gd_xcalloc(json_object_size(by) + 1, sizeof(*sorted));
	json_object_foreach(by, k, e) {
		json_object_set_new(e, "state", json_string(!json_is_null(json_object_get(e, "last_miss")) ?
		    "not-fired" : json_integer_value(json_object_get(e, "proven")) > 0 ? "proven" : "never"));
		json_object_del(e, "last_expected");
		json_object_del(e, "last_proven_at");
		sorted[n++] = e;
	}
	if (n > 0)
		qsort(sorted, n, sizeof(*sorted), by_rank);
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append(list, sorted[i]);
	free(sorted);
	out = json_pack("{s:I, s:o}", "game_days", (json_int_t)days, "alerts", list);
	json_decref(by);
	return out;
}

static const char *
day(long long ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0)
		return "?";
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
	return buf;
}

static const char *
ttd(const json_t *p, char *buf, size_t len)
{
	const json_t *v = json_object_get(p, "ttd_ms");

	return json_is_integer(v) ? gd_duration_fmt((long long)json_integer_value(v), buf, len) : "-";
}

/* A result's file as a link relative to ha-tests/. */
static const char *
link(const json_t *p, char *buf, size_t len)
{
	const char *f = str(p, "file"), *slash = strrchr(f, '/');
	const char *base = slash != NULL ? slash + 1 : f;
	size_t n = strlen(base);

	if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		snprintf(buf, len, "%.*s.md", (int)(n - 5), base);
	else
		snprintf(buf, len, "%s", base);
	return buf;
}

void
gd_alert_coverage_markdown(const json_t *cov, struct gd_buf *out)
{
	static const char *const heads[] = {
		"## Expected, but did not fire\n\nA game day expected these alerts and they stayed "
		"silent: a monitoring failure each, with a postmortem.\n\n"
		"| alert | game day | started | report |\n|---|---|---|---|\n",
		"## Never proven\n\nNo game day has seen these fire yet.\n\n"
		"| alert | expected so far |\n|---|---|\n",
		"## Proven\n\n| alert | last proven by | started | time to detect | times proven | report |\n"
		"|---|---|---|---|---|---|\n",
	};
	const json_t *e, *list = json_object_get(cov, "alerts");
	char d[32], t[GD_DURATION_LEN], l[512];
	size_t i;
	int shown = -1;

	gd_buf_printf(out, "# Alert coverage\n\nWhich alerts game days have proven to fire, from %"
	    JSON_INTEGER_FORMAT " game day%s with alert probes. Written by gameday after every run "
	    "with alert probes.\n", json_integer_value(json_object_get(cov, "game_days")),
	    json_integer_value(json_object_get(cov, "game_days")) == 1 ? "" : "s");
	json_array_foreach(list, i, e) {
		const json_t *p = json_object_get(e, rank(e) == 0 ? "last_miss" : "last_proven");

		if (rank(e) != shown) {
			shown = rank(e);
			gd_buf_printf(out, "\n%s", heads[shown]);
		}
		if (shown == 0)
			gd_buf_printf(out, "| %s | %s | %s | [%s](%s) |\n", str(e, "alert"), str(p, "id"),
			    day(json_integer_value(json_object_get(p, "started")), d, sizeof(d)),
			    link(p, l, sizeof(l)), l);
		else if (shown == 1)
			gd_buf_printf(out, "| %s | %" JSON_INTEGER_FORMAT " |\n", str(e, "alert"),
			    json_integer_value(json_object_get(e, "expected")));
		else
			gd_buf_printf(out, "| %s | %s | %s | %s | %" JSON_INTEGER_FORMAT " | [%s](%s) |\n",
			    str(e, "alert"), str(p, "id"), day(json_integer_value(json_object_get(p,
			    "started")), d, sizeof(d)), ttd(p, t, sizeof(t)),
			    json_integer_value(json_object_get(e, "proven")), link(p, l, sizeof(l)), l);
	}
	if (json_array_size(list) == 0)
		gd_buf_adds(out, "\nNo alerts yet: add probe.alert to a scenario's alerts.\n");
}

void
gd_alert_coverage_text(const json_t *cov, FILE *out)
{
	static const char *const what[] = { "EXPECTED, DID NOT FIRE", "never proven", "proven" };
	const json_t *e;
	char d[32], t[GD_DURATION_LEN];
	size_t i;

	fprintf(out, "alert coverage from %" JSON_INTEGER_FORMAT " game day(s) with alert probes\n",
	    json_integer_value(json_object_get(cov, "game_days")));
	json_array_foreach(json_object_get(cov, "alerts"), i, e) {
		const json_t *p = json_object_get(e, rank(e) == 0 ? "last_miss" : "last_proven");

		fprintf(out, rank(e) == 1 ? "  %-24s %s" : "  %-24s %-22s", str(e, "alert"), what[rank(e)]);
		if (rank(e) == 0)
			fprintf(out, " by %s on %s", str(p, "id"),
			    day(json_integer_value(json_object_get(p, "started")), d, sizeof(d)));
		else if (rank(e) == 2)
			fprintf(out, " last by %s on %s, time to detect %s, %" JSON_INTEGER_FORMAT
			    " time(s)", str(p, "id"), day(json_integer_value(json_object_get(p, "started")),
			    d, sizeof(d)), ttd(p, t, sizeof(t)), json_integer_value(json_object_get(e,
			    "proven")));
		fputc('\n', out);
	}
}

int
gd_alert_coverage_commit(const struct gd_docs_opts *o, const char *const *names, size_t nnames,
    char *err, size_t errlen)
{
	struct gd_docs_change *c;
	struct gd_buf md = { 0 };
	json_t *all = NULL, *cov;
	char *dir = gd_docs_workdir(o->docs), *path, *old, e[GD_ERRLEN];
	size_t len;
	int r = -1, same;

	if (dir == NULL)
		return gd_errf(err, errlen, "docs: %s: no work tree to read the results from", o->docs);
	if (gd_results_load(dir, &all, err, errlen) != 0)
		goto out;
	cov = gd_alert_coverage(all, names, nnames);
	gd_alert_coverage_markdown(cov, &md);
	json_decref(cov);
	path = gd_xasprintf("%s" COVERAGE_PATH, dir);
	old = gd_read_file(path, 0, &len, e, sizeof(e));
	same = old != NULL && len == md.len && memcmp(old, md.data, len) == 0;
	free(old);
	free(path);
	r = 0;
	if (same)  /* nothing new: no empty commit */
		goto out;
	c = gd_docs_change_new(NULL, "Alert coverage: " COVERAGE_PATH "\n");
	gd_docs_change_file(c, COVERAGE_PATH, md.data, md.len);
	r = gd_docs_write(o, c, NULL, err, errlen);
	gd_docs_change_free(c);
out:
	json_decref(all);
	gd_buf_free(&md);
	free(dir);
	return r;
}
