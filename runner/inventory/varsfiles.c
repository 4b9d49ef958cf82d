/* varsfiles.c: group_vars/ and host_vars/ beside each inventory source (or
 * inside it, for a directory), as Ansible's host_group_vars plugin and
 * DataLoader.find_vars_files() find them: for a group or host NAME the first
 * of NAME, NAME.yml, NAME.yaml, NAME.json, where NAME may be a directory of
 * such files, read in sorted order. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inv_internal.h"

static const char *const var_exts[] = { "", ".yml", ".yaml", ".json", NULL };

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir (no '.' and '..'), sorted; -1 when dir cannot be listed. */
static int
list_dir(const char *dir, struct strv *out)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			strv_push(out, gd_xstrdup(de->d_name));
	closedir(d);
	qsort(out->v, out->n, sizeof(*out->v), cmp_names);
	return 0;
}

/* Reads one vars file into l. */
static int
read_vars_file(struct loader *ld, const char *path, struct vlist *l)
{
	struct gd_ynode *root = NULL;
	char *text;
	size_t len, i;
	int rc = -1;

	gd_inv_set_file(ld, path);
	if ((text = gd_read_file(path, MAX_BYTES, &len, ld->err, ld->errlen)) == NULL)
		return -1;
	if (strncmp(text, "$ANSIBLE_VAULT;", 15) == 0) {
		gd_inv_warn_file(ld, NULL, "skipped: encrypted with ansible-vault, which gameday "
		    "does not decrypt; its variables are not used");
		rc = 0;
		goto out;
	}
	if (gd_inv_yaml_tree(ld, text, len, &root) < 0)
		goto out;
	if (root == NULL || (root->kind == GD_Y_SCALAR && root->type == T_NULL)) {
		rc = 0;
		goto out;
	}
	if (root->kind != GD_Y_MAP) {
		gd_inv_err(ld, root->line, "variables must be a mapping of names to values");
		goto out;
	}
	if (gd_inv_spend(ld, root->n / 2, root->line) < 0)
		goto out;
	for (i = 0; i + 1 < root->n; i += 2) {
		const struct gd_ynode *k = root->kids[i], *v = root->kids[i + 1];
		char buf[32];
		const char *val;
		int type;

		val = gd_inv_yaml_value(v, &type, buf, sizeof(buf));
		gd_inv_vlist_set(l, k->str, val, type, ld->path, v->line);
	}
	rc = 0;
out:
	gd_yaml_free(root);
	free(text);
	return rc;
}

/* _get_dir_vars_files(): every file of dir, sorted, subdirectories with no
 * extension searched too; hidden files and backups (~) skipped. */
static int
read_vars_dir(struct loader *ld, const char *dir, struct vlist *l, int depth)
{
	struct strv names = { 0 };
	size_t i, k;
	int rc = -1;

	if (depth > 16 || list_dir(dir, &names) < 0)
		return gd_errf(ld->err, ld->errlen, "cannot read %s: %s", dir,
		    depth > 16 ? "nested too deep" : strerror(errno));
	for (i = 0; i < names.n; i++) {
		const char *n = names.v[i], *ext = strrchr(n, '.');
		char *path;
		struct stat st;
		int ok = 0;

		if (n[0] == '.' || n[strlen(n) - 1] == '~')
			continue;
		path = gd_xasprintf("%s/%s", dir, n);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && ext == NULL) {
			if (read_vars_dir(ld, path, l, depth + 1) < 0) {
				free(path);
				goto out;
			}
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			for (k = 0; var_exts[k] != NULL; k++)
				ok |= ext == NULL ? k == 0 : strcmp(ext, var_exts[k]) == 0;
			if (ok && read_vars_file(ld, path, l) < 0) {
				free(path);
				goto out;
			}
		}
		free(path);
	}
	rc = 0;
out:
	strv_free(&names);
	return rc;
}

/* find_vars_files(dir, name) into l; marks the entry used. */
static int
vars_for(struct loader *ld, const char *dir, const struct strv *entries,
    unsigned char *used, const char *name, struct vlist *l)
{
	size_t k, i;

	if (strchr(name, '/') != NULL)
		return 0;
	for (k = 0; var_exts[k] != NULL; k++) {
		char *want = gd_xasprintf("%s%s", name, var_exts[k]), *path;
		const char **hit = bsearch(&want, entries->v, entries->n, sizeof(*entries->v),
		    cmp_names);
		struct stat st;
		int rc = 0;

		if (hit == NULL) {
			free(want);
			continue;
		}
		i = (size_t)((char **)hit - entries->v);
		used[i] = 1;
		path = gd_xasprintf("%s/%s", dir, want);
		free(want);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rc = read_vars_dir(ld, path, l, 0);
		else
			rc = read_vars_file(ld, path, l);
		free(path);
		return rc;
	}
	return 0;
}

/* One source's group_vars/ (groups) or host_vars/ (hosts). */
static int
vars_dir(struct loader *ld, size_t src, int groups)
{
	const char *sub = groups ? "group_vars" : "host_vars";
	char *dir = gd_xasprintf("%s/%s", ld->bases.v[src], sub);
	struct strv entries = { 0 };
	unsigned char *used = NULL;
	struct stat st;
	size_t i, n = groups ? ld->ngroups : ld->nhosts;
	int rc = -1;

	if (stat(dir, &st) != 0) {
		rc = 0;
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		gd_inv_warn_file(ld, dir, "not a directory, skipped");
		rc = 0;
		goto out;
	}
	if (list_dir(dir, &entries) < 0) {
		gd_errf(ld->err, ld->errlen, "cannot read %s: %s", dir, strerror(errno));
		goto out;
	}
	used = gd_xcalloc(entries.n + 1, 1);
	for (i = 0; i < n; i++) {
		struct vlist **fv = groups ? &ld->groups[i].fvars : &ld->hosts[i].fvars;

		if (*fv == NULL)
			*fv = gd_xcalloc(ld->nsources, sizeof(**fv));
		if (vars_for(ld, dir, &entries, used, groups ? ld->groups[i].name :
		    ld->hosts[i].name, &(*fv)[src]) < 0)
			goto out;
	}
	for (i = 0; i < entries.n; i++)
		if (!used[i] && entries.v[i][0] != '.' &&
		    entries.v[i][strlen(entries.v[i]) - 1] != '~')
			gd_inv_warn_file(ld, dir, "%s matches no %s of the inventory; its variables "
			    "are not used", entries.v[i], groups ? "group" : "host");
	rc = 0;
out:
	free(used);
	strv_free(&entries);
	free(dir);
	return rc;
}

int
gd_inv_vars_files(struct loader *ld)
{
	char a[PATH_MAX], b[PATH_MAX];
	size_t s, t;
	int same;

	for (s = 0; s < ld->nsources; s++) {
		/* a dir two sources share gives the same values twice: read it once */
		for (t = same = 0; t < s && !same; t++)
			same = realpath(ld->bases.v[s], a) != NULL &&
			    realpath(ld->bases.v[t], b) != NULL && strcmp(a, b) == 0;
		if (same)
			continue;
		if (vars_dir(ld, s, 1) < 0 || vars_dir(ld, s, 0) < 0)
			return -1;
	}
	return 0;
}
