/* monitoring_md.c: the Monitoring section of a game-day report: the time to
 * detect by the team's alerts beside gameday's probes, each alert probe's
 * timing against the injection and the revert, and each SLO with the error
 * budget the game day used. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "report.h"

static const char *
dur(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? gd_duration_fmt((long long)json_number_value(v), buf, len) : "-";
}

static void
alerts_table(const json_t *res, struct gd_buf *out)
{
	const json_t *a;
	char w[GD_DURATION_LEN], t[GD_DURATION_LEN], c[GD_DURATION_LEN], cw[GD_DURATION_LEN];
	size_t i;

	if (json_array_size(json_object_get(res, "alerts")) == 0)
		return;
	gd_buf_adds(out, "| alert | expect | within | fired after | cleared after the revert | "
	    "clear within | |\n|---|---|---:|---:|---:|---:|---|\n");
	json_array_foreach(json_object_get(res, "alerts"), i, a)
		gd_buf_printf(out, "| %s (%s) | %s | %s | %s | %s | %s | %s |\n", gd_json_str(a, "alert"),
		    gd_json_str(a, "source"), gd_json_str(a, "expect"), dur(a, "within_ms", w, sizeof(w)),
		    json_is_true(json_object_get(a, "fired")) ? dur(a, "ttd_ms", t, sizeof(t)) : "did not fire",
		    dur(a, "clear_ms", c, sizeof(c)), dur(a, "clears_within_ms", cw, sizeof(cw)),
		    json_is_true(json_object_get(a, "ok")) ? "ok" : "**FAIL**");
	gd_buf_adds(out, "\n");
}

static void
slos_table(const json_t *res, struct gd_buf *out)
{
	const json_t *s, *sli, *lat, *b;
	char p[GD_DURATION_LEN], m[GD_DURATION_LEN], per[GD_DURATION_LEN], bad[GD_DURATION_LEN];
	size_t i;

	if (json_array_size(json_object_get(res, "slos")) == 0)
		return;
	gd_buf_adds(out, "| SLO | samples | availability | latency p50 / p95 / p99 / max | objective | "
	    "error budget used | |\n|---|---:|---:|---|---|---:|---|\n");
	json_array_foreach(json_object_get(res, "slos"), i, s) {
		const json_t *l = json_object_get(s, "latency");
		struct gd_buf obj = { 0 };
		char p50[GD_DURATION_LEN], p95[GD_DURATION_LEN], p99[GD_DURATION_LEN];

		sli = json_object_get(s, "sli");
		lat = json_object_get(sli, "latency");
		b = json_object_get(s, "budget");
		if (json_is_number(json_object_get(s, "availability")))
			gd_buf_printf(&obj, "%g %% good", json_number_value(json_object_get(s, "availability")));
		if (json_is_object(l))
			gd_buf_printf(&obj, "%sp%g under %s", obj.len ? ", " : "",
			    json_number_value(json_object_get(l, "p")), dur(l, "max_ms", p, sizeof(p)));
		gd_buf_printf(out, "| %s | %lld | %.2f %% | %s / %s / %s / %s | %s | ", gd_json_str(s, "name"),
		    gd_json_num(sli, "samples", 0), json_number_value(json_object_get(sli, "availability")),
		    dur(lat, "p50", p50, sizeof(p50)), dur(lat, "p95", p95, sizeof(p95)),
		    dur(lat, "p99", p99, sizeof(p99)), dur(lat, "max", m, sizeof(m)), obj.data ? obj.data : "");
		if (json_is_number(json_object_get(b, "used_percent")))
			gd_buf_printf(out, "%.3g %% of %g %% over %s (%s bad) | ", json_number_value(
			    json_object_get(b, "used_percent")), json_number_value(json_object_get(b, "target")),
			    dur(b, "period_ms", per, sizeof(per)), dur(b, "bad_ms", bad, sizeof(bad)));
		else
			gd_buf_adds(out, "- | ");
		gd_buf_adds(out, json_is_true(json_object_get(s, "ok")) ? "met |\n" : "**broken** |\n");
		gd_buf_free(&obj);
	}
	gd_buf_adds(out, "\nPercentiles are nearest-rank over the good samples; the budget used is the "
	    "bad samples times the sampling interval, against (100 - target) % of the period.\n\n");
}

void
gd_report_monitoring_md(const json_t *res, struct gd_buf *out)
{
	const json_t *m = json_object_get(res, "monitoring");
	char a[GD_DURATION_LEN], b[GD_DURATION_LEN], d[GD_DURATION_LEN];

	if (!json_is_object(m))
		return;
	gd_buf_adds(out, "## Monitoring\n\n");
	if (json_is_string(json_object_get(m, "skipped")))
		gd_buf_printf(out, "%s.\n\n", gd_json_str(m, "skipped"));
	if (json_is_number(json_object_get(m, "ttd_ms"))) {
		gd_buf_printf(out, "| time to detect | |\n|---|---:|\n| by the team's alerts | %s |\n"
		    "| by gameday's probes | %s |\n", dur(m, "ttd_ms", a, sizeof(a)),
		    dur(m, "probes_ttd_ms", b, sizeof(b)));
		if (json_is_number(json_object_get(m, "difference_ms"))) {
			double diff = json_number_value(json_object_get(m, "difference_ms"));

			gd_buf_printf(out, "| monitoring %s by | %s |\n", diff >= 0 ? "later" : "earlier",
			    gd_duration_fmt((long long)fabs(diff), d, sizeof(d)));
		}
		gd_buf_adds(out, "\n");
	} else if (json_array_size(json_object_get(res, "alerts")) > 0) {
		gd_buf_adds(out, "No expected alert fired: **a monitoring failure** (see the findings).\n\n");
	}
	alerts_table(res, out);
	slos_table(res, out);
}
