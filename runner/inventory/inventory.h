/* inventory.h: Ansible YAML inventories and host patterns. */
#ifndef GD_INVENTORY_H
#define GD_INVENTORY_H

#include <stddef.h>

/* One variable after inheritance (scalars only, as strings). */
struct gd_var {
	char *key;
	char *value;
	size_t line;       /* where the winning value was written, for messages */
};

/* A host with its variables merged the way Ansible merges them
 * (all < parent groups < child groups < host; same depth by group name). */
struct gd_host {
	char *name;
	char *addr;        /* ansible_host, else name */
	int port;          /* ansible_port, else 22 */
	char *user;        /* ansible_user, else NULL (the caller's user) */
	char *key_file;    /* ansible_ssh_private_key_file, "~/" expanded, else NULL */
	int become;        /* ansible_become */
	char *known_hosts; /* gameday_known_hosts, "~/" expanded, else NULL */
	int production;    /* production: true */
	struct gd_var *vars;
	size_t nvars;
};

struct gd_group;
struct gd_inv_index;

struct gd_inventory {
	char *path;
	struct gd_host *hosts;  /* in the order Ansible lists them under 'all' (then
	                         * any host Ansible leaves out of 'all') */
	size_t nhosts;
	struct gd_group *groups;  /* in Ansible's order: all, ungrouped, then as defined */
	size_t ngroups;
	char **warnings;        /* "FILE: line N: ..." where Ansible would warn */
	size_t nwarnings;
	struct gd_inv_index *index;  /* private: lookups for gd_inventory_match */
};

/* Reads an inventory file. On error fills err with
 * "FILE: line N: what is wrong" and returns -1; inv is then empty.
 * What Ansible only warns about (a key it skips) goes to inv->warnings. */
int gd_inventory_load(struct gd_inventory *inv, const char *path, char *err, size_t errlen);

/* Resolves an Ansible host pattern to indexes into inv->hosts, in the order
 * `ansible PATTERN --list-hosts` gives. *idx is malloc'd, owned by the caller.
 * A pattern that matches nothing is not an error (*n = 0); a malformed one is. */
int gd_inventory_match(const struct gd_inventory *inv, const char *pattern,
    size_t **idx, size_t *n, char *err, size_t errlen);

/* The merged value of a variable for a host, or NULL. Borrowed. */
const char *gd_host_var(const struct gd_host *h, const char *key);

/* Group names, for listings and checks; i < inv->ngroups. Borrowed. */
const char *gd_inventory_group_name(const struct gd_inventory *inv, size_t i);

void gd_inventory_free(struct gd_inventory *inv);

#endif
