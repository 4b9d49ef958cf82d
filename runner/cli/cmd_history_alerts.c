/* cmd_history_alerts.c: `gameday history --alerts RULES.yml...`: each
 * alert with the last game day that proved it fires and how long it took;
 * those expected but silent first, then those never proven. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alerts.h"
#include "coverage.h"
#include "gd.h"
#include "result.h"

static const char usage_text[] =
"usage: gameday history --alerts RULES.yml... [--docs DIR] [--json]\n"
"\n"
"Alert coverage: for every alerting rule in the rule files, the last game day\n"
"in the doc repo (default: the current directory) whose alert probe saw it\n"
"fire, with its time to detect from the first injection and how often it was\n"
"proven. Alerts a game day expected but that did not fire come first, then\n"
"alerts no game day has proven. The same page is ha-tests/alert-coverage.md,\n"
"which gameday run --docs rewrites after every run with alert probes.\n"
"\n"
"exit status: 0 every alert proven at its last try, 1 some alert never proven\n"
"or silent when expected, 2 usage, a bad rule file or result\n";

int
gd_history_alerts_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--alerts") == 0)
			return 1;
	return 0;
}

int
gd_cmd_history_alerts(int argc, char **argv)
{
	struct gd_alert_rules rs = { 0 };
	const char *docs = ".", **names = NULL;
	char err[GD_ERRLEN];
	json_t *all = NULL, *cov = NULL, *e;
	size_t i;
	int k, json = 0, nfiles = 0, ret = GD_EXIT_USAGE;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--alerts") == 0)
			continue;
		if (strcmp(argv[k], "--docs") == 0 && k + 1 < argc) {
			docs = argv[++k];
		} else if (strcmp(argv[k], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[k], "-h") == 0 || strcmp(argv[k], "--help") == 0) {
			fputs(usage_text, stdout);
			return GD_EXIT_OK;
		} else if (argv[k][0] == '-') {
			gd_warnx("history --alerts: unknown option or missing value: %s", argv[k]);
			fputs(usage_text, stderr);
			goto out;
		} else if (gd_alert_rules_load(&rs, argv[k], err, sizeof(err)) != 0) {
			gd_warnx("%s", err);
			goto out;
		} else {
			nfiles++;
		}
	}
	if (nfiles == 0) {
		gd_warnx("history --alerts: give one or more rule files");
		goto out;
	}
	if (gd_results_load(docs, &all, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		goto out;
	}
	names = gd_xcalloc(rs.n + 1, sizeof(*names));
	for (i = 0; i < rs.n; i++)
		names[i] = rs.r[i].alert;
	cov = gd_alert_coverage(all, names, rs.n);
	if (json) {
		json_dumpf(cov, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		gd_alert_coverage_text(cov, stdout);
	}
	ret = GD_EXIT_OK;
	json_array_foreach(json_object_get(cov, "alerts"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "state")), "proven") != 0)
			ret = GD_EXIT_FAIL;
out:
	free(names);
	json_decref(cov);
	json_decref(all);
	gd_alert_rules_free(&rs);
	return ret;
}
