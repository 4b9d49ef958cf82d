/* bankyaml.h: shared by bank.c and answers.c (runner/training only): the
 * YAML rules of banks and answers files and their messages. */
#ifndef GD_BANKYAML_H
#define GD_BANKYAML_H

#include <stddef.h>

#include "yamltree.h"

#define GD_BANK_MAX_BYTES (4L << 20)   /* larger files are not banks */
#define GD_BANK_MAX_DEPTH 32
#define GD_BANK_MAX_KEYS 10000         /* questions in a bank, answers in a file */

/* Empty: '', or YAML's null. */
int gd_bank_is_empty(const struct gd_ynode *n);
/* "a list", "a mapping" or "a value". */
const char *gd_bank_describe(const struct gd_ynode *n);
/* Banks and answers files: plain values, no aliases, no duplicate keys. */
extern const struct gd_yaml_opts gd_bank_yaml;
/* The tree of the one document in text, NULL when empty; caller frees it
 * with gd_yaml_free. */
int gd_bank_tree(struct gd_yaml_ctx *c, const char *text, size_t len, struct gd_ynode **root);
/* Appends msg (taking it) to the warnings *w[*n]. */
void gd_bank_warn(char ***w, size_t *n, char *msg);

#endif
