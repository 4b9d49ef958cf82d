/* plugin.c: inventory plugins (a YAML file with 'plugin:', such as aws_ec2
 * or constructed), executable inventory scripts and TOML files, which only
 * Ansible itself reads right: read through the real
 * `ansible-inventory -i FILE --list --export` and its JSON. Its own
 * group_vars/host_vars reading is switched off, so that they are applied
 * once, in Ansible's order, by varsfiles.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "inv_internal.h"
#include "proc.h"

/* Whether prog is an executable somewhere on PATH. */
static int
on_path(const char *prog)
{
	const char *path = getenv("PATH"), *p, *e;
	int found = 0;

	for (p = path ? path : "/usr/bin:/bin"; !found && *p != '\0'; p = *e ? e + 1 : e) {
		char *full;

		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		full = gd_xasprintf("%.*s/%s", (int)(e - p), p, prog);
		found = access(full, X_OK) == 0;
		free(full);
	}
	return found;
}

/* A JSON value as an inventory variable. */
static int
set_json_var(struct loader *ld, size_t gid, size_t hid, const char *key, const json_t *v)
{
	char buf[64];
	const char *val = NULL;
	int type;

	switch (json_typeof(v)) {
	case JSON_STRING: type = GD_VAR_STR; val = json_string_value(v); break;
	case JSON_INTEGER:
		type = GD_VAR_INT;
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		val = buf;
		break;
	case JSON_REAL:
		type = GD_VAR_FLOAT;
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
		val = buf;
		break;
	case JSON_TRUE: type = GD_VAR_BOOL; val = "True"; break;
	case JSON_FALSE: type = GD_VAR_BOOL; val = "False"; break;
	case JSON_ARRAY: type = GD_VAR_LIST; break;
	case JSON_OBJECT: type = GD_VAR_MAP; break;
	default: type = GD_VAR_NULL; break;
	}
	return gd_inv_set_var(ld, gid, hid, key, val, type, 0);
}

static int
set_json_vars(struct loader *ld, size_t gid, size_t hid, const json_t *vars)
{
	const char *k;
	json_t *v;

	if (vars == NULL)
		return 0;
	if (!json_is_object(vars))
		return gd_inv_err(ld, 0, "ansible-inventory gave variables that are not a mapping");
	json_object_foreach((json_t *)vars, k, v)
		if (set_json_var(ld, gid, hid, k, v) < 0)
			return -1;
	return 0;
}

/* The groups, hosts and variables of ansible-inventory's --list --export. */
static int
read_json(struct loader *ld, json_t *root)
{
	json_t *g, *meta, *hv, *a, *x;
	const char *name, *h;
	size_t gid, i;

	if (!json_is_object(root))
		return gd_inv_err(ld, 0, "ansible-inventory gave no JSON mapping");
	json_object_foreach(root, name, g)
		if (strcmp(name, "_meta") != 0)
			gd_inv_add_group(ld, name, 0);
	meta = json_object_get(root, "_meta");
	hv = meta != NULL ? json_object_get(meta, "hostvars") : NULL;
	json_object_foreach(root, name, g) {
		if (strcmp(name, "_meta") == 0 || !json_is_object(g))
			continue;
		gid = gd_inv_add_group(ld, name, 0);
		json_array_foreach(json_object_get(g, "hosts"), i, x) {
			size_t hid;

			if (!json_is_string(x))
				continue;
			h = json_string_value(x);
			if (gd_inv_spend(ld, 1, 0) < 0)
				return -1;
			hid = gd_inv_add_host(ld, h, gid, NULL, 0);
			if (hv != NULL && set_json_vars(ld, NONE, hid, json_object_get(hv, h)) < 0)
				return -1;
		}
		if (set_json_vars(ld, gid, NONE, json_object_get(g, "vars")) < 0)
			return -1;
	}
	json_object_foreach(root, name, g) {
		if (strcmp(name, "_meta") == 0 || !json_is_object(g))
			continue;
		gid = gd_inv_add_group(ld, name, 0);
		a = json_object_get(g, "children");
		json_array_foreach(a, i, x) {
			if (!json_is_string(x))
				continue;
			gd_inv_add_group(ld, json_string_value(x), 0);
			if (gid == G_ALL || strcmp(json_string_value(x), "ungrouped") == 0)
				continue;   /* every group is in 'all' already */
			if (gd_inv_add_child(ld, gid, json_string_value(x), 0) < 0)
				return -1;
		}
	}
	return 0;
}

/* The line of ansible's stderr that says what is wrong (why the plugin or
 * script failed, else its ERROR!) into e. */
static void
ansible_error(const char *s, char *e, size_t len)
{
	static const char *const marks[] = { "with auto plugin:", "with script plugin:",
		"with toml plugin:", "ERROR! ", NULL };
	const char *p, *best = NULL;
	size_t i, k = 0;

	if (s == NULL)
		return;
	for (i = 0; marks[i] != NULL && best == NULL; i++)
		if ((p = strstr(s, marks[i])) != NULL)
			best = p + strlen(marks[i]);
	if (best == NULL)
		return;
	while (*best == ' ' || *best == '\n')
		best++;
	/* ansible wraps its messages: one line again, up to the next [WARNING] */
	for (p = best; *p != '\0' && k + 1 < len; p++) {
		if (p[0] == '\n' && (p[1] == '[' || p[1] == '\n' || p[1] == '\0'))
			break;
		e[k++] = *p == '\n' ? ' ' : *p;
	}
	e[k] = '\0';
}

int
gd_inv_plugin_read(struct loader *ld, const char *path, const char *why)
{
	static const char *const env[] = {
		"env", "ANSIBLE_VARS_ENABLED=gameday_none", "ANSIBLE_INVENTORY_UNPARSED_FAILED=True",
		"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=True", "ANSIBLE_NOCOLOR=1",
		"ANSIBLE_DEPRECATION_WARNINGS=False", "ansible-inventory", NULL,
	};
	char e[GD_ERRLEN], *out = NULL, *errout = NULL;
	const char **argv;
	json_error_t je;
	json_t *root;
	size_t i, n = 0;
	int rc;

	if (!on_path("ansible-inventory"))
		return gd_errf(ld->err, ld->errlen, "%s: %s, which only Ansible reads right: "
		    "install ansible-core (ansible-inventory) and gameday reads it through "
		    "`ansible-inventory --list`", path, why);
	/* the sources before it too: a constructed plugin works on what they made */
	argv = gd_xcalloc(ld->srcfiles.n * 2 + 16, sizeof(*argv));
	for (i = 0; env[i] != NULL; i++)
		argv[n++] = env[i];
	for (i = 0; i < ld->srcfiles.n; i++) {
		argv[n++] = "-i";
		argv[n++] = ld->srcfiles.v[i];
	}
	argv[n++] = "-i";
	argv[n++] = path;
	argv[n++] = "--list";
	argv[n++] = "--export";
	argv[n] = NULL;
	rc = gd_proc_run_stderr((char *const *)argv, &out, &errout, e, sizeof(e));
	free(argv);
	if (rc != 0) {
		ansible_error(errout, e, sizeof(e));
		free(out);
		free(errout);
		return gd_errf(ld->err, ld->errlen, "%s: %s: ansible-inventory --list failed: %s",
		    path, why, e);
	}
	free(errout);
	root = json_loads(out, 0, &je);
	free(out);
	if (root == NULL)
		return gd_errf(ld->err, ld->errlen, "%s: ansible-inventory --list gave no JSON: "
		    "line %d: %s", path, je.line, je.text);
	rc = read_json(ld, root);
	json_decref(root);
	return rc;
}
