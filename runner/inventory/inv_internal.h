/* inv_internal.h: what the parts of runner/inventory/ share, and only they.
 *
 * load.c    the loader: errors, budgets, the group and host graph as
 *           InventoryData builds it, gd_inventory_load and friends
 * yaml.c    the YAML inventory plugin (PyYAML typing, merges, groups)
 * ranges.c  host names, addresses and host ranges (parse_address,
 *           expand_hostname_range)
 * vars.c    reconcile_inventory, 'ungrouped', group depths and the
 *           variable precedence, then the public host list
 * patterns.c host patterns, as InventoryManager resolves them */
#ifndef GD_INV_INTERNAL_H
#define GD_INV_INTERNAL_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gd.h"
#include "inventory.h"
#include "map.h"
#include "yamltree.h"

#define MAX_DEPTH 256           /* YAML nesting, and groups inside groups */
#define MAX_BYTES (64L << 20)   /* larger files are not inventories */
#define MAX_WORK 20000000       /* entries visited after aliases, merges, ranges */
#define MAX_NAME 4096           /* a host name */
#define MAX_WARN 50
#define MAX_RAW (1 << 24)       /* hosts listed before a subscript applies */

#define NONE ((size_t)-1)
#define G_ALL 0
#define G_UNGROUPED 1

struct idxv {
	size_t *v;
	size_t n, cap;
};

static inline void
idxv_push(struct idxv *a, size_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->v = gd_xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = x;
}

/* key's value into *v when the map has it */
static inline int
smap_get(const struct gd_map *m, const char *k, size_t *v)
{
	const size_t *p = gd_map_get(m, k);

	if (p != NULL)
		*v = *p;
	return p != NULL;
}

struct strv {
	char **v;
	size_t n, cap;
};

static inline void
strv_push(struct strv *a, char *s)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->v = gd_xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = s;
}

static inline void
strv_free(struct strv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}


/* A set of non-zero 64-bit keys: group membership and group edges. */
struct uset {
	uint64_t *t;
	size_t n, cap;
};

#define MEMBER(g, h) ((1ULL << 62) | ((uint64_t)(g) << 31) | (uint64_t)(h))
#define EDGE(p, c) ((2ULL << 62) | ((uint64_t)(p) << 31) | (uint64_t)(c))

/* Variables in the order first set, with an index by name. A NULL value is
 * a null or a list/mapping: not usable, but it still overrides, as in Ansible. */
struct vlist {
	struct gd_var *v;
	size_t n, cap;
	struct gd_map idx;
};

struct gd_group {
	char *name;
	size_t line;
	long depth;             /* longest path from 'all' */
	long priority;          /* ansible_group_priority */
	struct idxv hosts;      /* direct hosts */
	struct idxv kids;       /* child groups */
	struct idxv kidlines;   /* where each child was named */
	struct idxv parents;
	struct vlist vars;      /* from the inventory sources */
	struct vlist *fvars;    /* from group_vars/, one list per source */
};

struct gd_inv_index {
	size_t *defined;        /* hosts in the order first defined: Ansible's host dict */
	struct gd_map byname;     /* host name -> index */
};

/* A host while loading, numbered in the order first defined. */
struct ihost {
	char *name;
	size_t line;
	const char *file;       /* where it was first defined */
	struct vlist vars;
	struct vlist *fvars;    /* from host_vars/, one list per source */
	struct idxv groups;     /* direct groups; all its groups when fixed */
	int fixed;
};

/* Ansible host names may be IPv6 addresses; its pattern is a regex. */
struct addr_re {
	regex_t re;
	int state;              /* 0 not compiled, 1 ready, -1 failed */
};

/* YAML scalars, typed the way PyYAML types them */
enum { T_STR, T_NULL, T_BOOL, T_INT, T_FLOAT };   /* gd_ynode.type of a scalar */
#define F_MERGE 1               /* gd_ynode.flags: a '<<' key */
#define F_FALSY 2               /* a scalar false in Python's sense */

#define MAX_HOSTS 100000        /* hosts in an inventory, counted before ranges expand */
#define MAX_SOURCES 64

struct loader {
	const char *path;       /* the file being read, for messages */
	char *err;
	size_t errlen;
	struct gd_ynode *root;
	regex_t re_int, re_float;
	int re_ready;
	struct addr_re ipv6;
	size_t work;
	struct gd_ynode null;   /* stands for the value of 'hosts: name' */
	struct gd_group *groups;
	size_t ngroups, cgroups;
	struct gd_map gmap;
	struct ihost *hosts;
	size_t nhosts, chosts;
	struct gd_map hmap;
	struct uset links;
	char **warn;
	size_t nwarn;
	struct strv files;      /* every file read; path points into it */
	struct strv srcfiles;   /* the inventory files read so far, in order */
	struct strv bases;      /* each source's dir for group_vars/ and host_vars/ */
	size_t nsources;
	int quiet_types;        /* YAML hooks for a vars file: no inventory checks */
};

/* Scratch space for walking groups: stamps instead of clearing arrays. */
struct walk {
	size_t *gstamp, *hstamp, stamp;
	struct idxv queue;
};

/* load.c */
int gd_inv_uset_has(const struct uset *s, uint64_t k);
int gd_inv_uset_add(struct uset *s, uint64_t k);
/* Sets key in l to a copy of value (NULL for null, lists and mappings). */
void gd_inv_vlist_set(struct vlist *l, const char *key, const char *value, int type,
    const char *file, size_t line);
void gd_inv_vlist_free(struct vlist *l);
const struct gd_var *gd_inv_vlist_get(const struct vlist *l, const char *key);
/* "PATH: line N: message" into the caller's buffer; returns -1. */
int gd_inv_err(struct loader *ld, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "PATH: line N: message" into the inventory's warnings. */
void gd_inv_warn(struct loader *ld, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A warning without a line: "PATH: message" (path NULL: the file being read). */
void gd_inv_warn_file(struct loader *ld, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int gd_inv_spend(struct loader *ld, size_t n, size_t line);
/* Makes path the file being read (kept for messages and gd_var.file). */
void gd_inv_set_file(struct loader *ld, const char *path);
size_t gd_inv_add_group(struct loader *ld, const char *name, size_t line);
void gd_inv_add_edge(struct loader *ld, size_t p, size_t c, size_t line);
void gd_inv_add_member(struct loader *ld, size_t g, size_t h);
size_t gd_inv_add_host(struct loader *ld, const char *name, size_t gid, const char *port,
    size_t line);
/* InventoryData.add_child(): child is a group, or (oddly) a known host. */
int gd_inv_add_child(struct loader *ld, size_t gid, const char *child, size_t line);
/* InventoryData.set_variable(): on the group of that name if there is one,
 * else on the host. ansible_group_priority sets the group's priority. */
int gd_inv_set_var(struct loader *ld, size_t gid, size_t hid, const char *key,
    const char *value, int type, size_t line);
void gd_inv_groups_free(struct gd_group *G, size_t n, size_t nsources);

/* yaml.c */
/* Reads text (ld->path's) as a YAML inventory into the graph. Returns 1 when
 * it is not one (not YAML, or not a mapping: the caller may try INI), 0 when
 * read, -1 on an error in what is a YAML inventory. */
int gd_inv_yaml_read(struct loader *ld, const char *text, size_t len);
/* Parses text as YAML typed as Ansible types it, into *root (NULL: empty). */
int gd_inv_yaml_tree(struct loader *ld, const char *text, size_t len, struct gd_ynode **root);
/* The type and text (borrowed, NULL when not a scalar) of a typed node's value,
 * into *type; an int is put in decimal into buf. */
const char *gd_inv_yaml_value(const struct gd_ynode *v, int *type, char *buf, size_t len);

/* ini.c: reads text (ld->path's) as an INI inventory into the graph. */
int gd_inv_ini_read(struct loader *ld, const char *text, size_t len);

/* pyval.c: Python's ast.literal_eval() of s as the INI plugin applies it:
 * the value's type, and its text into *out (malloc'd; NULL for None, lists,
 * dicts, tuples and sets). A string literal_eval refuses stays as it is;
 * *unsure is set when Python might read it where gameday cannot (\N{NAME}). */
int gd_inv_pyval(const char *s, char **out, int *unsure);
/* shlex.split(s, comments=True) into out; -1 with a reason on bad quoting. */
int gd_inv_shlex(const char *s, struct strv *out, const char **why);

/* plugin.c: reads path through `ansible-inventory -i PATH --list --export`. */
int gd_inv_plugin_read(struct loader *ld, const char *path, const char *why);

/* varsfiles.c: group_vars/ and host_vars/ of every source, into fvars. */
int gd_inv_vars_files(struct loader *ld);

/* ranges.c */
int gd_inv_parse_address(struct addr_re *r, const char *s, char **hostp, char **portp);
void gd_inv_addr_re_free(struct addr_re *r);
int gd_inv_expand_ranges(struct loader *ld, const char *line, struct strv *out, size_t lineno);
/* Whether s is a host name (letters, digits, '-', '_', dots) or an IPv4 or
 * IPv6 address, which can name an SSH host. */
int gd_inv_valid_addr(const char *s);

/* vars.c */
int gd_inv_finish(struct loader *ld, struct gd_inventory *inv);
void gd_inv_walk_init(struct walk *w, size_t ng, size_t nh);
void gd_inv_walk_free(struct walk *w);
void gd_inv_group_hosts(const struct gd_group *G, size_t root, struct walk *w, struct idxv *out);
void gd_inv_host_clear(struct gd_host *h);

/* connvars.c: the connection fields of h from its merged variables m, and
 * warnings or a refusal for what gameday does not implement. */
int gd_inv_host_fill(struct loader *ld, struct gd_host *h, struct vlist *m);

#endif
