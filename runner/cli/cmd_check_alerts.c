/* cmd_check_alerts.c: `gameday check --alerts RULES.yml... --docs DIR`:
 * every alerting rule has a runbook in the doc repo with the template's
 * sections and its #anchor; --write-stubs commits stubs for the missing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alerts.h"
#include "gd.h"

static const char usage_text[] =
"usage: gameday check --alerts RULES.yml... --docs DIR [--write-stubs] [--author WHO] [--json]\n"
"\n"
"Reads Prometheus rule files and checks, for every alerting rule, that its\n"
"annotations.runbook_url (or runbook) points into the doc repo DIR: a path\n"
"relative to the repo (runbooks/web.md#webdown), or a web URL that starts\n"
"with a runbook_url_prefix of DIR/.gameday.yaml, such as\n"
"  runbook_url_prefix: https://gitlab.example.com/sre/docs/-/blob/main/\n"
"(a list of them is fine too). The file must exist, have the runbook\n"
"template's sections (as check --docs) and a heading for its #anchor (the\n"
"anchor GitHub and GitLab make: lowercase, blanks to -). Lists the alerts\n"
"without a complete runbook.\n"
"\n"
"  --write-stubs  commit a runbook stub from the template for every alert\n"
"                 whose runbook file is missing (runbooks/ALERT.md when it\n"
"                 names none), through the doc-repo writer; existing files\n"
"                 are never touched\n"
"  --author WHO   the stubs' commit author, \"Name <email>\" (default: git config)\n"
"  --json         one object per alert: file, line, alert, runbook, path,\n"
"                 anchor, status\n"
"\n"
"exit status: 0 every alert has a complete runbook, 1 some do not, 2 a rule\n"
"file or the settings are not valid\n";

int
gd_check_alerts_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--alerts") == 0)
			return 1;
	return 0;
}

int
gd_cmd_check_alerts(int argc, char **argv)
{
	struct gd_alert_rules rs = { 0 };
	const char *docs = NULL, *author = NULL;
	char err[GD_ERRLEN];
	int i, nfiles = 0, stubs = 0, json = 0, bad, ret = GD_EXIT_USAGE;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--alerts") == 0)
			continue;
		if (strcmp(a, "--docs") == 0 || strcmp(a, "--author") == 0) {
			if (i + 1 >= argc) {
				gd_warnx("check: %s needs a value", a);
				goto out;
			}
			*(a[2] == 'd' ? &docs : &author) = argv[++i];
		} else if (strcmp(a, "--write-stubs") == 0) {
			stubs = 1;
		} else if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage_text, stdout);
			ret = GD_EXIT_OK;
			goto out;
		} else if (a[0] == '-') {
			gd_warnx("check --alerts: unknown option %s", a);
			fputs(usage_text, stderr);
			goto out;
		} else {
			if (gd_alert_rules_load(&rs, a, err, sizeof(err)) != 0) {
				gd_warnx("%s", err);
				goto out;
			}
			nfiles++;
		}
	}
	if (nfiles == 0 || docs == NULL) {
		gd_warnx("check --alerts: give rule files and --docs DIR");
		fputs(usage_text, stderr);
		goto out;
	}
	if ((bad = gd_alerts_check(&rs, docs, err, sizeof(err))) < 0) {
		gd_warnx("%s", err);
		goto out;
	}
	if (json) {
		json_t *j = gd_alerts_json(&rs);

		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	} else {
		gd_alerts_print(&rs, stdout);
	}
	ret = bad > 0 ? GD_EXIT_FAIL : GD_EXIT_OK;
	if (stubs && bad > 0 && gd_alerts_write_stubs(&rs, docs, author, json ? stderr : stdout, err,
	    sizeof(err)) < 0) {
		gd_warnx("%s", err);
		ret = GD_EXIT_UNREACHABLE;
	}
out:
	gd_alert_rules_free(&rs);
	return ret;
}
