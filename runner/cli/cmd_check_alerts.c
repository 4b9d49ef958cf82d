/* cmd_check_alerts.c: `gameday check --alerts RULES.yml... --docs DIR`:
 * every alerting rule has a runbook in the doc repo with the template's
 * sections and its #anchor; --write-stubs commits stubs for the missing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alerts.h"
#include "docs.h"
#include "gd.h"

static const char usage_text[] =
"usage: gameday check --alerts RULES.yml... --docs DIR [--write-stubs] [--json]\n"
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
"                 names none), through the doc-repo writer, and push it;\n"
"                 existing files are never touched\n"
"  --json         one object per alert: file, line, alert, runbook, path,\n"
"                 anchor, status\n"
"  --known-hosts FILE, --accept-new   host keys of an ssh:// upstream\n"
"\n";

static const char usage_exit[] =
"\n"
"exit status: 0 every alert has a complete runbook, 1 some do not, 2 a rule\n"
"file or the settings are not valid, 3 the stubs could not be committed or\n"
"pushed\n";

int
gd_check_alerts_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--alerts") == 0)
			return 1;
	return 0;
}

static int
check(struct gd_alert_rules *rs, const struct gd_docs_opts *o, int stubs, int json)
{
	char err[GD_ERRLEN];
	int bad, wrc = 0;

	if ((bad = gd_alerts_check(rs, o->docs, err, sizeof(err))) < 0) {
		gd_warnx("%s", err);
		return GD_EXIT_USAGE;
	}
	if (json) {
		json_t *j = gd_alerts_json(rs);

		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	} else {
		gd_alerts_print(rs, stdout);
	}
	if (stubs && bad > 0 && (gd_alerts_write_stubs(rs, o, json ? stderr : stdout, &wrc, err,
	    sizeof(err)) < 0 || wrc != 0)) {
		gd_warnx("%s", err);
		return gd_docs_exit(wrc != 0 ? wrc : GD_DOCS_ERROR);
	}
	return bad > 0 ? GD_EXIT_FAIL : GD_EXIT_OK;
}

int
gd_cmd_check_alerts(int argc, char **argv)
{
	enum { O_ALERTS = 256, O_STUBS, O_JSON, O_KNOWN, O_ACCEPT };
	static const struct option longopts[] = {
		{ "alerts", no_argument, NULL, O_ALERTS },
		{ "write-stubs", no_argument, NULL, O_STUBS },
		{ "json", no_argument, NULL, O_JSON },
		{ "known-hosts", required_argument, NULL, O_KNOWN },
		{ "accept-new", no_argument, NULL, O_ACCEPT },
		GD_DOCS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gd_alert_rules rs = { 0 };
	struct gd_docs_opts o = { 0 };
	char err[GD_ERRLEN];
	int ch, stubs = 0, json = 0, ret = GD_EXIT_USAGE;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (gd_docs_getopt(ch, optarg, &o))
			continue;
		switch (ch) {
		case O_ALERTS: break;
		case O_STUBS: stubs = 1; break;
		case O_JSON: json = 1; break;
		case O_KNOWN: o.known_hosts = optarg; break;
		case O_ACCEPT: o.accept_new = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			fputs(gd_docs_usage, stdout);
			fputs(usage_exit, stdout);
			return GD_EXIT_OK;
		default:
			gd_warnx("check --alerts: unknown option or missing value: %s", argv[optind - 1]);
			fputs(usage_text, stderr);
			return GD_EXIT_USAGE;
		}
	}
	if (optind >= argc || o.docs == NULL) {
		gd_warnx("check --alerts: give rule files and --docs DIR, the doc repo");
		fputs(usage_text, stderr);
		goto out;
	}
	for (; optind < argc; optind++) {
		if (gd_alert_rules_load(&rs, argv[optind], err, sizeof(err)) != 0) {
			gd_warnx("%s", err);
			goto out;
		}
	}
	ret = check(&rs, &o, stubs, json);
out:
	gd_alert_rules_free(&rs);
	return ret;
}
