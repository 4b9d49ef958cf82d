/* yamltree.c: YAML files read with libyaml's event API into a tree of nodes.
 *
 * Every node is made by node_new and chained to the one made before it, so
 * that a tree whose aliases share nodes is freed once from its root (the
 * first node of a document is its root). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "gd.h"
#include "map.h"
#include "yamltree.h"

/* Anchors: name -> index in nodes. */
struct anchors {
	struct gd_map byname;
	struct gd_ynode **nodes;
	size_t n;
};

struct loader {
	const struct gd_yaml_opts *o;
	const char *name;
	char *err;
	size_t errlen;
	const char *text;
	size_t len;
	struct gd_ynode *head, *tail;   /* every node, in the order made */
	struct anchors anchors;
};

int
gd_yaml_verrf(char *err, size_t errlen, const char *name, size_t line, const char *fmt,
    va_list ap)
{
	char msg[GD_ERRLEN];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return gd_errf(err, errlen, "%s: line %zu: %s", name, line, msg);
}

static int
lerr(const struct loader *ld, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
lerr(const struct loader *ld, size_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gd_yaml_verrf(ld->err, ld->errlen, ld->name, line, fmt, ap);
	va_end(ap);
	return -1;
}

static struct gd_ynode *
node_new(struct loader *ld, int kind, size_t line)
{
	struct gd_ynode *n = gd_xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = line;
	if (ld->tail != NULL)
		ld->tail->next = n;
	else
		ld->head = n;
	ld->tail = n;
	return n;
}

void
gd_yaml_free(struct gd_ynode *root)
{
	struct gd_ynode *next;

	for (; root != NULL; root = next) {
		next = root->next;
		free(root->str);
		free(root->kids);
		free(root);
	}
}

void
gd_yaml_push(struct gd_ynode *p, struct gd_ynode *kid)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->kids = gd_xrealloc(p->kids, p->cap * sizeof(*p->kids));
	}
	p->kids[p->n++] = kid;
}

struct gd_ynode *
gd_yaml_get(const struct gd_ynode *m, const char *key)
{
	size_t i;

	if (m->kind != GD_Y_MAP)
		return NULL;
	for (i = 0; i + 1 < m->n; i += 2)
		if (m->kids[i]->kind == GD_Y_SCALAR && strcmp(m->kids[i]->str, key) == 0)
			return m->kids[i + 1];
	return NULL;
}

int
gd_yaml_is_null(const struct gd_ynode *n)
{
	const char *s = n->str;

	return n->kind == GD_Y_SCALAR && n->plain && (s[0] == '\0' || strcmp(s, "~") == 0 ||
	    strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0);
}

static struct gd_ynode *
anchor_get(const struct anchors *a, const char *name)
{
	const size_t *i = gd_map_get(&a->byname, name);

	return i != NULL ? a->nodes[*i] : NULL;
}

static int
anchor_add(struct loader *ld, const char *name, struct gd_ynode *n)
{
	struct anchors *a = &ld->anchors;
	struct gd_ynode *old = anchor_get(a, name);

	if (old != NULL)
		return lerr(ld, n->line, "duplicate anchor &%s (first at line %zu)",
		    name, old->line);
	a->nodes = gd_xrealloc(a->nodes, (a->n + 1) * sizeof(*a->nodes));
	a->nodes[a->n] = n;
	gd_map_put(&a->byname, name, a->n++);
	return 0;
}

/* The line of a byte offset, for reader errors (bad UTF-8) that carry none. */
static size_t
offset_line(const char *text, size_t len, size_t off)
{
	size_t i, line = 1;

	for (i = 0; i < off && i < len; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

static int
parse_error(const struct loader *ld, const yaml_parser_t *p)
{
	size_t line;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return gd_errf(ld->err, ld->errlen, "%s: out of memory", ld->name);
	case YAML_READER_ERROR:
		line = offset_line(ld->text, ld->len, p->problem_offset);
		if (p->problem_value != -1)
			return lerr(ld, line, "the file is not UTF-8 (%s 0x%02X)",
			    p->problem, (unsigned)p->problem_value);
		return lerr(ld, line, "%s", p->problem);
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
		if (p->context != NULL)
			return lerr(ld, p->problem_mark.line + 1, "%s (%s at line %zu)",
			    p->problem, p->context, p->context_mark.line + 1);
		return lerr(ld, p->problem_mark.line + 1, "%s", p->problem);
	default:
		return lerr(ld, p->mark.line + 1, "%s", p->problem ? p->problem : "YAML error");
	}
}

static struct gd_ynode *
make_scalar(struct loader *ld, const yaml_event_t *ev, size_t line)
{
	const char *val = (const char *)ev->data.scalar.value;
	const char *anchor = (const char *)ev->data.scalar.anchor;
	size_t len = ev->data.scalar.length;
	struct gd_ynode *n;

	if (memchr(val, '\0', len) != NULL) {
		lerr(ld, line, "a string holds a NUL character");
		return NULL;
	}
	n = node_new(ld, GD_Y_SCALAR, line);
	n->str = gd_xmalloc(len + 1);
	memcpy(n->str, val, len);
	n->str[len] = '\0';
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->done = 1;
	if (ld->o->scalar != NULL &&
	    ld->o->scalar(ld->o->arg, n, (const char *)ev->data.scalar.tag) < 0)
		return NULL;
	if (ld->o->aliases && anchor != NULL && anchor_add(ld, anchor, n) < 0)
		return NULL;
	return n;
}

/* The node an alias names: shared, never copied. One inside the node it
 * names (a recursive structure) is refused. */
static struct gd_ynode *
resolve_alias(struct loader *ld, const char *anchor, size_t line)
{
	struct gd_ynode *n;

	if (!ld->o->aliases) {
		lerr(ld, line, "aliases (*%s) are not supported here; write the value out", anchor);
		return NULL;
	}
	if ((n = anchor_get(&ld->anchors, anchor)) == NULL) {
		lerr(ld, line, "alias *%s has no anchor &%s before it", anchor, anchor);
		return NULL;
	}
	if (!n->done) {
		lerr(ld, line, "alias *%s is inside the node it names; "
		    "recursive structures are not supported", anchor);
		return NULL;
	}
	if (ld->o->alias != NULL && ld->o->alias(ld->o->arg, n, line) < 0)
		return NULL;
	return n;
}

/* The tree of the (single) document, from libyaml's events. */
static int
build(struct loader *ld, yaml_parser_t *p, struct gd_ynode **root)
{
	const struct gd_yaml_opts *o = ld->o;
	struct gd_ynode **st = gd_xcalloc((size_t)o->max_depth, sizeof(*st));
	struct gd_ynode *n;
	yaml_event_t ev;
	size_t depth = 0, line;
	int have_ev = 0, ndocs = 0, done = 0, rc = -1;
	const char *anchor;

	while (!done) {
		if (!yaml_parser_parse(p, &ev)) {
			parse_error(ld, p);
			goto out;
		}
		have_ev = 1;
		line = ev.start_mark.line + 1;
		n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				lerr(ld, line, "a second YAML document; %s is one mapping", o->what);
				goto out;
			}
			break;
		case YAML_ALIAS_EVENT:
			if ((n = resolve_alias(ld, (const char *)ev.data.alias.anchor, line)) == NULL)
				goto out;
			break;
		case YAML_SCALAR_EVENT:
			if ((n = make_scalar(ld, &ev, line)) == NULL)
				goto out;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == (size_t)o->max_depth) {
				lerr(ld, line, "nested deeper than %d levels", o->max_depth);
				goto out;
			}
			st[depth] = node_new(ld, ev.type == YAML_MAPPING_START_EVENT ?
			    GD_Y_MAP : GD_Y_SEQ, line);
			anchor = (const char *)(ev.type == YAML_MAPPING_START_EVENT ?
			    ev.data.mapping_start.anchor : ev.data.sequence_start.anchor);
			if (o->aliases && anchor != NULL && anchor_add(ld, anchor, st[depth]) < 0)
				goto out;
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			n = st[--depth];
			if (n->kind == GD_Y_MAP && o->mapping != NULL && o->mapping(o->arg, n) < 0)
				goto out;
			n->done = 1;
			break;
		default:
			break;
		}
		if (n != NULL) {   /* complete: into its parent */
			if (depth == 0)
				*root = n;
			else
				gd_yaml_push(st[depth - 1], n);
		}
		yaml_event_delete(&ev);
		have_ev = 0;
	}
	rc = 0;
out:
	if (have_ev)
		yaml_event_delete(&ev);
	free(st);
	return rc;
}

int
gd_yaml_parse(const char *name, const char *text, size_t len, const struct gd_yaml_opts *o,
    struct gd_ynode **root, char *err, size_t errlen)
{
	struct loader ld = { .o = o, .name = name, .err = err, .errlen = errlen,
	    .text = text, .len = len };
	yaml_parser_t p;
	int rc = -1;

	*root = NULL;
	if (!yaml_parser_initialize(&p))
		return gd_errf(err, errlen, "%s: out of memory", name);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (build(&ld, &p, root) < 0)
		goto out;
	rc = 0;
out:
	yaml_parser_delete(&p);
	gd_map_free(&ld.anchors.byname);
	free(ld.anchors.nodes);
	if (rc < 0) {
		gd_yaml_free(ld.head);
		*root = NULL;
	}
	return rc;
}

int
gd_yaml_read(const char *path, const struct gd_yaml_opts *o, char **text, size_t *len,
    char *err, size_t errlen)
{
	if ((*text = gd_read_file(path, (size_t)o->max_bytes, len, err, errlen)) != NULL)
		return 0;
	if (errno == EFBIG)
		gd_errf(err, errlen, "%s: larger than %ld MiB%s", path, o->max_bytes >> 20,
		    o->big != NULL ? o->big : "");
	return -1;
}

int
gd_yaml_load(const char *path, const struct gd_yaml_opts *o, struct gd_ynode **root,
    char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*root = NULL;
	if (gd_yaml_read(path, o, &text, &len, err, errlen) < 0)
		return -1;
	rc = gd_yaml_parse(path, text, len, o, root, err, errlen);
	free(text);
	return rc;
}

int
gd_yaml_errf(const struct gd_yaml_ctx *c, size_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gd_yaml_verrf(c->err, c->errlen, c->name, line, fmt, ap);
	va_end(ap);
	return -1;
}

int
gd_yaml_no_dup_keys(void *arg, struct gd_ynode *m)
{
	const struct gd_yaml_ctx *c = arg;
	size_t i, j;

	for (i = 0; i < m->n; i += 2) {
		if (m->kids[i]->kind != GD_Y_SCALAR)
			return gd_yaml_errf(c, m->kids[i]->line, "a key must be a plain value");
		for (j = 0; j < i; j += 2)
			if (strcmp(m->kids[i]->str, m->kids[j]->str) == 0)
				return gd_yaml_errf(c, m->kids[i]->line,
				    "duplicate key '%s' (first at line %zu)", m->kids[i]->str,
				    m->kids[j]->line);
	}
	return 0;
}
