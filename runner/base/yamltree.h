/* yamltree.h: a YAML file as a tree of nodes, read with libyaml's events.
 *
 * One loader for inventories and question banks. It checks what any YAML
 * file must be here (one document, UTF-8, no NUL, a size and a depth) and
 * leaves the meaning of scalars, keys and aliases to the caller's options. */
#ifndef GD_YAMLTREE_H
#define GD_YAMLTREE_H

#include <stdarg.h>
#include <stddef.h>

enum { GD_Y_SCALAR, GD_Y_SEQ, GD_Y_MAP };

struct gd_ynode {
	int kind;                  /* GD_Y_SCALAR, GD_Y_SEQ or GD_Y_MAP */
	size_t line;
	char *str;                 /* scalar text as written; NULL for collections */
	int plain;                 /* an unquoted scalar */
	int type, flags;           /* free for the caller's hooks */
	struct gd_ynode **kids;    /* sequence items, or key, value, key, value... */
	size_t n, cap;
	int done;                  /* private: complete, so an alias may name it */
	struct gd_ynode *next;     /* private: the node made after this one */
};

/* Where two kinds of file differ. The hooks may be NULL; one that returns
 * -1 has filled err and stops the load. */
struct gd_yaml_opts {
	const char *what;          /* "an inventory": "a second YAML document; WHAT is one mapping" */
	const char *big;           /* after "FILE: larger than N MiB", such as ", not an inventory" */
	long max_bytes;
	int max_depth;
	int aliases;               /* 1: an alias shares the node its anchor names; 0: refused */
	int (*scalar)(void *arg, struct gd_ynode *n, const char *tag);  /* tag NULL when none */
	int (*mapping)(void *arg, struct gd_ynode *m);   /* at its end, before its parent */
	int (*alias)(void *arg, struct gd_ynode *n, size_t line);   /* n named again at line */
	void *arg;
};

/* The whole file, at most o->max_bytes, NUL-terminated. Caller frees *text. */
int gd_yaml_read(const char *path, const struct gd_yaml_opts *o, char **text, size_t *len,
    char *err, size_t errlen);

/* Builds the tree of the one document in text; *root is NULL when there is
 * none (an empty or comments-only file). Free it with gd_yaml_free. On error
 * fills err with "NAME: line N: what" and returns -1. */
int gd_yaml_parse(const char *name, const char *text, size_t len, const struct gd_yaml_opts *o,
    struct gd_ynode **root, char *err, size_t errlen);

/* gd_yaml_read and gd_yaml_parse. */
int gd_yaml_load(const char *path, const struct gd_yaml_opts *o, struct gd_ynode **root,
    char *err, size_t errlen);

/* Frees every node of a tree that gd_yaml_parse made; root must be its root. */
void gd_yaml_free(struct gd_ynode *root);

/* Appends kid to p's items, for hooks that rebuild a mapping. */
void gd_yaml_push(struct gd_ynode *p, struct gd_ynode *kid);

/* The value of key in mapping m, or NULL. Borrowed. */
struct gd_ynode *gd_yaml_get(const struct gd_ynode *m, const char *key);

/* 1 for YAML's null: a plain scalar that is empty, ~, null, Null or NULL. */
int gd_yaml_is_null(const struct gd_ynode *n);

/* "NAME: line N: message" into err; returns -1. */
int gd_yaml_verrf(char *err, size_t errlen, const char *name, size_t line, const char *fmt,
    va_list ap) __attribute__((format(printf, 5, 0)));

/* A file's name and the caller's error buffer, for the helpers below. */
struct gd_yaml_ctx {
	const char *name;
	char *err;
	size_t errlen;
};

/* "NAME: line N: what" into c's buffer; returns -1. */
int gd_yaml_errf(const struct gd_yaml_ctx *c, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A mapping hook (arg: a struct gd_yaml_ctx) that refuses keys that are not
 * plain values and duplicate keys, naming both lines. */
int gd_yaml_no_dup_keys(void *arg, struct gd_ynode *m);

#endif
