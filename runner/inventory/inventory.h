/* inventory.h: Ansible inventories as Ansible reads them (YAML and INI files,
 * directories, group_vars/ and host_vars/, several sources, plugins and
 * scripts through ansible-inventory) and host patterns. */
#ifndef GD_INVENTORY_H
#define GD_INVENTORY_H

#include <stddef.h>
#include <stdio.h>

/* The type a variable's value has in Ansible (what ansible-inventory --list
 * prints it as). */
enum gd_var_type {
	GD_VAR_STR, GD_VAR_INT, GD_VAR_FLOAT, GD_VAR_BOOL, GD_VAR_NULL,
	GD_VAR_LIST, GD_VAR_MAP,
};

/* One variable after inheritance. */
struct gd_var {
	char *key;
	char *value;       /* a scalar as text (an int in decimal); NULL for null, lists
	                    * and mappings: gameday uses scalars only */
	int type;          /* enum gd_var_type */
	const char *file;  /* where the winning value was written (borrowed from the
	                    * inventory's files), for messages */
	size_t line;
};

/* A host with its variables merged the way Ansible merges them. The
 * connection fields follow Ansible's names, the legacy ansible_ssh_* ones
 * winning where Ansible lets them win. */
struct gd_host {
	char *name;
	char *addr;        /* ansible_ssh_host, else ansible_host, else name */
	int port;          /* ansible_ssh_port, else ansible_port, else 22 */
	int port_set;      /* the inventory gave the port (it wins over ssh_config's) */
	char *user;        /* ansible_ssh_user, else ansible_user, else NULL (ssh_config's,
	                    * else the caller's user) */
	char *key_file;    /* ansible_ssh_private_key_file, else ansible_private_key_file,
	                    * "~/" expanded, else NULL */
	int become;        /* ansible_become */
	char *become_user; /* ansible_become_user, else NULL: root */
	char *known_hosts; /* gameday_known_hosts, "~/" expanded, else NULL */
	char *jump;        /* gameday_jump, or ProxyJump in ansible_ssh_common_args or
	                    * ansible_ssh_extra_args (-J or -o ProxyJump=): "[user@]host[:port],..." */
	char **ssh_args;   /* the -o options of those args, for `ssh -G` (NULL-terminated or NULL) */
	int connect_timeout_ms; /* ansible_ssh_timeout, else ansible_timeout; 0 when unset */
	int production;    /* production: true */
	struct gd_var *vars;
	size_t nvars;
	/* Connection variables gameday does not implement: "FILE: line N: host
	 * H: ansible_x ... " warnings, and a refusal when connecting without
	 * honouring them would reach the wrong place or the wrong way (NULL: none). */
	char **warnings;
	size_t nwarnings;
	char *refusal;
};

struct gd_group;
struct gd_inv_index;

struct gd_inventory {
	char *path;             /* the sources as given, for messages */
	struct gd_host *hosts;  /* in the order Ansible lists them under 'all' (then
	                         * any host Ansible leaves out of 'all') */
	size_t nhosts;
	struct gd_group *groups;  /* in Ansible's order: all, ungrouped, then as defined */
	size_t ngroups;
	char **warnings;        /* "FILE: line N: ..." where Ansible would warn, or where
	                         * gameday reads less than Ansible */
	size_t nwarnings;
	char **files;           /* every file read, in order (what gd_var.file points into) */
	size_t nfiles;
	struct gd_inv_index *index;  /* private: lookups for gd_inventory_match */
};

/* Reads an inventory. spec holds one or more sources: a YAML or INI file,
 * an inventory plugin configuration or an executable script (both read
 * through `ansible-inventory --list`), or a directory of them; with
 * group_vars/ and host_vars/ beside each source (inside a directory). Several
 * sources are separated by newlines (gd_inventory_arg makes that of repeated
 * -i options) or, where no whole line names a file, by commas, as in
 * ANSIBLE_INVENTORY. On error fills err with "FILE: line N: what is wrong" and
 * returns -1; inv is then empty. What Ansible only warns about goes to
 * inv->warnings. */
int gd_inventory_load(struct gd_inventory *inv, const char *spec, char *err, size_t errlen);

/* For an -i option: the inventory spec of the options so far. prev is the
 * value before (NULL, or getenv("GAMEDAY_INVENTORY"), which the first -i
 * replaces); optarg is added as one more source. Returns a string that
 * lives until the process ends. */
const char *gd_inventory_arg(const char *prev, const char *optarg);

/* Resolves an Ansible host pattern to indexes into inv->hosts, in the order
 * `ansible PATTERN --list-hosts` gives. *idx is malloc'd, owned by the caller.
 * A pattern that matches nothing is not an error (*n = 0); a malformed one is. */
int gd_inventory_match(const struct gd_inventory *inv, const char *pattern,
    size_t **idx, size_t *n, char *err, size_t errlen);

/* Prints to f (when not NULL) the warnings of hosts idx[0..n) (every host
 * when idx is NULL), each once, and returns the number of those hosts that
 * must be refused (their refusal is among what is printed). */
size_t gd_inventory_report_hosts(const struct gd_inventory *inv, const size_t *idx, size_t n,
    FILE *f);

/* Whether s can name an SSH host: a host name (letters, digits, '-', '_',
 * dots) or an IPv4 or IPv6 address. */
int gd_host_addr_valid(const char *s);

/* The merged value of a variable for a host, or NULL. Borrowed. */
const char *gd_host_var(const struct gd_host *h, const char *key);

/* Group names, for listings and checks; i < inv->ngroups. Borrowed. */
const char *gd_inventory_group_name(const struct gd_inventory *inv, size_t i);

void gd_inventory_free(struct gd_inventory *inv);

#endif
