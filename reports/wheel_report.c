/* wheel_report.c: a wheel spin's report (the pick and, with --tabletop,
 * the script; filed in ha-tests/wheel/) and its Prometheus textfile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docs.h"
#include "report.h"

int
gd_report_wheel_markdown(const json_t *res, struct gd_buf *out, char *err, size_t errlen)
{
	const json_t *tt = json_object_get(res, "tabletop"), *x;
	size_t i;

	if (!json_is_object(res))
		return gd_errf(err, errlen, "report: the wheel session is not a JSON object");
	gd_buf_printf(out, "# Wheel of misfortune: %s\n\n", *gd_json_str(res, "title") ? gd_json_str(res, "title") :
	    gd_json_str(res, "scenario"));
	gd_buf_adds(out, "## Summary\n\n| | |\n|---|---|\n| Scenario |");
	gd_md_cell(out, gd_json_str(res, "scenario"));
	gd_buf_adds(out, "\n| Participant |");
	gd_md_cell(out, gd_json_str(res, "participant"));
	gd_buf_printf(out, "\n| Seed | %lld (replay: `gameday wheel --seed %lld`) |\n",
	    (long long)json_integer_value(json_object_get(res, "seed")),
	    (long long)json_integer_value(json_object_get(res, "seed")));
	gd_buf_adds(out, "| Mode |");
	gd_md_cell(out, json_is_object(tt) ? "tabletop" : "pick");
	gd_buf_adds(out, "\n| Date |");
	gd_md_cell(out, gd_json_str(res, "date"));
	gd_buf_adds(out, "\n");
	if (json_array_size(json_object_get(res, "excluded")) > 0) {
		gd_buf_adds(out, "| Not picked (played recently) |");
		json_array_foreach(json_object_get(res, "excluded"), i, x)
			gd_buf_printf(out, "%s%s", i ? ", " : " ", json_string_value(x) ? json_string_value(x) : "?");
		gd_buf_adds(out, " |\n");
	}
	gd_buf_adds(out, "\n");
	if (json_is_object(tt)) {
		gd_buf_printf(out, "## Narrative\n\n%s\n\n", *gd_json_str(tt, "narrative") ? gd_json_str(tt, "narrative") :
		    "(no narrative: describe the first page from the scenario's faults)");
		gd_buf_adds(out, "## Injects\n\n");
		if (json_array_size(json_object_get(tt, "injects")) == 0) {
			gd_buf_adds(out, "None.\n\n");
		} else {
			gd_buf_adds(out, "| At | From | Says |\n|---|---|---|\n");
			json_array_foreach(json_object_get(tt, "injects"), i, x) {
				gd_buf_adds(out, "|");
				gd_md_cell(out, gd_json_str(x, "at"));
				gd_md_cell(out, *gd_json_str(x, "from") ? gd_json_str(x, "from") : "someone");
				gd_md_cell(out, gd_json_str(x, "say"));
				gd_buf_adds(out, "\n");
			}
			gd_buf_adds(out, "\n");
		}
		gd_buf_adds(out, "## Hints\n\n");
		if (json_array_size(json_object_get(tt, "hints")) == 0) {
			gd_buf_adds(out, "None.\n\n");
		} else {
			gd_buf_adds(out, "| After | Cost | Hint |\n|---|---:|---|\n");
			json_array_foreach(json_object_get(tt, "hints"), i, x) {
				gd_buf_adds(out, "|");
				gd_md_cell(out, gd_json_str(x, "after"));
				gd_buf_printf(out, " %g |", json_number_value(json_object_get(x, "cost")));
				gd_md_cell(out, gd_json_str(x, "text"));
				gd_buf_adds(out, "\n");
			}
			gd_buf_adds(out, "\n");
		}
		gd_buf_adds(out, "## Debrief questions\n\n");
		json_array_foreach(json_object_get(tt, "questions"), i, x)
			gd_buf_printf(out, "%zu. %s\n", i + 1, json_string_value(x) ? json_string_value(x) : "");
		gd_buf_adds(out, "\n## Notes\n\n_The game master's notes: what the player did, when, "
		    "and the answers to the questions._\n\n");
	}
	gd_buf_printf(out, "_Written by gameday %s._\n", GD_VERSION);
	return 0;
}

static const char wheel_head[] =
"# Wheel of misfortune\n"
"\n"
"Wheel sessions spun by gameday, newest first. A live session's report is\n"
"in ha-tests/ with the game days.\n"
"\n"
"| Date | Scenario | Participant | Mode | Seed | Report |\n"
"|---|---|---|---|---|---|\n";

int
gd_docs_commit_wheel(const struct gd_docs_opts *o, const json_t *res, char *err, size_t errlen)
{
	struct gd_buf tail = { 0 }, msg = { 0 };
	const char *mode = json_is_object(json_object_get(res, "tabletop")) ? "tabletop" : "pick";
	char name[200];
	int ret;

	gd_docs_slug(name, *gd_json_str(res, "scenario") ? gd_json_str(res, "scenario") : "wheel", sizeof(name));
	gd_md_cell(&tail, gd_json_str(res, "scenario"));
	gd_md_cell(&tail, gd_json_str(res, "participant"));
	gd_buf_printf(&tail, " %s | %lld |", mode, (long long)json_integer_value(json_object_get(res, "seed")));
	gd_buf_printf(&msg, "gameday: wheel %s, %s plays %s (seed %lld)\n", mode, gd_json_str(res, "participant"),
	    gd_json_str(res, "scenario"), (long long)json_integer_value(json_object_get(res, "seed")));
	ret = gd_report_commit_md(o, "ha-tests/wheel", name, res, gd_report_wheel_markdown, wheel_head,
	    tail.data, msg.data, err, errlen);
	gd_buf_free(&tail);
	gd_buf_free(&msg);
	return ret;
}

int
gd_report_wheel_metrics_write(const char *scenario, const char *participant,
    const char *run_metrics, const char *path, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };

	gd_buf_adds(&b, "# HELP gameday_wheel_last_pick_timestamp_seconds When the wheel last picked "
	    "this scenario for this participant.\n"
	    "# TYPE gameday_wheel_last_pick_timestamp_seconds gauge\n"
	    "gameday_wheel_last_pick_timestamp_seconds{scenario=\"");
	gd_prom_label(&b, scenario);
	gd_buf_adds(&b, "\",participant=\"");
	gd_prom_label(&b, participant);
	gd_buf_printf(&b, "\"} %.15g\n", (double)time(NULL));
	if (run_metrics != NULL)
		gd_buf_adds(&b, run_metrics);
	return gd_prom_write(&b, path, err, errlen);
}
