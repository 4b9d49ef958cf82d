/* cmd_hosts.c: `gameday hosts`, the hosts an Ansible pattern resolves to. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "gd.h"
#include "inventory.h"

static const char hosts_usage[] =
"usage: gameday hosts [-i INVENTORY] [--json] PATTERN\n";

static const char hosts_help[] =
"\n"
"Print the hosts of an Ansible inventory that PATTERN selects, one a\n"
"line, in the order `ansible -i INVENTORY PATTERN --list-hosts` prints them.\n"
"Use it to check what a scenario's targets will touch before a game day.\n"
"Connection variables gameday does not implement are warned about on stderr.\n"
"\n"
"Patterns (Ansible's):\n"
"  all  *              every host\n"
"  web                 a group with its child groups, or one host\n"
"  web[0]  web[-1]     one host of a group, counted from 0 (negative: from the end)\n"
"  web[0:2]  web[1:]   a slice of a group, both ends included\n"
"  web:db  web,db      union: hosts in web or db\n"
"  web:&prod           intersection: hosts in web and in prod\n"
"  web:!web3           exclusion: hosts in web but not web3\n"
"  web*  db-?  db[ab]* shell globs, on group and host names\n"
"  ~web\\d+\\.lan        a regular expression (POSIX extended, Ansible's \\d\n"
"                      and (?i) understood), matched from the start of a name\n"
"Unions come first, then intersections, then exclusions, whatever the order\n"
"written. Quote patterns: '!', '*', '[' and '~' mean something to the shell.\n"
"Note that ansible reads web[:2] as a glob, not a slice: write web[0:2].\n"
"\n"
"Options:\n"
"  -i, --inventory SRC   an inventory: a YAML or INI file, a directory of them,\n"
"                        a plugin configuration or a script (read through\n"
"                        ansible-inventory); repeat -i to merge several, as\n"
"                        Ansible does (default: $GAMEDAY_INVENTORY, a\n"
"                        comma-separated list like ANSIBLE_INVENTORY)\n"
"      --json            a JSON array of {name, addr, port, user, key_file,\n"
"                        become, become_user, production, jump, warnings, refusal,\n"
"                        vars} where vars are the merged variables as\n"
"                        ansible-inventory --list types them (lists and\n"
"                        mappings as null), instead of names\n"
"  -h, --help            print this help\n"
"\n"
"Exit status: 0 some host matched, 1 no host matched, 2 usage error or a bad\n"
"inventory or pattern (the message names the file and line).\n"
"\n"
"Examples:\n"
"  gameday hosts -i inventory.yaml 'db:!db-replica*'\n"
"  gameday hosts -i inventory.yaml --json 'web[0]'\n";

/* A variable as ansible-inventory --list prints it; lists and mappings as
 * null (gameday keeps scalars only). */
static json_t *
var_json(const struct gd_var *v)
{
	char *end;

	switch (v->type) {
	case GD_VAR_INT: {
		long long x;

		errno = 0;
		x = strtoll(v->value, &end, 10);
		return *end == '\0' && errno == 0 ? json_integer(x) : json_string(v->value);
	}
	case GD_VAR_FLOAT: {
		char buf[128];
		size_t i, k = 0;

		for (i = 0; v->value[i] != '\0' && k + 1 < sizeof(buf); i++)
			if (v->value[i] != '_')
				buf[k++] = v->value[i];
		buf[k] = '\0';
		return json_real(strtod(buf, NULL));
	}
	case GD_VAR_BOOL:
		return json_boolean(strcasecmp(v->value, "true") == 0 ||
		    strcasecmp(v->value, "yes") == 0 || strcasecmp(v->value, "on") == 0 ||
		    strcasecmp(v->value, "y") == 0);
	case GD_VAR_STR:
		return json_string(v->value);
	default:
		return json_null();
	}
}

static json_t *
host_json(const struct gd_host *h)
{
	json_t *o, *vars = json_object(), *warn = json_array();
	size_t i;

	for (i = 0; i < h->nvars; i++) {
		json_t *j = var_json(&h->vars[i]);

		json_object_set_new(vars, h->vars[i].key, j != NULL ? j : json_null());
	}
	for (i = 0; i < h->nwarnings; i++)
		json_array_append_new(warn, json_string(h->warnings[i]));
	o = json_pack("{s:s, s:s, s:i, s:s?, s:s?, s:b, s:s?, s:b, s:s?, s:o, s:s?, s:o}",
	    "name", h->name, "addr", h->addr, "port", h->port, "user", h->user,
	    "key_file", h->key_file, "become", h->become, "become_user", h->become_user,
	    "production", h->production, "jump", h->jump, "warnings", warn,
	    "refusal", h->refusal, "vars", vars);
	return o;
}

static int
print_json(const struct gd_inventory *inv, const size_t *idx, size_t n)
{
	json_t *arr = json_array(), *o;
	size_t i;
	int rc;

	if (arr == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		o = host_json(&inv->hosts[idx[i]]);
		if (o == NULL || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return -1;
		}
	}
	rc = json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(arr);
	if (rc == 0)
		putchar('\n');
	return rc;
}

/* A usage error: the message, then how to get help. */
static int
usage_error(const char *msg)
{
	gd_warnx("hosts: %s", msg);
	fputs(hosts_usage, stderr);
	fputs("try 'gameday hosts --help'\n", stderr);
	return GD_EXIT_USAGE;
}

int
gd_cmd_hosts(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gd_inventory inv = { 0 };
	const char *path = getenv("GAMEDAY_INVENTORY"), *pattern;
	char err[GD_ERRLEN];
	size_t *idx = NULL, n = 0, i;
	int c, json = 0, rc = GD_EXIT_USAGE;

	if (path != NULL && path[0] == '\0')
		path = NULL;
	optind = 0;   /* GNU: start afresh; argv[0] is "hosts" */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			path = gd_inventory_arg(path, optarg);
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(hosts_usage, stdout);
			fputs(hosts_help, stdout);
			return GD_EXIT_OK;
		case ':':
			snprintf(err, sizeof(err), "option '%s' needs a value", argv[optind - 1]);
			return usage_error(err);
		default:
			if (optopt != 0)
				snprintf(err, sizeof(err), "unknown option '-%c'", optopt);
			else
				snprintf(err, sizeof(err), "unknown option '%s'", argv[optind - 1]);
			return usage_error(err);
		}
	}
	if (argc - optind != 1)
		return usage_error(argc - optind == 0 ? "missing PATTERN" :
		    "one PATTERN only (join several with ',')");
	pattern = argv[optind];
	if (path == NULL)
		return usage_error("no inventory: give -i FILE or set GAMEDAY_INVENTORY");

	if (gd_inventory_load(&inv, path, err, sizeof(err)) < 0) {
		gd_warnx("%s", err);
		goto out;
	}
	for (i = 0; i < inv.nwarnings; i++)
		gd_warnx("%s", inv.warnings[i]);
	if (gd_inventory_match(&inv, pattern, &idx, &n, err, sizeof(err)) < 0) {
		gd_warnx("%s", err);
		goto out;
	}
	gd_inventory_report_hosts(&inv, idx, n, stderr);
	if (json) {
		if (print_json(&inv, idx, n) < 0) {
			gd_warnx("hosts: cannot write JSON");
			rc = GD_EXIT_UNREACHABLE;
			goto out;
		}
	} else {
		for (i = 0; i < n; i++)
			printf("%s\n", inv.hosts[idx[i]].name);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		gd_warnx("hosts: cannot write the output");
		rc = GD_EXIT_UNREACHABLE;
		goto out;
	}
	if (n == 0) {
		gd_warnx("pattern '%s' matches no host in %s", pattern, path);
		rc = GD_EXIT_FAIL;
		goto out;
	}
	rc = GD_EXIT_OK;
out:
	free(idx);
	gd_inventory_free(&inv);
	return rc;
}
