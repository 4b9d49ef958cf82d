/* bankyaml.c: the YAML rules that banks and answers files share: plain
 * values, no aliases, no duplicate keys, at most 4 MiB; "FILE: line N: what"
 * messages; warnings kept for the caller. */
#include <stdlib.h>
#include <string.h>

#include "bankyaml.h"
#include "gd.h"

/* Empty: '', or YAML's null. */
int
gd_bank_is_empty(const struct gd_ynode *n)
{
	return n->kind == GD_Y_SCALAR && (n->str[0] == '\0' || gd_yaml_is_null(n));
}

const char *
gd_bank_describe(const struct gd_ynode *n)
{
	return n->kind == GD_Y_SEQ ? "a list" : n->kind == GD_Y_MAP ? "a mapping" : "a value";
}

/* Duplicate keys are refused: in a bank they are always a mistake. */
static int
map_check(void *arg, struct gd_ynode *m)
{
	const struct gd_yaml_ctx *c = arg;
	size_t i, j;

	if (m->n / 2 > GD_BANK_MAX_KEYS)
		return gd_yaml_errf(c, m->line, "more than %d entries in one mapping", GD_BANK_MAX_KEYS);
	for (i = 0; i < m->n; i += 2) {
		if (m->kids[i]->kind != GD_Y_SCALAR)
			return gd_yaml_errf(c, m->kids[i]->line, "a key must be a plain value, not %s",
			    gd_bank_describe(m->kids[i]));
		for (j = 0; j < i; j += 2)
			if (strcmp(m->kids[i]->str, m->kids[j]->str) == 0)
				return gd_yaml_errf(c, m->kids[i]->line, "duplicate key '%s' (first at line %zu)",
				    m->kids[i]->str, m->kids[j]->line);
	}
	return 0;
}

/* Banks and answers files: plain values, no aliases, no duplicate keys. */
const struct gd_yaml_opts gd_bank_yaml = {
	.what = "a bank or answers file", .big = ", too big for a question bank or answers file",
	.max_bytes = GD_BANK_MAX_BYTES,
	.max_depth = GD_BANK_MAX_DEPTH, .aliases = 0, .mapping = map_check,
};

/* The tree of the one document in text, NULL when empty. Caller frees
 * with gd_yaml_free. */
int
gd_bank_tree(struct gd_yaml_ctx *c, const char *text, size_t len, struct gd_ynode **root)
{
	struct gd_yaml_opts o = gd_bank_yaml;

	o.arg = c;
	return gd_yaml_parse(c->name, text, len, &o, root, c->err, c->errlen);
}

void
gd_bank_warn(char ***w, size_t *n, char *msg)
{
	*w = gd_xrealloc(*w, (*n + 1) * sizeof(**w));
	(*w)[(*n)++] = msg;
}
