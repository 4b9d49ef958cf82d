/* sources.c: inventory sources as InventoryManager takes them: several in
 * order into one inventory, directories read entry by entry, and each file
 * tried the way Ansible's enabled plugins try it (host_list, script, auto,
 * yaml, ini, toml): an executable or a '#!' file is a script, a YAML file
 * with 'plugin:' a plugin configuration (both through ansible-inventory),
 * else YAML where the name allows it, else INI. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inv_internal.h"

/* INVENTORY_IGNORE_EXTS and the names manager.py always skips in a directory. */
static const char *const ignored_exts[] = {
	".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".ini",
	".cfg", ".retry", NULL,
};

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
ignored_entry(const char *name)
{
	size_t i;

	if (name[0] == '.' || strcmp(name, "host_vars") == 0 || strcmp(name, "group_vars") == 0 ||
	    strcmp(name, "vars_plugins") == 0)
		return 1;
	for (i = 0; ignored_exts[i] != NULL; i++)
		if (ends_with(name, ignored_exts[i]))
			return 1;
	return 0;
}

/* os.path.splitext(basename)[1] */
static const char *
extension(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	while (*base == '.')
		base++;
	dot = strrchr(base, '.');
	return dot ? dot : "";
}

static int read_source(struct loader *ld, const char *path, int depth);

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory: its entries in sorted order, as sources of their own. */
static int
read_dir(struct loader *ld, const char *path, int depth)
{
	struct strv names = { 0 };
	struct dirent *de;
	size_t i, before = ld->files.n;
	DIR *d;
	int rc = -1;

	if (depth > 16)
		return gd_errf(ld->err, ld->errlen, "%s: inventory directories nested deeper "
		    "than 16 levels", path);
	if ((d = opendir(path)) == NULL)
		return gd_errf(ld->err, ld->errlen, "cannot read %s: %s", path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (ignored_entry(de->d_name)) {
			if (ends_with(de->d_name, ".ini") && de->d_name[0] != '.')
				gd_inv_warn_file(ld, path, "%s skipped: Ansible skips .ini files in "
				    "an inventory directory (INVENTORY_IGNORE_EXTS)", de->d_name);
			continue;
		}
		strv_push(&names, gd_xasprintf("%s%s%s", path, ends_with(path, "/") ? "" : "/",
		    de->d_name));
	}
	closedir(d);
	qsort(names.v, names.n, sizeof(*names.v), cmp_names);
	for (i = 0; i < names.n; i++)
		if (read_source(ld, names.v[i], depth + 1) < 0)
			goto out;
	if (depth == 0 && ld->files.n == before) {
		gd_errf(ld->err, ld->errlen, "%s: no inventory file in this directory", path);
		goto out;
	}
	rc = 0;
out:
	strv_free(&names);
	return rc;
}

/* A file, tried as Ansible's plugins try it. */
static int
read_file(struct loader *ld, const char *path, const struct stat *st)
{
	const char *ext = extension(path);
	char *text = NULL, yerr[GD_ERRLEN] = "";
	char *saved_err = ld->err;
	size_t len = 0, saved_len = ld->errlen;
	int yaml_ok, rc = -1;

	gd_inv_set_file(ld, path);
	text = gd_read_file(path, MAX_BYTES, &len, ld->err, ld->errlen);
	if (text == NULL)
		return -1;
	if ((st->st_mode & 0111) != 0 || strncmp(text, "#!", 2) == 0) {
		rc = gd_inv_plugin_read(ld, path, "an executable inventory script");
		goto out;
	}
	if (strcmp(ext, ".toml") == 0) {
		rc = gd_inv_plugin_read(ld, path, "a TOML inventory");
		goto out;
	}
	yaml_ok = ext[0] == '\0' || strcmp(ext, ".yml") == 0 || strcmp(ext, ".yaml") == 0 ||
	    strcmp(ext, ".json") == 0;
	if (yaml_ok) {
		ld->err = yerr;
		ld->errlen = sizeof(yerr);
		rc = gd_inv_yaml_read(ld, text, len);
		ld->err = saved_err;
		ld->errlen = saved_len;
		if (rc == 2) {
			rc = gd_inv_plugin_read(ld, path, "an inventory plugin configuration");
			goto out;
		}
		if (rc <= 0) {
			if (rc < 0)
				snprintf(ld->err, ld->errlen, "%s", yerr);
			goto out;
		}
	}
	rc = gd_inv_ini_read(ld, text, len);
	if (rc < 0 && yaml_ok && ext[0] != '\0') {
		snprintf(ld->err, ld->errlen, "%s", yerr);   /* named YAML: say what YAML says */
	} else if (rc < 0 && yaml_ok) {
		char ierr[GD_ERRLEN];
		size_t n = strlen(path);

		snprintf(ierr, sizeof(ierr), "%s", ld->err);
		gd_errf(ld->err, ld->errlen, "%s: neither a YAML nor an INI inventory; as YAML: %s; "
		    "as INI: %s", path, strncmp(yerr, path, n) == 0 && yerr[n] == ':' ?
		    yerr + n + 2 : yerr, strncmp(ierr, path, n) == 0 && ierr[n] == ':' ?
		    ierr + n + 2 : ierr);
	}
out:
	if (rc == 0)
		strv_push(&ld->srcfiles, gd_xstrdup(path));
	free(text);
	return rc;
}

static int
read_source(struct loader *ld, const char *path, int depth)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		if (depth == 0 && errno == ENOENT && strchr(path, ' ') == NULL &&
		    strchr(path, '/') == NULL && strchr(path, '.') == NULL)
			return gd_errf(ld->err, ld->errlen, "%s: no such inventory file or "
			    "directory (Ansible's host lists such as 'web1,web2,' are not read: "
			    "write the hosts into an inventory file)", path);
		return gd_errf(ld->err, ld->errlen, "cannot read inventory %s: %s", path,
		    strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return read_dir(ld, path, depth);
	if (!S_ISREG(st.st_mode))
		return gd_errf(ld->err, ld->errlen, "%s: not a file nor a directory", path);
	return read_file(ld, path, &st);
}

/* "~/x" as the user's home; a malloc'd copy. */
static char *
expand_home(const char *p)
{
	const char *home = getenv("HOME");

	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0') && home != NULL && home[0] != '\0')
		return gd_xasprintf("%s%s", home, p + 1);
	return gd_xstrdup(p);
}

/* The sources of spec: its lines; a line that names no file is a
 * comma-separated list (ANSIBLE_INVENTORY's form). */
static int
split_spec(const char *spec, struct strv *out, char *err, size_t errlen)
{
	const char *p = spec, *e, *c;
	struct stat st;

	while (*p != '\0') {
		char *line, *one;

		e = strchr(p, '\n');
		line = e ? gd_xasprintf("%.*s", (int)(e - p), p) : gd_xstrdup(p);
		one = expand_home(line);
		if (line[0] == '\0') {
			free(one);
		} else if (stat(one, &st) == 0 || strchr(line, ',') == NULL) {
			strv_push(out, one);
		} else {
			free(one);
			for (c = line; *c != '\0';) {
				const char *q = strchr(c, ',');
				size_t n = q ? (size_t)(q - c) : strlen(c);

				while (n > 0 && (*c == ' ' || *c == '\t')) {
					c++;
					n--;
				}
				while (n > 0 && (c[n - 1] == ' ' || c[n - 1] == '\t'))
					n--;
				if (n > 0) {
					char *piece = gd_xasprintf("%.*s", (int)n, c);

					strv_push(out, expand_home(piece));
					free(piece);
				}
				c = q ? q + 1 : c + strlen(c);
			}
		}
		free(line);
		p = e ? e + 1 : p + strlen(p);
	}
	if (out->n == 0)
		return gd_errf(err, errlen, "no inventory given");
	if (out->n > MAX_SOURCES)
		return gd_errf(err, errlen, "more than %d inventory sources", MAX_SOURCES);
	return 0;
}

/* The directory of a source, for its group_vars/ and host_vars/. */
static char *
source_base(const char *path)
{
	struct stat st;
	const char *slash;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return gd_xstrdup(path);
	slash = strrchr(path, '/');
	if (slash == NULL)
		return gd_xstrdup(".");
	if (slash == path)
		return gd_xstrdup("/");
	return gd_xasprintf("%.*s", (int)(slash - path), path);
}

static void
loader_free(struct loader *ld)
{
	size_t i, k;

	gd_yaml_free(ld->root);
	if (ld->re_ready) {
		regfree(&ld->re_int);
		regfree(&ld->re_float);
	}
	gd_inv_addr_re_free(&ld->ipv6);
	gd_inv_groups_free(ld->groups, ld->ngroups, ld->nsources);
	gd_map_free(&ld->gmap);
	for (i = 0; i < ld->nhosts; i++) {
		free(ld->hosts[i].name);
		gd_inv_vlist_free(&ld->hosts[i].vars);
		for (k = 0; ld->hosts[i].fvars != NULL && k < ld->nsources; k++)
			gd_inv_vlist_free(&ld->hosts[i].fvars[k]);
		free(ld->hosts[i].fvars);
		free(ld->hosts[i].groups.v);
	}
	free(ld->hosts);
	gd_map_free(&ld->hmap);
	free(ld->links.t);
	for (i = 0; i < ld->nwarn; i++)
		free(ld->warn[i]);
	free(ld->warn);
	strv_free(&ld->files);
	strv_free(&ld->srcfiles);
	strv_free(&ld->bases);
}

int
gd_inventory_load(struct gd_inventory *inv, const char *spec, char *err, size_t errlen)
{
	struct loader ld = { 0 };
	struct strv sources = { 0 };
	size_t i;
	int rc = -1;

	memset(inv, 0, sizeof(*inv));
	ld.err = err;
	ld.errlen = errlen;
	ld.path = "";
	if (split_spec(spec != NULL ? spec : "", &sources, err, errlen) < 0)
		goto out;
	ld.nsources = sources.n;
	gd_inv_add_group(&ld, "all", 0);
	gd_inv_add_group(&ld, "ungrouped", 0);
	gd_inv_add_edge(&ld, G_ALL, G_UNGROUPED, 0);
	for (i = 0; i < sources.n; i++) {
		strv_push(&ld.bases, source_base(sources.v[i]));
		if (read_source(&ld, sources.v[i], 0) < 0)
			goto out;
	}
	if (gd_inv_vars_files(&ld) < 0 || gd_inv_finish(&ld, inv) < 0)
		goto out;
	inv->path = gd_xstrdup(spec);
	for (i = 0; inv->path[i] != '\0'; i++)
		if (inv->path[i] == '\n')
			inv->path[i] = ',';
	inv->warnings = ld.warn;
	inv->nwarnings = ld.nwarn;
	ld.warn = NULL;
	ld.nwarn = 0;
	inv->files = ld.files.v;
	inv->nfiles = ld.files.n;
	memset(&ld.files, 0, sizeof(ld.files));
	rc = 0;
out:
	loader_free(&ld);
	strv_free(&sources);
	if (rc < 0)
		gd_inventory_free(inv);
	return rc;
}

const char *
gd_inventory_arg(const char *prev, const char *optarg)
{
	static struct gd_buf spec;   /* lives as long as the process */
	const char *env = getenv("GAMEDAY_INVENTORY");

	if (prev == NULL || prev == env || prev != spec.data) {
		spec.len = 0;
		gd_buf_adds(&spec, optarg);
		return spec.data;
	}
	gd_buf_printf(&spec, "\n%s", optarg);
	return spec.data;
}

size_t
gd_inventory_report_hosts(const struct gd_inventory *inv, const size_t *idx, size_t n,
    FILE *f)
{
	size_t i, j, refused = 0;

	if (idx == NULL)
		n = inv->nhosts;
	for (i = 0; i < n; i++) {
		const struct gd_host *h = &inv->hosts[idx ? idx[i] : i];

		for (j = 0; f != NULL && j < h->nwarnings; j++)
			fprintf(f, "gameday: warning: %s\n", h->warnings[j]);
		if (h->refusal != NULL) {
			refused++;
			if (f != NULL)
				fprintf(f, "gameday: %s\n", h->refusal);
		}
	}
	return refused;
}

const char *
gd_host_var(const struct gd_host *h, const char *key)
{
	size_t i;

	for (i = 0; i < h->nvars; i++)
		if (strcmp(h->vars[i].key, key) == 0)
			return h->vars[i].value;
	return NULL;
}

const char *
gd_inventory_group_name(const struct gd_inventory *inv, size_t i)
{
	return i < inv->ngroups ? inv->groups[i].name : NULL;
}

void
gd_inventory_free(struct gd_inventory *inv)
{
	size_t i;

	if (inv == NULL)
		return;
	for (i = 0; i < inv->nhosts; i++)
		gd_inv_host_clear(&inv->hosts[i]);
	free(inv->hosts);
	gd_inv_groups_free(inv->groups, inv->ngroups, 0);
	for (i = 0; i < inv->nwarnings; i++)
		free(inv->warnings[i]);
	free(inv->warnings);
	for (i = 0; i < inv->nfiles; i++)
		free(inv->files[i]);
	free(inv->files);
	if (inv->index != NULL) {
		free(inv->index->defined);
		gd_map_free(&inv->index->byname);
		free(inv->index);
	}
	free(inv->path);
	memset(inv, 0, sizeof(*inv));
}
