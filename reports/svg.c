/* svg.c: a run's timeline as SVG: one row per probe (green or red marks,
 * latency as a bar above each), the fault windows shaded, detection and
 * recovery as labelled vertical lines, an axis in seconds. */
#include <string.h>

#include "duration.h"
#include "report.h"
#include "result.h"

#define W      960
#define LEFT   220
#define RIGHT  30
#define TOP    56
#define ROW    34
#define PLOT   (W - LEFT - RIGHT)

static double
xpos(long long t, long long span)
{
	if (t < 0)
		t = 0;
	if (t > span)
		t = span;
	return LEFT + (double)t * PLOT / (double)span;
}

/* the probe names in first-seen order (new reference) */
static json_t *
probe_rows(const json_t *res)
{
	json_t *rows = json_array(), *e, *r;
	size_t i, k;
	int seen;

	json_array_foreach(json_object_get(res, "timeline"), i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));

		if (n == NULL || strcmp(json_string_value(json_object_get(e, "kind")) ?
		    json_string_value(json_object_get(e, "kind")) : "", "probe") != 0)
			continue;
		seen = 0;
		json_array_foreach(rows, k, r)
			if (strcmp(json_string_value(r), n) == 0)
				seen = 1;
		if (!seen)
			json_array_append_new(rows, json_string(n));
	}
	return rows;
}

static void
text(struct gd_buf *b, double x, double y, const char *attrs, const char *s)
{
	gd_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\"%s>", x, y, attrs);
	gd_report_xml_escape(b, s);
	gd_buf_adds(b, "</text>\n");
}

/* the axis, in seconds, with a step that keeps about ten ticks */
static void
axis(struct gd_buf *out, long long span, int bottom)
{
	long long t, step;
	char lab[32];

	gd_buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333333\"/>\n",
	    LEFT, bottom, W - RIGHT, bottom);
	for (step = 1000; span / step > 10; )
		step = step == 1000 ? 2000 : step == 2000 ? 5000 : step * 2;
	for (t = 0; t <= span; t += step) {
		double x = xpos(t, span);

		gd_buf_printf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333333\"/>\n",
		    x, bottom, x, bottom + 5);
		snprintf(lab, sizeof(lab), "%lld s", t / 1000);
		text(out, x, bottom + 18, " font-size=\"11\" text-anchor=\"middle\"", lab);
	}
}

/* a mark at run time at, labelled with its figure from the first injection
 * (the TTD or TTR every other output prints) */
static void
marker(struct gd_buf *b, long long at, long long span, int bottom, int ly, const char *color,
    const char *label, long long figure)
{
	char t[GD_DURATION_LEN], s[96];
	double x = xpos(at, span);

	snprintf(s, sizeof(s), "%s %s", label, gd_duration_fmt(figure, t, sizeof(t)));
	gd_buf_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
	    "stroke-width=\"2\" stroke-dasharray=\"5,3\"/>\n", x, TOP - 14, x, bottom, color);
	/* near the right edge a centred label would be cut: end it at the line */
	gd_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"%s\" "
	    "text-anchor=\"%s\">", x, ly, color, x > LEFT + PLOT * 0.85 ? "end" : "middle");
	gd_report_xml_escape(b, s);
	gd_buf_adds(b, "</text>\n");
}

int
gd_report_svg(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	json_t *rows = NULL, *e, *f, *r;
	const char *title;
	long long span, t, maxms = 1, inj;
	struct gd_result_times tt;
	size_t i, k, nrows;
	int h, bottom, ret = -1;

	if (!json_is_object(res)) {
		gd_errf(err, errlen, "svg: the result is not a JSON object");
		goto out;
	}
	rows = probe_rows(res);
	nrows = json_array_size(rows);
	span = gd_json_num(res, "duration_ms", 0);
	json_array_foreach(json_object_get(res, "timeline"), i, e) {
		t = gd_json_num(e, "t_ms", 0);
		if (t > span)
			span = t;
		if (gd_json_num(e, "ms", 0) > maxms)
			maxms = gd_json_num(e, "ms", 0);
	}
	if (span < 1000)
		span = 1000;
	bottom = TOP + (int)(nrows > 0 ? nrows : 1) * ROW;
	h = bottom + 36 + 14 * (int)json_array_size(json_object_get(res, "faults")) + 10;

	gd_buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n", W, h, W, h);
	title = json_string_value(json_object_get(json_object_get(res, "scenario"), "id"));
	gd_buf_adds(out, "<title>");
	gd_report_xml_escape(out, title != NULL ? title : "gameday run");
	gd_buf_adds(out, " timeline</title>\n");
	gd_buf_printf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", W, h);

	/* fault windows first, so that the marks draw over them */
	json_array_foreach(json_object_get(res, "faults"), i, f) {
		double x0, x1;

		inj = gd_json_num(f, "injected_ms", -1);
		if (inj < 0)
			continue;
		x0 = xpos(inj, span);
		x1 = xpos(gd_json_num(f, "reverted_ms", span), span);
		gd_buf_printf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		    "fill=\"#f4a261\" fill-opacity=\"0.25\"><title>", x0, TOP, x1 > x0 ? x1 - x0 : 1,
		    bottom - TOP);
		gd_report_xml_escape(out, json_string_value(json_object_get(f, "label")));
		gd_buf_adds(out, "</title></rect>\n");
		{
			struct gd_buf l = { 0 };

			gd_buf_printf(&l, "fault %zu: %s on %s", i + 1,
			    gd_json_str(f, "label"), gd_json_str(f, "host"));
			text(out, LEFT, bottom + 40 + 14.0 * (double)i, " font-size=\"11\" fill=\"#9c4a00\"", l.data);
			gd_buf_free(&l);
		}
	}

	/* rows and their labels */
	json_array_foreach(rows, k, r) {
		int y = TOP + (int)k * ROW;

		gd_buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>\n",
		    LEFT, y + ROW, W - RIGHT, y + ROW);
		text(out, LEFT - 8, y + ROW / 2 + 4, " font-size=\"12\" text-anchor=\"end\"",
		    json_string_value(r));
	}
	if (nrows == 0)
		text(out, LEFT + 8, TOP + ROW / 2 + 4, " font-size=\"12\" fill=\"#666666\"", "no probe ran");

	/* probe marks: a dot for the result, a bar above it for the latency */
	json_array_foreach(json_object_get(res, "timeline"), i, e) {
		const char *kind = json_string_value(json_object_get(e, "kind"));
		const char *n = json_string_value(json_object_get(e, "name"));
		int ok = json_is_true(json_object_get(e, "ok"));
		double x, bar;
		int y = TOP;

		if (kind == NULL || n == NULL || strcmp(kind, "probe") != 0)
			continue;
		json_array_foreach(rows, k, r)
			if (strcmp(json_string_value(r), n) == 0)
				y = TOP + (int)k * ROW;
		x = xpos(gd_json_num(e, "t_ms", 0), span);
		bar = 14.0 * (double)gd_json_num(e, "ms", 0) / (double)maxms;
		if (bar > 0.5)
			gd_buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"3\" height=\"%.1f\" "
			    "fill=\"#457b9d\"/>\n", x - 1.5, y + ROW / 2 - 6 - bar, bar);
		gd_buf_printf(out, "<circle cx=\"%.1f\" cy=\"%d\" r=\"5\" fill=\"%s\"><title>", x,
		    y + ROW / 2, ok ? "#2a9d8f" : "#e63946");
		gd_buf_printf(out, "%.3f s %lld ms ", (double)gd_json_num(e, "t_ms", 0) / 1000.0, gd_json_num(e, "ms", 0));
		gd_report_xml_escape(out, json_string_value(json_object_get(e, "detail")));
		gd_buf_adds(out, "</title></circle>\n");
	}

	axis(out, span, bottom);

	gd_result_times(res, &tt);
	if (gd_json_num(res, "detected_ms", -1) >= 0)
		marker(out, gd_json_num(res, "detected_ms", -1), span, bottom, TOP - 30, "#e63946", "detected: TTD",
		    tt.ttd);
	if (gd_json_num(res, "recovered_ms", -1) >= 0)
		marker(out, gd_json_num(res, "recovered_ms", -1) + (gd_json_num(res, "recovered_ms", -1) ==
		    gd_json_num(res, "detected_ms", -1) ? 1 : 0), span, bottom, TOP - 17, "#2a9d8f",
		    "recovered: TTR", tt.ttr);
	gd_buf_adds(out, "</svg>\n");
	ret = 0;
out:
	json_decref(rows);
	return ret;
}

static void
head(struct gd_buf *out, int h, const char *title)
{
	gd_buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n<title>", W, h, W, h);
	gd_report_xml_escape(out, title);
	gd_buf_printf(out, "</title>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
	    W, h);
}

/* a phase's bar: one row, from start for ms, green when it went well */
static void
bar(struct gd_buf *out, int row, long long start, long long ms, long long span, int ok,
    const char *label, const char *cls)
{
	char t[32];
	double x0 = xpos(start, span), x1 = xpos(start + ms, span);
	int y = TOP + row * ROW;

	gd_buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>\n",
	    LEFT, y + ROW, W - RIGHT, y + ROW);
	text(out, LEFT - 8, y + ROW / 2 + 4, " font-size=\"12\" text-anchor=\"end\"", label);
	gd_buf_printf(out, "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
	    "fill=\"%s\"><title>", cls, x0, y + 8, x1 - x0 > 1 ? x1 - x0 : 1, ROW - 16,
	    ok ? "#2a9d8f" : "#e63946");
	gd_report_xml_escape(out, label);
	gd_buf_printf(out, ": %s%s</title></rect>\n", gd_duration_fmt(ms, t, sizeof(t)),
	    ok ? "" : ", failed");
	gd_buf_printf(out, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"#333333\">%s</text>\n",
	    x1 + 4 > W - RIGHT - 60 ? W - RIGHT - 60 : x1 + 4, y + ROW / 2 + 4, t);
}

int
gd_report_drill_svg(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	static const struct { const char *key, *label, *cls; } phases[] = {
		{ "stream_ms", "Stream and verify", "phase-stream" },
		{ "restore_ms", "Restore", "phase-restore" },
		{ "probes_ms", "Verify probes", "phase-probes" },
		{ "teardown_ms", "Teardown", "phase-teardown" },
		{ "cleanup_ms", "Cleanup", "phase-cleanup" },
	};
	const json_t *ph, *v, *o, *p;
	long long span = 0, at = 0, rto_obj, rto, bad = 0;
	size_t i, k;
	int rows = 0, bottom, h, ok, off;
	struct gd_buf cap = { 0 }, title = { 0 };

	if (!json_is_object(res))
		return gd_errf(err, errlen, "svg: the drill result is not a JSON object");
	ph = json_object_get(res, "phases");
	v = json_object_get(res, "verify");
	o = json_object_get(res, "objectives");
	json_array_foreach(json_object_get(res, "probes"), k, p)
		bad += json_is_false(json_object_get(p, "ok"));
	for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
		if (gd_json_num(ph, phases[i].key, -1) >= 0) {
			span += gd_json_num(ph, phases[i].key, 0);
			rows++;
		}
	rto_obj = gd_json_num(o, "rto_ms", -1);
	rto = gd_json_num(res, "rto_ms", -1);
	if (rto > span)
		span = rto;
	/* an objective far beyond the drill would flatten its bars: it goes to the edge */
	off = rto_obj > 4 * (span > 1000 ? span : 1000);
	if (rto_obj > span && !off)
		span = rto_obj;
	span += span / 20;
	if (span < 1000)
		span = 1000;
	bottom = TOP + (rows > 0 ? rows : 1) * ROW;
	h = bottom + 36 + 2 * 16 + 10;

	gd_buf_adds(&title, "restore drill ");
	gd_buf_adds(&title, gd_json_str(res, "id"));
	gd_buf_adds(&title, " timeline");
	head(out, h, title.data);
	gd_buf_free(&title);

	rows = 0;
	for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		long long ms = gd_json_num(ph, phases[i].key, -1);

		if (ms < 0)
			continue;
		switch (i) {
		case 0:
			ok = json_is_object(v) && gd_report_count_of(json_object_get(v, "missing")) +
			    gd_report_count_of(json_object_get(v, "extra")) +
			    gd_report_count_of(json_object_get(v, "mismatched")) == 0 &&
			    !json_is_true(json_object_get(v, "refused")) &&
			    !json_is_string(json_object_get(v, "refused"));
			break;
		case 1:
			ok = json_is_true(json_object_get(json_object_get(res, "restore"), "ok"));
			break;
		case 2:
			ok = bad == 0;
			break;
		case 3:
			ok = json_is_true(json_object_get(json_object_get(res, "teardown"), "ok"));
			break;
		default:
			ok = 1;
		}
		bar(out, rows++, at, ms, span, ok, phases[i].label, phases[i].cls);
		at += ms;
	}
	if (rows == 0)
		text(out, LEFT + 8, TOP + ROW / 2 + 4, " font-size=\"12\" fill=\"#666666\"", "no phase ran");
	axis(out, span, bottom);
	if (rto >= 0)
		marker(out, rto, span, bottom, TOP - 17, "#333333", "RTO", rto);
	if (rto_obj >= 0)
		marker(out, rto_obj, span, bottom, TOP - 30,
		    json_is_false(json_object_get(o, "rto_met")) ? "#e63946" : "#457b9d",
		    json_is_false(json_object_get(o, "rto_met")) ? "RTO objective (missed)" :
		    off ? "RTO objective (off scale)" : "RTO objective", rto_obj);

	/* the verification counts as a caption */
	if (json_is_object(v))
		gd_buf_printf(&cap, "verified: %lld entries, %lld files, %lld bytes; missing %lld, "
		    "extra %lld, mismatched %lld", gd_json_num(v, "entries", 0), gd_json_num(v, "files", 0),
		    gd_json_num(v, "bytes", 0), gd_report_count_of(json_object_get(v, "missing")),
		    gd_report_count_of(json_object_get(v, "extra")),
		    gd_report_count_of(json_object_get(v, "mismatched")));
	else
		gd_buf_adds(&cap, "nothing was streamed");
	text(out, LEFT, bottom + 40, " class=\"caption\" font-size=\"12\" fill=\"#333333\"", cap.data);
	gd_buf_free(&cap);
	gd_buf_printf(&cap, "verify probes: %zu run, %lld failed",
	    json_array_size(json_object_get(res, "probes")), bad);
	text(out, LEFT, bottom + 56, " class=\"caption\" font-size=\"12\" fill=\"#333333\"", cap.data);
	gd_buf_free(&cap);
	gd_buf_adds(out, "</svg>\n");
	return 0;
}

int
gd_report_quiz_svg(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	const json_t *topics, *t;
	const char *k;
	double pass, pct, x;
	int row = 0, bottom, h, ntopics, tick;
	struct gd_buf title = { 0 }, l = { 0 };
	char lab[32];

	if (!json_is_object(res))
		return gd_errf(err, errlen, "svg: the quiz result is not a JSON object");
	topics = json_object_get(res, "topics");
	ntopics = (int)json_object_size(topics);
	pass = json_number_value(json_object_get(res, "pass"));
	bottom = TOP + (ntopics > 0 ? ntopics : 1) * ROW;
	h = bottom + 36 + 16 + 10;
	gd_buf_adds(&title, "quiz ");
	gd_buf_adds(&title, gd_json_str(res, "bank"));
	gd_buf_adds(&title, ": ");
	gd_buf_adds(&title, gd_json_str(res, "participant"));
	head(out, h, title.data);
	gd_buf_free(&title);

	/* the scale is percent: 0..100 on the plot, as ms 0..100000 on xpos */
	json_object_foreach((json_t *)topics, k, t) {
		int y = TOP + row++ * ROW;

		pct = json_number_value(json_object_get(t, "percent"));
		if (pct < 0)
			pct = 0;
		if (pct > 100)
			pct = 100;
		x = xpos((long long)(pct * 1000), 100000);
		gd_buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>\n",
		    LEFT, y + ROW, W - RIGHT, y + ROW);
		text(out, LEFT - 8, y + ROW / 2 + 4, " font-size=\"12\" text-anchor=\"end\"", k);
		gd_buf_printf(out, "<rect class=\"topic\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		    "fill=\"%s\"><title>", LEFT, y + 8, x - LEFT > 1 ? x - LEFT : 1, ROW - 16,
		    pct >= pass ? "#2a9d8f" : "#e63946");
		gd_report_xml_escape(out, k);
		gd_buf_printf(out, ": %.1f%%</title></rect>\n", pct);
		gd_buf_printf(out, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"#333333\">%.1f%%</text>\n",
		    x + 4 > W - RIGHT - 40 ? W - RIGHT - 40 : x + 4, y + ROW / 2 + 4, pct);
	}
	if (ntopics == 0)
		text(out, LEFT + 8, TOP + ROW / 2 + 4, " font-size=\"12\" fill=\"#666666\"", "no topic");
	gd_buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333333\"/>\n",
	    LEFT, bottom, W - RIGHT, bottom);
	for (tick = 0; tick <= 100; tick += 10) {
		x = xpos(tick * 1000, 100000);
		gd_buf_printf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333333\"/>\n",
		    x, bottom, x, bottom + 5);
		snprintf(lab, sizeof(lab), "%d%%", tick);
		text(out, x, bottom + 18, " font-size=\"11\" text-anchor=\"middle\"", lab);
	}
	x = xpos((long long)((pass < 0 ? 0 : pass > 100 ? 100 : pass) * 1000), 100000);
	gd_buf_printf(out, "<line class=\"pass-mark\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
	    "stroke=\"#457b9d\" stroke-width=\"2\" stroke-dasharray=\"5,3\"/>\n", x, TOP - 14, x, bottom);
	snprintf(lab, sizeof(lab), "pass mark %g%%", pass);
	text(out, x, TOP - 20, " font-size=\"11\" fill=\"#457b9d\" text-anchor=\"middle\"", lab);
	gd_buf_printf(&l, "score %.1f%%: %s", json_number_value(json_object_get(res, "percent")),
	    json_is_true(json_object_get(res, "passed")) ? "passed" : "not passed");
	text(out, LEFT, bottom + 40, " class=\"caption\" font-size=\"12\" fill=\"#333333\"", l.data);
	gd_buf_free(&l);
	gd_buf_adds(out, "</svg>\n");
	return 0;
}
