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

/* YAML 1.1's int (0b, 0x, 0 for octal, 1:30 for base 60, '_' anywhere) in
 * decimal into buf; the text itself when it does not fit. */
static const char *
yaml_int(const char *s, char *buf, size_t len)
{
	char clean[128];
	size_t i, k = 0;
	int neg = 0, base = 10;
	long long v = 0, part;
	const char *p = s;
	char *end;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	for (i = 0; p[i] != '\0' && k + 1 < sizeof(clean); i++)
		if (p[i] != '_')
			clean[k++] = p[i];
	clean[k] = '\0';
	if (p[i] != '\0')
		return s;
	errno = 0;
	if (strchr(clean, ':') != NULL) {   /* sexagesimal */
		for (p = clean; *p != '\0'; p = *end ? end + 1 : end) {
			part = strtoll(p, &end, 10);
			if (v > LLONG_MAX / 60)
				return s;
			v = v * 60 + part;
		}
	} else {
		p = clean;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
			base = 16;
			p += 2;
		} else if (p[0] == '0' && p[1] == 'b') {
			base = 2;
			p += 2;
		} else if (p[0] == '0' && p[1] != '\0') {
			base = 8;
		}
		v = strtoll(p, &end, base);
		if (*end != '\0')
			return s;
	}
	if (errno != 0)
		return s;
	snprintf(buf, len, "%lld", neg ? -v : v);
	return buf;
}

const char *
gd_inv_yaml_value(const struct gd_ynode *v, int *type, char *buf, size_t len)
{
	if (v->kind == GD_Y_SEQ) {
		*type = GD_VAR_LIST;
		return NULL;
	}
	if (v->kind == GD_Y_MAP) {
		*type = GD_VAR_MAP;
		return NULL;
	}
	switch (v->type) {
	case T_NULL: *type = GD_VAR_NULL; return NULL;
	case T_BOOL: *type = GD_VAR_BOOL; return v->str;
	case T_INT: *type = GD_VAR_INT; return yaml_int(v->str, buf, len);
	case T_FLOAT: *type = GD_VAR_FLOAT; return v->str;
	default: *type = GD_VAR_STR; return v->str;
	}
}

static int
group_var(struct loader *ld, size_t gid, const struct gd_ynode *k, const struct gd_ynode *v)
{
	char buf[32];
	const char *val;
	int type;

	if (strcmp(k->str, "ansible_group_priority") == 0 && !(v->kind == GD_Y_SCALAR &&
	    (v->type == T_INT || v->type == T_STR || v->type == T_BOOL || v->type == T_FLOAT)))
		return gd_inv_err(ld, v->line, "ansible_group_priority of group '%s' must be "
		    "an integer, not %s", ld->groups[gid].name, describe(v));
	val = gd_inv_yaml_value(v, &type, buf, sizeof(buf));
	return gd_inv_set_var(ld, gid, NONE, k->str, val, type, v->line);
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
			char buf[32];
			const char *val;
			int type;

			/* InventoryData.set_variable() looks for a group of that
			 * name first: such a host's variables go to the group */
			val = gd_inv_yaml_value(vv, &type, buf, sizeof(buf));
			if (gd_inv_set_var(ld, NONE, hid, v->kids[j]->str, val, type, vv->line) < 0)
				goto out;
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
				if (parse_group(ld, kv[j], kv[j + 1], level + 1) < 0)
					return -1;
				if (!is_str(kv[j]))
					return gd_inv_err(ld, kv[j]->line, "'%s' is not a known host "
					    "nor group", kv[j]->str);
				if (gd_inv_add_child(ld, gid, kv[j]->str, kv[j]->line) < 0)
					return -1;
			} else if (parse_hosts_entry(ld, gid, kv[j], kv[j + 1]) < 0) {
				return -1;
			}
		}
	}
	return 0;
}

/* The yaml plugin's parse(): 1 when root is not a YAML inventory (the ini
 * plugin gets its turn), 2 when it is a plugin configuration. */
static int
yaml_root(struct loader *ld, struct gd_ynode *root)
{
	size_t i;

	if (root == NULL || is_null(root))
		return 1;
	if (root->kind != GD_Y_MAP) {
		gd_inv_err(ld, root->line, "a YAML inventory must be a mapping of groups, not %s",
		    describe(root));
		return 1;
	}
	if (root->n == 0)
		return gd_inv_err(ld, root->line, "the inventory has no groups");
	for (i = 0; i + 1 < root->n; i += 2)
		if (is_str(root->kids[i]) && strcmp(root->kids[i]->str, "plugin") == 0 &&
		    !falsy(root->kids[i + 1])) {
			const char *ext = strrchr(ld->path, '.');

			if (ext != NULL && (strcmp(ext, ".yml") == 0 || strcmp(ext, ".yaml") == 0))
				return 2;
			return gd_inv_err(ld, root->kids[i]->line, "this is an inventory plugin "
			    "configuration ('plugin:'), which Ansible reads only from a .yml or "
			    ".yaml file");
		}
	for (i = 0; i + 1 < root->n; i += 2)
		if (parse_group(ld, root->kids[i], root->kids[i + 1], 0) < 0)
			return -1;
	return 0;
}

int
gd_inv_yaml_tree(struct loader *ld, const char *text, size_t len, struct gd_ynode **root)
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

	*root = NULL;
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
	return gd_yaml_parse(ld->path, text, len, &yo, root, ld->err, ld->errlen);
}

int
gd_inv_yaml_read(struct loader *ld, const char *text, size_t len)
{
	struct gd_ynode *root = NULL;
	int rc;

	if (gd_inv_yaml_tree(ld, text, len, &root) < 0)
		return 1;
	rc = yaml_root(ld, root);
	gd_yaml_free(root);
	return rc;
}
