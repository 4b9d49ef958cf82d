/* cmd_check.c: `gameday check` and `gameday list`: scenarios and inventories
 * validated without touching a host, and the scenario catalog. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bank.h"
#include "inventory.h"
#include "journal.h"
#include "runbook.h"
#include "script.h"

static const char check_usage[] =
"usage: gameday check [--docs DIR] [--lua-memory SIZE] FILE...\n"
"       gameday check --alerts RULES.yml... --docs DIR [--write-stubs] (see check --alerts --help)\n"
"\n"
"Validates scenarios and drill plans (.lua), question banks and inventories\n"
"(.yaml, .yml) without touching a host: Lua syntax and sandbox rules, every\n"
"field of gameday.scenario and gameday.drill, every probe and fault and their\n"
"parameters; a bank's\n"
"questions, answers and tolerances; YAML structure and Ansible's rules.\n"
"Each problem names the file and line. A scenario file runs as it would in\n"
"a run: in the sandbox, within 5 s, under the memory limit.\n"
"\n"
"  --docs DIR   also check that each scenario's runbook and each bank's remedies\n"
"               link to a file of the doc repo DIR that has the #anchor (a\n"
"               heading, as GitHub and GitLab make anchors), and every runbook\n"
"               DIR/runbooks/NAME.md of the doc repo\n"
"               for the team's template sections: headings (any level,\n"
"               case-insensitive) named Summary, Service SLA, Escalation path,\n"
"               Incident workflow, Monitoring, Alerts, Postmortems, Doc; a file\n"
"               DIR/.gameday-runbook-template with one name per line replaces\n"
"               that list. Prints each runbook that lacks some, e.g.\n"
"               runbooks/web.md: missing sections: Escalation path, Alerts\n"
"  --lua-memory SIZE  the memory limit of the files' Lua (default 256M)\n"
"\n"
"exit status: 0 all valid, 2 some file is not\n";

static const char list_usage[] =
"usage: gameday list [DIR] [--state-dir DIR] [--json]\n"
"       gameday list --faults [--json]\n"
"\n"
"The scenario catalog: every *.lua under DIR (default: the scenarios shipped\n"
"with gameday) with its id, title, tags, topics, faults and when it was last\n"
"played (from the run journals). --faults prints the fault catalog instead:\n"
"each fault's parameters, the tools it needs on the host, what it does.\n";

/* gameday list --faults: the catalog, from the fault definitions themselves. */
static int
list_faults(int json)
{
	char err[4096], *luadir = gd_lua_dir(), *out = NULL;
	struct gd_script *s = gd_script_new(gd_lua_override(), NULL, err, sizeof(err));
	json_t *cat = NULL, *f;
	size_t i, k;
	int ret = GD_EXIT_UNREACHABLE;

	if (s == NULL || gd_script_call(s, "gameday.engine", "catalog", "{}", &out, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		goto out;
	}
	cat = json_loads(out, 0, NULL);
	if (json) {
		json_dumpf(cat, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	}
	json_array_foreach(cat, i, f) {
		struct gd_buf params = { 0 }, tools = { 0 };
		json_t *v;

		if (json)
			break;
		gd_buf_add(&params, "on, duration", 12);
		json_array_foreach(json_object_get(f, "params"), k, v)
			gd_buf_printf(&params, ", %s", json_string_value(v));
		gd_buf_add(&tools, "", 0);
		json_array_foreach(json_object_get(f, "tools"), k, v)
			gd_buf_printf(&tools, "%s%s", k ? " " : "", json_string_value(v));
		printf("fault.%s { %s }\n    %s\n    needs: %s%s\n", json_string_value(json_object_get(f, "kind")),
		    params.data, json_string_value(json_object_get(f, "summary")), tools.data,
		    json_is_true(json_object_get(f, "root")) ? ", root" : "");
		gd_buf_free(&params);
		gd_buf_free(&tools);
	}
	ret = GD_EXIT_OK;
out:
	json_decref(cat);
	free(out);
	gd_script_free(s);
	free(luadir);
	return ret;
}

/* Calls MODULE.describe on a scenario or drill plan; returns the decoded object. */
static json_t *
describe_with(struct gd_script *s, const char *module, const char *file, char *err, size_t errlen)
{
	json_t *args = json_pack("{s:s}", "file", file);
	char *a = json_dumps(args, JSON_COMPACT), *out = NULL;
	json_t *res = NULL;

	if (gd_script_call(s, module, "describe", a, &out, err, errlen) == 0)
		res = json_loads(out, 0, NULL);
	free(a);
	free(out);
	json_decref(args);
	return res;
}

/* A drill plan (gameday.drill) if the file returns one, else a scenario. */
static json_t *
describe(struct gd_script *s, const char *file, char *err, size_t errlen)
{
	json_t *d = describe_with(s, "gameday.drill", file, err, errlen);

	if (d != NULL && !json_is_true(json_object_get(d, "not_drill")))
		return d;
	json_decref(d);
	return describe_with(s, "gameday.engine", file, err, errlen);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* With --docs: a runbook or remedy link of FILE that does not resolve in the
 * doc repo (its file, its #anchor) is named; 1 when it does not. */
static int
ref_bad(const char *file, const char *docs, const char *what, const char *ref)
{
	struct gd_buf why = { 0 };
	int bad;

	if (docs == NULL || ref == NULL)
		return 0;
	if ((bad = gd_runbook_ref_check(docs, ref, &why)) != 0)
		printf("%s: %s %s does not resolve in %s: %s\n", file, what, ref, docs, why.data);
	gd_buf_free(&why);
	return bad;
}

static int
bank_refs(const char *file, const char *docs)
{
	struct gd_bank b;
	char err[GD_ERRLEN];
	size_t i, j;
	int bad = 0;

	if (docs == NULL || gd_bank_load(&b, file, err, sizeof(err)) != 0)
		return 0;
	for (i = 0; i < b.nq; i++) {
		for (j = 0; j < i; j++)   /* each link once */
			if (b.q[j].remedy != NULL && b.q[i].remedy != NULL && strcmp(b.q[j].remedy, b.q[i].remedy) == 0)
				break;
		if (j == i)
			bad |= ref_bad(file, docs, "remedy", b.q[i].remedy);
	}
	gd_bank_free(&b);
	return bad;
}

/* YAML that is not a bank, INI (.ini, .cfg, no extension), JSON, TOML, or
 * a directory: what Ansible would read as an inventory. */
static int
looks_like_inventory(const char *f)
{
	const char *base = strrchr(f, '/'), *dot;
	struct stat st;

	if (stat(f, &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	base = base ? base + 1 : f;
	dot = strrchr(base, '.');
	return dot == NULL || ends_with(f, ".yaml") || ends_with(f, ".yml") ||
	    ends_with(f, ".ini") || ends_with(f, ".cfg") || ends_with(f, ".json") ||
	    ends_with(f, ".toml");
}

/* Loads an inventory and says what gameday would warn about or refuse. */
static int
check_inventory(const char *f)
{
	struct gd_inventory inv = { 0 };
	char err[GD_ERRLEN];
	size_t i, refused;

	if (gd_inventory_load(&inv, f, err, sizeof(err)) != 0) {
		gd_warnx("%s", err);
		return 1;
	}
	for (i = 0; i < inv.nwarnings; i++)
		gd_warnx("warning: %s", inv.warnings[i]);
	refused = gd_inventory_report_hosts(&inv, NULL, 0, stderr);
	if (refused > 0)
		printf("%s: inventory of %zu host%s, %zu of them refused (see above)\n", f,
		    inv.nhosts, inv.nhosts == 1 ? "" : "s", refused);
	else
		printf("%s: ok: inventory of %zu host%s\n", f, inv.nhosts, inv.nhosts == 1 ? "" : "s");
	gd_inventory_free(&inv);
	return refused > 0;
}

int
gd_cmd_check(int argc, char **argv)
{
	struct gd_script *s = NULL;
	struct gd_script_env env = { 0 };
	const char *docs = NULL;
	char err[4096], *luadir;
	int i, bad = 0;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(check_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? GD_EXIT_USAGE : GD_EXIT_OK;
	}
	if (gd_check_alerts_wanted(argc, argv))
		return gd_cmd_check_alerts(argc, argv);
	for (i = 1; i < argc; i++) {  /* for every file, wherever it is given */
		const char *f = argv[i], *size = strncmp(f, "--lua-memory=", 13) == 0 ? f + 13 :
		    strcmp(f, "--lua-memory") == 0 ? (i + 1 < argc ? argv[++i] : "") : NULL;

		if (size != NULL && gd_lua_memory_parse(size, &env.lua_memory, err, sizeof(err)) != 0) {
			gd_warnx("check: %s", err);
			return GD_EXIT_USAGE;
		}
		if (strcmp(f, "--docs") == 0 && i + 1 < argc)   /* FILE's links are checked there */
			docs = argv[i + 1];
		else if (strncmp(f, "--docs=", 7) == 0)
			docs = f + 7;
	}
	luadir = gd_lua_dir();
	for (i = 1; i < argc; i++) {
		const char *f = argv[i];

		if (strcmp(f, "--docs") == 0 || strncmp(f, "--docs=", 7) == 0) {
			const char *dir = f[6] == '=' ? f + 7 : argv[++i];
			int n;

			if (dir == NULL) {
				gd_warnx("check: --docs needs a directory");
				bad = 1;
				break;
			}
			if ((n = gd_runbook_check_dir(dir, stdout, err, sizeof(err))) < 0) {
				gd_warnx("%s", err);
				bad = 1;
			} else if (n > 0) {
				bad = 1;
			} else {
				printf("%s/runbooks: ok: every runbook has the template's sections\n", dir);
			}
			continue;
		}
		if (strcmp(f, "--lua-memory") == 0) {  /* read before the loop */
			i++;
			continue;
		}
		if (strncmp(f, "--lua-memory=", 13) == 0)
			continue;

		if ((ends_with(f, ".yaml") || ends_with(f, ".yml")) && gd_bank_sniff(f)) {
			if (gd_bank_check(f, err, sizeof(err)) != 0) {
				gd_warnx("%s", err);
				bad = 1;
			} else if (bank_refs(f, docs) != 0) {
				bad = 1;
			} else {
				printf("%s: ok: question bank\n", f);
			}
			continue;
		}
		if (looks_like_inventory(f)) {
			if (check_inventory(f) != 0)
				bad = 1;
			continue;
		}
		if (s == NULL && (s = gd_script_new(gd_lua_override(), &env, err, sizeof(err))) == NULL) {
			gd_warnx("%s", err);
			free(luadir);
			return GD_EXIT_UNREACHABLE;
		}
		{
			json_t *d = describe(s, f, err, sizeof(err));

			if (d == NULL) {
				gd_warnx("%s: %s", f, err);
				bad = 1;
			} else if (!json_is_true(json_object_get(d, "ok"))) {
				gd_warnx("%s", json_string_value(json_object_get(d, "error")));
				bad = 1;
			} else if (ref_bad(f, docs, "runbook", json_string_value(json_object_get(d, "runbook")))) {
				bad = 1;
			} else {
				printf("%s: ok: %s %s: %s\n", f, json_is_string(json_object_get(d, "kind")) ?
				    json_string_value(json_object_get(d, "kind")) : "scenario",
				    json_string_value(json_object_get(d, "id")),
				    json_string_value(json_object_get(d, "title")));
			}
			json_decref(d);
		}
	}
	gd_script_free(s);
	free(luadir);
	return bad ? GD_EXIT_USAGE : GD_EXIT_OK;
}

/* When each scenario id was last played, from the first record of every journal. */
static json_t *
last_played(const char *state_dir)
{
	json_t *out = json_object();
	char *runs = gd_xasprintf("%s/runs", state_dir);
	DIR *d = opendir(runs);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char *path, err[GD_ERRLEN];
		json_t *recs = NULL, *first;
		int torn;

		if (!ends_with(e->d_name, ".jsonl"))
			continue;
		path = gd_xasprintf("%s/%s", runs, e->d_name);
		if (gd_journal_read(path, &recs, &torn, err, sizeof(err)) == 0 &&
		    (first = json_array_get(recs, 0)) != NULL &&
		    json_is_string(json_object_get(first, "scenario"))) {
			const char *id = json_string_value(json_object_get(first, "scenario"));
			json_int_t ts = json_integer_value(json_object_get(first, "ts"));
			json_t *prev = json_object_get(out, id);

			if (prev == NULL || json_integer_value(prev) < ts)
				json_object_set_new(out, id, json_integer(ts));
		}
		json_decref(recs);
		free(path);
	}
	if (d != NULL)
		closedir(d);
	free(runs);
	return out;
}

static char *
default_catalog(void)
{
	char *lua = gd_lua_dir();
	char *dir = gd_xasprintf("%s/../scenarios", lua);

	free(lua);
	return dir;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
gd_cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "faults", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state_opt = NULL;
	int faults = 0;
	char *dir, *state, *luadir, err[4096], **names = NULL;
	size_t nnames = 0, i;
	struct gd_script *s;
	json_t *played, *all = json_array();
	struct dirent *e;
	DIR *d;
	int ch, json = 0, bad = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': state_opt = optarg; break;
		case 'j': json = 1; break;
		case 'f': faults = 1; break;
		case 'h': fputs(list_usage, stdout); json_decref(all); return GD_EXIT_OK;
		default: fputs(list_usage, stderr); json_decref(all); return GD_EXIT_USAGE;
		}
	}
	if (faults) {
		json_decref(all);
		return list_faults(json);
	}
	dir = optind < argc ? gd_xstrdup(argv[optind]) : default_catalog();
	d = opendir(dir);
	if (d == NULL) {
		gd_warnx("cannot read %s: %m", dir);
		free(dir);
		json_decref(all);
		return GD_EXIT_USAGE;
	}
	while ((e = readdir(d)) != NULL) {
		if (!ends_with(e->d_name, ".lua"))
			continue;
		names = gd_xrealloc(names, (nnames + 1) * sizeof(*names));
		names[nnames++] = gd_xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, nnames, sizeof(*names), by_name);
	state = gd_state_dir(state_opt);
	played = last_played(state);
	luadir = gd_lua_dir();
	s = gd_script_new(gd_lua_override(), NULL, err, sizeof(err));
	if (s == NULL)
		gd_warnx("%s", err);
	if (!json && s != NULL && nnames > 0)
		printf("%-22s %-44s %-26s %s\n", "ID", "TITLE", "TAGS", "LAST PLAYED");
	for (i = 0; s != NULL && i < nnames; i++) {
		json_t *desc = describe(s, names[i], err, sizeof(err)), *tags, *t;
		struct gd_buf tagbuf = { 0 };
		char when[32] = "never";
		size_t k;

		if (desc == NULL || !json_is_true(json_object_get(desc, "ok"))) {
			gd_warnx("%s", desc != NULL ? json_string_value(json_object_get(desc, "error")) : err);
			json_decref(desc);
			bad = 1;
			continue;
		}
		t = json_object_get(played, json_string_value(json_object_get(desc, "id")));
		if (t != NULL) {
			time_t secs = (time_t)(json_integer_value(t) / 1000);
			struct tm tm;

			gmtime_r(&secs, &tm);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
			json_object_set_new(desc, "last_played", json_string(when));
		}
		json_object_set_new(desc, "file", json_string(names[i]));
		tags = json_object_get(desc, "tags");
		gd_buf_add(&tagbuf, "", 0);
		for (k = 0; k < json_array_size(tags); k++)
			gd_buf_printf(&tagbuf, "%s%s", k ? "," : "", json_string_value(json_array_get(tags, k)));
		if (!json)
			printf("%-22s %-44.44s %-26.26s %s\n", json_string_value(json_object_get(desc, "id")),
			    json_string_value(json_object_get(desc, "title")), tagbuf.data, when);
		gd_buf_free(&tagbuf);
		json_array_append_new(all, desc);
	}
	if (json) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	}
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	gd_script_free(s);
	json_decref(played);
	json_decref(all);
	free(luadir);
	free(state);
	free(dir);
	return bad ? GD_EXIT_USAGE : GD_EXIT_OK;
}
