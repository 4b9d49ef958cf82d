/* answers.c: an answers file (YAML): question id to answer, each kept as
 * written, cut at GD_ANSWER_MAX. */
#include <stdlib.h>
#include <string.h>

#include "bank.h"
#include "bankyaml.h"
#include "gd.h"

int
gd_answer_cut(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return 0;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;   /* s[max] continues a sequence: cut before its lead byte */
	s[max] = '\0';
	return 1;
}

void
gd_answers_free(struct gd_answers *a)
{
	size_t i, j;

	for (i = 0; i < a->n; i++) {
		free(a->a[i].id);
		for (j = 0; j < a->a[i].nparts; j++)
			free(a->a[i].parts[j]);
		free(a->a[i].parts);
	}
	free(a->a);
	for (i = 0; i < a->nwarnings; i++)
		free(a->warnings[i]);
	free(a->warnings);
	free(a->path);
	memset(a, 0, sizeof(*a));
}

static int
answers_build(const struct gd_yaml_ctx *c, struct gd_answers *a, const struct gd_ynode *root)
{
	size_t i, j;

	if (root == NULL || gd_bank_is_empty(root))
		return 0;   /* no answers: every question is missing */
	if (root->kind != GD_Y_MAP)
		return gd_yaml_errf(c, root->line, "answers are a mapping of question id to answer, "
		    "not %s", gd_bank_describe(root));
	a->a = gd_xcalloc(root->n / 2 + 1, sizeof(*a->a));
	for (i = 0; i + 1 < root->n; i += 2) {
		const struct gd_ynode *k = root->kids[i], *v = root->kids[i + 1];
		struct gd_answer *x = &a->a[a->n++];
		size_t left = GD_ANSWER_MAX;

		x->id = gd_xstrdup(k->str);
		x->line = k->line;
		if (v->kind == GD_Y_MAP)
			return gd_yaml_errf(c, v->line, "the answer to '%s' is a mapping; an answer is "
			    "text, a number or a list", k->str);
		if (v->kind == GD_Y_SCALAR) {
			if (gd_yaml_is_null(v))
				continue;   /* `id:` alone: answered with nothing */
			x->parts = gd_xcalloc(1, sizeof(*x->parts));
			x->parts[x->nparts++] = gd_xstrdup(v->str);
		} else {
			x->list = 1;
			x->parts = gd_xcalloc(v->n + 1, sizeof(*x->parts));
			for (j = 0; j < v->n; j++) {
				if (v->kids[j]->kind != GD_Y_SCALAR)
					return gd_yaml_errf(c, v->kids[j]->line, "the answer to '%s': a list "
					    "item is %s; items are text or numbers", k->str,
					    gd_bank_describe(v->kids[j]));
				x->parts[x->nparts++] = gd_xstrdup(v->kids[j]->str);
			}
		}
		for (j = 0; j < x->nparts; j++) {   /* the cap is for the whole answer */
			if (gd_answer_cut(x->parts[j], left))
				x->truncated = 1;
			left -= strlen(x->parts[j]);
		}
		if (x->truncated)
			gd_bank_warn(&a->warnings, &a->nwarnings, gd_xasprintf("%s: line %zu: the "
			    "answer to '%s' is longer than %d bytes; cut there", c->name,
			    v->line, k->str, GD_ANSWER_MAX));
	}
	return 0;
}

int
gd_answers_parse(struct gd_answers *a, const char *name, const char *text, size_t len,
    char *err, size_t errlen)
{
	struct gd_yaml_ctx c = { name, err, errlen };
	struct gd_ynode *root = NULL;
	int rc = -1;

	memset(a, 0, sizeof(*a));
	a->path = gd_xstrdup(name);
	if (gd_bank_tree(&c, text, len, &root) < 0)
		goto out;
	if (answers_build(&c, a, root) < 0)
		goto out;
	rc = 0;
out:
	gd_yaml_free(root);
	if (rc < 0)
		gd_answers_free(a);
	return rc;
}

int
gd_answers_load(struct gd_answers *a, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(a, 0, sizeof(*a));
	if (gd_yaml_read(path, &gd_bank_yaml, &text, &len, err, errlen) < 0)
		return -1;
	rc = gd_answers_parse(a, path, text, len, err, errlen);
	free(text);
	return rc;
}
