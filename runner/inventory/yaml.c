/* yaml.c: Ansible's YAML inventory plugin (plugins/inventory/yaml.py),
 * with scalars typed as PyYAML types them (YAML 1.1), '<<' merges and
 * duplicate keys as PyYAML takes them. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inv_internal.h"


static const char *
describe(const struct gd_ynode *n)
{
	if (n->kind == GD_Y_SEQ)
		return "a list";
	if (n->kind == GD_Y_MAP)
		return "a mapping";
	switch (n->type) {
	case T_NULL: return "empty";
	case T_BOOL: return "a boolean";
	case T_INT:
	case T_FLOAT: return "a number";
	default: return "a string";
	}
}

/* Null once typed: YAML's null, or anything tagged !!null. */
static int
is_null(const struct gd_ynode *n)
{
	return n->kind == GD_Y_SCALAR && n->type == T_NULL;
}

static int
is_str(const struct gd_ynode *n)
{
	return n->kind == GD_Y_SCALAR && n->type == T_STR;
}

/* False in Python's sense: a false scalar, an empty list or mapping. */
static int
falsy(const struct gd_ynode *n)
{
	return n->kind == GD_Y_SCALAR ? (n->flags & F_FALSY) != 0 : n->n == 0;
}

/* Zero in any of YAML 1.1's spellings of numbers (0, -0, 0x0, 0.0, 0_0). */
static int
num_is_zero(const char *s, int is_float)
{
	if (strpbrk(s, "iInN") != NULL)   /* .inf, .nan */
		return 0;
	if (*s == '+' || *s == '-')
		s++;
	if (!is_float && s[0] == '0' && (s[1] == 'x' || s[1] == 'b'))
		s += 2;
	for (; *s != '\0'; s++) {
		if (is_float && (*s == 'e' || *s == 'E'))
			break;
		if (isxdigit((unsigned char)*s) && *s != '0')
			return 0;
	}
	return 1;
}

static const char *const yaml_true[] = {
	"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL
};
static const char *const yaml_false[] = {
	"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL
};

static int
in_list(const char *const *l, const char *s)
{
	for (; *l != NULL; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

/* PyYAML's implicit resolvers (YAML 1.1), which Ansible uses: the type of a
 * plain scalar decides whether it may name a host or a group. */
static void
resolve_plain(struct loader *ld, struct gd_ynode *n)
{
	const char *s = n->str;

	if (gd_yaml_is_null(n))
		n->type = T_NULL;
	else if (in_list(yaml_true, s) || in_list(yaml_false, s))
		n->type = T_BOOL;
	else if (regexec(&ld->re_float, s, 0, NULL, 0) == 0)
		n->type = T_FLOAT;
	else if (regexec(&ld->re_int, s, 0, NULL, 0) == 0)
		n->type = T_INT;
	else
		n->type = T_STR;
}

static int
scalar_falsy(const struct gd_ynode *n)
{
	switch (n->type) {
	case T_NULL: return 1;
	case T_BOOL: return in_list(yaml_false, n->str);
	case T_INT: return num_is_zero(n->str, 0);
	case T_FLOAT: return num_is_zero(n->str, 1);
	default: return n->str[0] == '\0';
	}
}

/* yamltree's scalar hook: the type, '<<' and truth of a scalar. */
static int
type_scalar(void *arg, struct gd_ynode *n, const char *tag)
{
	if (tag == NULL && n->plain) {
		resolve_plain(arg, n);
		if (strcmp(n->str, "<<") == 0)
			n->flags |= F_MERGE;
	} else if (tag != NULL && strncmp(tag, "tag:yaml.org,2002:", 18) == 0) {
		const char *t = tag + 18;

		if (strcmp(t, "null") == 0)
			n->type = T_NULL;
		else if (strcmp(t, "bool") == 0)
			n->type = T_BOOL;
		else if (strcmp(t, "int") == 0)
			n->type = T_INT;
		else if (strcmp(t, "float") == 0)
			n->type = T_FLOAT;
		else
			n->type = T_STR;
		if (strcmp(t, "merge") == 0)
			n->flags |= F_MERGE;
	} else {
		n->type = T_STR;   /* quoted, '!', or a local tag such as !vault */
	}
	if (scalar_falsy(n))
		n->flags |= F_FALSY;
	return 0;
}

/* yamltree's alias hook: a named node counts again. */
static int
count_alias(void *arg, struct gd_ynode *n, size_t line)
{
	(void)n;
	return gd_inv_spend(arg, 1, line);
}

/* Adds the key/value pairs of m to out, the last value of a key winning but
 * the key keeping its first place, as a Python dict does. */
static void
pairs_add(struct gd_ynode *out, struct gd_map *seen, struct gd_ynode *k, struct gd_ynode *v)
{
	size_t i;

	if (smap_get(seen, k->str, &i)) {
		out->kids[2 * i + 1] = v;
		return;
	}
	gd_map_put(seen, k->str, out->n / 2);
	gd_yaml_push(out, k);
	gd_yaml_push(out, v);
}

/* Finishes a mapping like PyYAML's flatten_mapping() and construct_mapping():
 * '<<' merges first, then the mapping's own keys; duplicate keys keep the
 * last value. Merged mappings are finished already, so this never recurses. */
static int
map_finish(void *arg, struct gd_ynode *m)
{
	struct loader *ld = arg;
	struct gd_ynode out = { 0 };
	struct gd_map seen = { 0 };
	size_t i, j;
	int rc = -1;

	for (i = 0; i + 1 < m->n; i += 2) {
		struct gd_ynode *k = m->kids[i], *v = m->kids[i + 1];

		if (k->kind != GD_Y_SCALAR) {
			gd_inv_err(ld, k->line, "a mapping key must be a plain value, not %s", describe(k));
			goto out;
		}
		if (!(k->flags & F_MERGE))
			continue;
		if (v->kind == GD_Y_MAP) {
			if (gd_inv_spend(ld, v->n / 2, k->line) < 0)
				goto out;
			for (j = 0; j + 1 < v->n; j += 2)
				pairs_add(&out, &seen, v->kids[j], v->kids[j + 1]);
		} else if (v->kind == GD_Y_SEQ) {
			for (j = v->n; j-- > 0;) {   /* PyYAML merges the list reversed */
				struct gd_ynode *s = v->kids[j];
				size_t x;

				if (s->kind != GD_Y_MAP) {
					gd_inv_err(ld, s->line, "'<<' takes mappings, not %s", describe(s));
					goto out;
				}
				if (gd_inv_spend(ld, s->n / 2, s->line) < 0)
					goto out;
				for (x = 0; x + 1 < s->n; x += 2)
					pairs_add(&out, &seen, s->kids[x], s->kids[x + 1]);
			}
		} else {
			gd_inv_err(ld, v->line, "'<<' takes a mapping or a list of mappings, not %s",
			    describe(v));
			goto out;
		}
	}
	if (gd_inv_spend(ld, m->n / 2, m->line) < 0)
		goto out;
	for (i = 0; i + 1 < m->n; i += 2)
		if (!(m->kids[i]->flags & F_MERGE))
			pairs_add(&out, &seen, m->kids[i], m->kids[i + 1]);
	free(m->kids);
	m->kids = out.kids;
	m->n = out.n;
	m->cap = out.cap;
	out.kids = NULL;
	rc = 0;
out:
	free(out.kids);
	gd_map_free(&seen);
	return rc;
}

/* Python's int() of a scalar, for ansible_group_priority. */
static int
scalar_int(const struct gd_ynode *v, long *out)
{
	char *end;
	double d;
	long long x;

	if (v->kind != GD_Y_SCALAR)
		return -1;
	if (v->type == T_BOOL) {
		*out = !falsy(v);
		return 0;
	}
	if (v->type == T_FLOAT) {
		errno = 0;
		d = strtod(v->str, &end);
		if (errno != 0 || *end != '\0' || d != d || d > LONG_MAX || d < LONG_MIN)
			return -1;
		*out = (long)d;
		return 0;
	}
	if (v->type != T_INT && v->type != T_STR)
		return -1;
	errno = 0;
	x = strtoll(v->str, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno != 0 || end == v->str || *end != '\0' || x > LONG_MAX || x < LONG_MIN)
		return -1;
	*out = (long)x;
	return 0;
}

/* The pairs of a vars/children/hosts section: a mapping, or one string
 * standing for {string: null} as the yaml plugin allows. */
static void
section_pairs(struct loader *ld, struct gd_ynode *v, struct gd_ynode **tmp,
    struct gd_ynode ***kv, size_t *n)
{
	if (is_str(v)) {
		tmp[0] = v;
		tmp[1] = &ld->null;
		*kv = tmp;
		*n = 2;
	} else {
		*kv = v->kids;
		*n = v->n;
	}
}

static int
group_var(struct loader *ld, size_t gid, const struct gd_ynode *k, const struct gd_ynode *v)
{
	struct gd_group *g = &ld->groups[gid];
	long pr;

	if (strcmp(k->str, "ansible_group_priority") == 0) {
		if (scalar_int(v, &pr) < 0)
			return gd_inv_err(ld, v->line, "ansible_group_priority of group '%s' must be "
			    "an integer, not %s", g->name, describe(v));
		g->priority = pr;
		return 0;
	}
	gd_inv_vlist_set(&g->vars, k->str, v->kind == GD_Y_SCALAR && v->type != T_NULL ? v->str : NULL,
	    v->line);
	return 0;
}

static int
parse_hosts_entry(struct loader *ld, size_t gid, const struct gd_ynode *k, const struct gd_ynode *v)
{
	struct strv names = { 0 };
	char *host = NULL, *port = NULL;
	size_t i, j, hid;
	int rc = -1;

	if (!is_str(k)) {
		gd_inv_err(ld, k->line, "host name '%s' must be a string, not %s; "
		    "quote it", k->str, describe(k));
		goto out;
	}
	if (!falsy(v) && v->kind != GD_Y_MAP) {
		gd_inv_err(ld, v->line, "variables of host '%s' must be a mapping, not %s",
		    k->str, describe(v));
		goto out;
	}
	if (strlen(k->str) > MAX_NAME) {
		gd_inv_err(ld, k->line, "host name longer than %d bytes", MAX_NAME);
		goto out;
	}
	if (!gd_inv_parse_address(&ld->ipv6, k->str, &host, &port))
		host = gd_xstrdup(k->str);
	if (strchr(host, '[') != NULL) {
		if (gd_inv_expand_ranges(ld, host, &names, k->line) < 0)
			goto out;
	} else {
		strv_push(&names, host);
		host = NULL;
	}
	for (i = 0; i < names.n; i++) {
		if (names.v[i][0] == '\0') {
			gd_inv_err(ld, k->line, "empty host name");
			goto out;
		}
		if (gd_inv_spend(ld, 1 + (v->kind == GD_Y_MAP ? v->n / 2 : 0), k->line) < 0)
			goto out;
		hid = gd_inv_add_host(ld, names.v[i], gid, port, k->line);
		if (v->kind != GD_Y_MAP)
			continue;
		for (j = 0; j + 1 < v->n; j += 2) {
			const struct gd_ynode *vv = v->kids[j + 1];
			size_t same;

			/* InventoryData.set_variable() looks for a group of that
			 * name first: such a host's variables go to the group */
			if (smap_get(&ld->gmap, names.v[i], &same)) {
				if (group_var(ld, same, v->kids[j], vv) < 0)
					goto out;
				continue;
			}
			gd_inv_vlist_set(&ld->hosts[hid].vars, v->kids[j]->str,
			    vv->kind == GD_Y_SCALAR && vv->type != T_NULL ? vv->str : NULL, vv->line);
		}
	}
	rc = 0;
out:
	free(host);
	free(port);
	strv_free(&names);
	return rc;
}

static int parse_group(struct loader *ld, struct gd_ynode *key, struct gd_ynode *data, int level);

/* InventoryData.add_child(): a child is a group, or (oddly) a known host. */
static int
add_child(struct loader *ld, size_t gid, const struct gd_ynode *key)
{
	size_t cid;

	if (is_str(key) && smap_get(&ld->gmap, key->str, &cid)) {
		if (cid == gid)
			return gd_inv_err(ld, key->line, "group '%s' cannot be a child of itself",
			    key->str);
		if (cid == G_ALL)
			return gd_inv_err(ld, key->line, "group 'all' cannot be a child of '%s': "
			    "every group is inside 'all' already", ld->groups[gid].name);
		gd_inv_add_edge(ld, gid, cid, key->line);
		return 0;
	}
	if (is_str(key) && smap_get(&ld->hmap, key->str, &cid)) {
		gd_inv_add_member(ld, gid, cid);
		return 0;
	}
	return gd_inv_err(ld, key->line, "'%s' is not a known host nor group", key->str);
}

/* The yaml plugin's _parse_group(). */
static int
parse_group(struct loader *ld, struct gd_ynode *key, struct gd_ynode *data, int level)
{
	static const char *const sections[] = { "vars", "children", "hosts", NULL };
	struct gd_ynode *tmp[2], **kv;
	size_t gid, i, j, n;
	const char *name = key->str;

	if (level > MAX_DEPTH)
		return gd_inv_err(ld, key->line, "groups nested deeper than %d levels", MAX_DEPTH);
	if (gd_inv_spend(ld, 1, key->line) < 0)
		return -1;
	if (data->kind != GD_Y_MAP && !is_null(data)) {
		gd_inv_warn(ld, data->line, "skipping '%s': a group is a mapping, not %s",
		    name, describe(data));
		return 0;
	}
	if (!is_str(key))
		return gd_inv_err(ld, key->line, "group name '%s' must be a string, not %s",
		    name, describe(key));
	if (name[0] == '\0')
		return gd_inv_err(ld, key->line, "empty group name");
	gid = gd_inv_add_group(ld, name, key->line);
	if (data->kind != GD_Y_MAP)
		return 0;
	for (i = 0; i + 1 < data->n; i += 2) {
		struct gd_ynode *k = data->kids[i], *v = data->kids[i + 1];

		if (is_str(k) && in_list(sections, k->str) && v->kind != GD_Y_MAP &&
		    !is_null(v) && !is_str(v))
			return gd_inv_err(ld, k->line, "%s of group '%s' must be a mapping, not %s",
			    k->str, name, describe(v));
	}
	for (i = 0; i + 1 < data->n; i += 2) {
		struct gd_ynode *k = data->kids[i], *v = data->kids[i + 1];
		int section = is_str(k) && in_list(sections, k->str);

		if (!(section && is_str(v)) && v->kind != GD_Y_MAP && !is_null(v)) {
			gd_inv_warn(ld, v->line, "skipping key '%s' in group '%s': not a mapping",
			    k->str, name);
			continue;
		}
		if (is_null(v))
			continue;
		if (!section) {
			gd_inv_warn(ld, k->line, "skipping unexpected key '%s' in group '%s': only "
			    "vars, children and hosts are valid", k->str, name);
			continue;
		}
		section_pairs(ld, v, tmp, &kv, &n);
		if (gd_inv_spend(ld, n / 2, k->line) < 0)
			return -1;
		for (j = 0; j + 1 < n; j += 2) {
			if (strcmp(k->str, "vars") == 0) {
				if (group_var(ld, gid, kv[j], kv[j + 1]) < 0)
					return -1;
			} else if (strcmp(k->str, "children") == 0) {
				if (parse_group(ld, kv[j], kv[j + 1], level + 1) < 0 ||
				    add_child(ld, gid, kv[j]) < 0)
					return -1;
			} else if (parse_hosts_entry(ld, gid, kv[j], kv[j + 1]) < 0) {
				return -1;
			}
		}
	}
	return 0;
}

static int
yaml_root(struct loader *ld, struct gd_ynode *root)
{
	size_t i;

	if (root == NULL || is_null(root))
		return gd_inv_err(ld, root ? root->line : 1, "the inventory is empty");
	if (root->kind != GD_Y_MAP)
		return gd_inv_err(ld, root->line, "an inventory must be a mapping of groups, not %s",
		    describe(root));
	if (root->n == 0)
		return gd_inv_err(ld, root->line, "the inventory has no groups");
	for (i = 0; i + 1 < root->n; i += 2)
		if (is_str(root->kids[i]) && strcmp(root->kids[i]->str, "plugin") == 0 &&
		    !falsy(root->kids[i + 1]))
			return gd_inv_err(ld, root->kids[i]->line, "this is an inventory plugin "
			    "configuration ('plugin:'), not a YAML inventory");
	for (i = 0; i + 1 < root->n; i += 2)
		if (parse_group(ld, root->kids[i], root->kids[i + 1], 0) < 0)
			return -1;
	return 0;
}


int
gd_inv_yaml_read(struct loader *ld)
{
	/* PyYAML's int and float resolvers (YAML 1.1) */
	static const char re_int[] = "^([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|"
	    "[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$";
	static const char re_float[] = "^([-+]?([0-9][0-9_]*)\\.[0-9_]*([eE][-+][0-9]+)?|"
	    "\\.[0-9][0-9_]*([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*|"
	    "[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN))$";
	struct gd_yaml_opts yo = {
		.what = "an inventory", .big = ", not an inventory", .max_bytes = MAX_BYTES,
		.max_depth = MAX_DEPTH, .aliases = 1, .scalar = type_scalar,
		.mapping = map_finish, .alias = count_alias, .arg = ld,
	};

	ld->null.kind = GD_Y_SCALAR;
	ld->null.type = T_NULL;
	ld->null.flags = F_FALSY;
	ld->null.str = (char *)"";
	if (!ld->re_ready) {
		if (regcomp(&ld->re_int, re_int, REG_EXTENDED | REG_NOSUB) != 0)
			return gd_errf(ld->err, ld->errlen, "cannot compile a regular expression");
		if (regcomp(&ld->re_float, re_float, REG_EXTENDED | REG_NOSUB) != 0) {
			regfree(&ld->re_int);
			return gd_errf(ld->err, ld->errlen, "cannot compile a regular expression");
		}
		ld->re_ready = 1;
	}
	if (gd_yaml_load(ld->path, &yo, &ld->root, ld->err, ld->errlen) < 0)
		return -1;
	return yaml_root(ld, ld->root);
}
