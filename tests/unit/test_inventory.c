/* test_inventory.c: Ansible YAML inventories and host patterns. Expected
 * host lists come from ansible-core 2.14 (`ansible -i INV PATTERN
 * --list-hosts`) on the same fixtures; tests/integration/test_hosts_vs_ansible.sh
 * checks them against ansible itself. Run from the repo root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gd.h"
#include "inventory.h"

#define FIX "tests/unit/fixtures/inventory/"

/* Loads an inventory that must load, failing with the loader's message. */
static void
load_ok(struct gd_inventory *inv, const char *path)
{
	char err[GD_ERRLEN] = "";

	if (gd_inventory_load(inv, path, err, sizeof(err)) < 0)
		fail_msg("%s: %s", path, err);
}

/* The hosts a pattern gives, joined with ','; "ERROR: msg" on an error.
 * Caller frees. */
static char *
match(const struct gd_inventory *inv, const char *pattern)
{
	struct gd_buf b = { 0 };
	char err[GD_ERRLEN] = "";
	size_t *idx, n, i;

	if (gd_inventory_match(inv, pattern, &idx, &n, err, sizeof(err)) < 0)
		return gd_xasprintf("ERROR: %s", err);
	gd_buf_adds(&b, "");
	for (i = 0; i < n; i++) {
		if (i > 0)
			gd_buf_adds(&b, ",");
		gd_buf_adds(&b, inv->hosts[idx[i]].name);
	}
	free(idx);
	return b.data;
}

#define assert_match(inv, pattern, want) do { \
	char *got_ = match((inv), (pattern)); \
	if (strcmp(got_, (want)) != 0) \
		fail_msg("pattern '%s':\n  want %s\n  got  %s", (pattern), (want), got_); \
	free(got_); \
} while (0)

static const struct gd_host *
host(const struct gd_inventory *inv, const char *name)
{
	size_t i;

	for (i = 0; i < inv->nhosts; i++)
		if (strcmp(inv->hosts[i].name, name) == 0)
			return &inv->hosts[i];
	fail_msg("no host '%s'", name);
	return NULL;
}

/* A merged variable of a host; want NULL: unset. */
static void
assert_var(const struct gd_host *h, const char *key, const char *want)
{
	const char *got = gd_host_var(h, key);

	if (want == NULL ? got != NULL : got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: %s = %s, want %s", h->name, key, got ? got : "(unset)",
		    want ? want : "(unset)");
}

/* Loads an inventory that must fail, and checks the message has want. */
static void
assert_load_error(const char *path, const char *want)
{
	struct gd_inventory inv;
	char err[GD_ERRLEN] = "";

	if (gd_inventory_load(&inv, path, err, sizeof(err)) == 0) {
		gd_inventory_free(&inv);
		fail_msg("%s: loaded, want an error with '%s'", path, want);
	}
	if (strstr(err, want) == NULL)
		fail_msg("%s:\n  want an error with: %s\n  got: %s", path, want, err);
	assert_null(inv.hosts);
	assert_int_equal(inv.nhosts, 0);
}

/* Writes text to a temporary file; returns its path (caller unlinks, frees). */
static char *
temp_file(const char *text, size_t len)
{
	const char *dir = getenv("TMPDIR");
	char *path = gd_xasprintf("%s/gd-inv-XXXXXX.yaml", dir && *dir ? dir : "/tmp");
	int fd = mkstemps(path, 5);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void
assert_text_error(const char *text, const char *want)
{
	char *path = temp_file(text, strlen(text));

	assert_load_error(path, want);
	unlink(path);
	free(path);
}

static int
setup(void **state)
{
	(void)state;
	setenv("HOME", "/home/tester", 1);
	return 0;
}

/* ---- parsing and the host fields ---- */

static void
test_basic_order(void **state)
{
	struct gd_inventory inv;
	size_t i;
	static const char *const want[] = {
		"bastion.example.com", "monitor", "web01.example.com", "web02.example.com",
		"web03.example.com", "web-canary.example.com", "db1.example.com", "lab1",
		"lab2", "db-a.example.com", "db-b.example.com", "db-c.example.com",
	};

	(void)state;
	load_ok(&inv, FIX "basic.yaml");
	assert_int_equal(inv.nhosts, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < inv.nhosts; i++)
		assert_string_equal(inv.hosts[i].name, want[i]);
	assert_string_equal(inv.path, FIX "basic.yaml");
	assert_string_equal(gd_inventory_group_name(&inv, 0), "all");
	assert_string_equal(gd_inventory_group_name(&inv, 1), "ungrouped");
	assert_null(gd_inventory_group_name(&inv, inv.ngroups));
	assert_int_equal(inv.nwarnings, 0);
	gd_inventory_free(&inv);
}

static void
test_basic_fields(void **state)
{
	struct gd_inventory inv;
	const struct gd_host *h;

	(void)state;
	load_ok(&inv, FIX "basic.yaml");

	h = host(&inv, "bastion.example.com");
	assert_string_equal(h->addr, "192.0.2.10");
	assert_int_equal(h->port, 2222);
	assert_string_equal(h->user, "deploy");
	assert_null(h->key_file);
	assert_false(h->become);
	assert_false(h->production);

	h = host(&inv, "monitor");   /* a null host: all defaults */
	assert_string_equal(h->addr, "monitor");
	assert_int_equal(h->port, 22);

	h = host(&inv, "web-canary.example.com");
	assert_true(h->become);      /* ansible_become: yes */

	h = host(&inv, "db1.example.com");
	assert_string_equal(h->user, "postgres");
	assert_string_equal(h->key_file, "/home/tester/.ssh/db_key");
	assert_true(h->production);

	h = host(&inv, "lab1");
	assert_string_equal(h->addr, "10.0.0.1");
	assert_true(h->become);      /* ansible_become: "True" */
	assert_var(h, "extra", NULL);   /* a list: not a scalar, left out */

	h = host(&inv, "lab2");
	assert_int_equal(h->port, 2201);   /* a quoted port */
	assert_string_equal(h->known_hosts, "/home/tester/.gameday/lab_known_hosts");
	assert_null(h->key_file);
	gd_inventory_free(&inv);
}

/* all < parent < child < host; same depth by name */
static void
test_inheritance(void **state)
{
	struct gd_inventory inv;

	(void)state;
	load_ok(&inv, FIX "basic.yaml");
	assert_var(host(&inv, "monitor"), "tier", "base");
	assert_var(host(&inv, "web02.example.com"), "tier", "web");
	assert_var(host(&inv, "web-canary.example.com"), "tier", "canary");
	assert_var(host(&inv, "db-a.example.com"), "tier", "db");
	/* db_primary (depth 2) beats prod and db (depth 1) */
	assert_var(host(&inv, "db1.example.com"), "tier", "primary");
	/* web and prod both depth 1: 'web' sorts last, so it wins */
	assert_var(host(&inv, "web01.example.com"), "tier", "web");
	assert_var(host(&inv, "web01.example.com"), "backup", "nightly");
	assert_var(host(&inv, "web02.example.com"), "backup", NULL);
	assert_var(host(&inv, "web02.example.com"), "http_port", "8080");
	assert_var(host(&inv, "db-b.example.com"), "http_port", NULL);
	assert_var(host(&inv, "lab2"), "region", "eu");
	assert_var(host(&inv, "db-c.example.com"), "ansible_user", "postgres");
	/* values as written */
	assert_var(host(&inv, "web-canary.example.com"), "ansible_become", "yes");
	assert_var(host(&inv, "web01.example.com"), "production", "true");
	gd_inventory_free(&inv);
}

/* depth decides, not the order of the file; priority within a depth */
static void
test_nested_and_priority(void **state)
{
	struct gd_inventory inv;

	(void)state;
	load_ok(&inv, FIX "nested.yaml");
	assert_match(&inv, "all", "floater,loner,e1,n2,n1");
	assert_var(host(&inv, "n1"), "level", "node");
	assert_var(host(&inv, "n1"), "only_dc", "dc");
	assert_var(host(&inv, "n1"), "only_all", "yes");
	assert_int_equal(host(&inv, "n1")->port, 2200);
	assert_var(host(&inv, "n2"), "level", "host");
	assert_var(host(&inv, "e1"), "level", "edge");
	assert_var(host(&inv, "e1"), "ansible_group_priority", NULL);
	assert_var(host(&inv, "loner"), "level", "all");
	assert_int_equal(host(&inv, "loner")->port, 22);
	gd_inventory_free(&inv);

	load_ok(&inv, FIX "priority.yaml");
	/* alpha has priority 5 > 1: applied after zeta despite its name */
	assert_var(host(&inv, "both"), "color", "alpha");
	/* beta and zeta: priority 1 both, zeta sorts last */
	assert_var(host(&inv, "both"), "shape", "zeta");
	gd_inventory_free(&inv);
}

static void
test_ungrouped_and_shared_hosts(void **state)
{
	struct gd_inventory inv;

	(void)state;
	load_ok(&inv, FIX "basic.yaml");
	assert_match(&inv, "ungrouped", "bastion.example.com,monitor");
	gd_inventory_free(&inv);

	/* n1 is listed under ungrouped but is in 'node': not ungrouped */
	load_ok(&inv, FIX "nested.yaml");
	assert_match(&inv, "ungrouped", "loner,floater");
	gd_inventory_free(&inv);

	/* webbing is in webservers and staging: one host in both */
	load_ok(&inv, FIX "patterns.yaml");
	assert_int_equal(inv.nhosts, 14);
	assert_match(&inv, "webservers", "cobweb,webbing,weber");
	assert_match(&inv, "staging", "webbing,db2,stage.example.org");
	assert_match(&inv, "webservers:staging",
	    "cobweb,webbing,weber,db2,stage.example.org");
	gd_inventory_free(&inv);
}

static void
test_ranges_and_ports(void **state)
{
	struct gd_inventory inv;

	(void)state;
	load_ok(&inv, FIX "ranges.yaml");
	assert_match(&inv, "all", "app08,app09,app10,app11,node1.lab,node5.lab,node9.lab,"
	    "db-a,db-b,db-c,xy,xz,xA,xB,r1-u1,r1-u2,r2-u1,r2-u2,ssh1.example.com,"
	    "2001:db8::1,10.1.0.1,10.1.0.2,10.1.0.3,gw1,gw2,web0,web1,web2");
	assert_int_equal(host(&inv, "ssh1.example.com")->port, 2201);
	assert_int_equal(host(&inv, "2001:db8::1")->port, 2202);
	assert_int_equal(host(&inv, "gw2")->port, 2022);
	assert_string_equal(host(&inv, "gw1")->user, "admin");
	assert_int_equal(host(&inv, "10.1.0.2")->port, 22);
	assert_match(&inv, "ports", "ssh1.example.com,2001:db8::1,10.1.0.1,10.1.0.2,"
	    "10.1.0.3,gw1,gw2");
	gd_inventory_free(&inv);
}

static void
test_anchors_and_merges(void **state)
{
	struct gd_inventory inv;
	const struct gd_host *h;

	(void)state;
	load_ok(&inv, FIX "anchors.yaml");
	h = host(&inv, "app1");
	assert_string_equal(h->user, "ops");   /* merged from *defaults */
	assert_int_equal(h->port, 2022);
	assert_var(h, "role", "app");          /* own key beats the merge */
	assert_var(h, "pinned", "yes");
	h = host(&inv, "app2");
	assert_string_equal(h->addr, "10.9.0.2");
	assert_var(h, "pinned", "yes");
	h = host(&inv, "job1");
	assert_string_equal(h->user, "last");  /* duplicate key: the last wins */
	assert_var(h, "role", "generic");      /* vars: *defaults */
	/* x-defaults is a group to Ansible too; its scalar keys are skipped */
	assert_int_equal(inv.nwarnings, 3);
	assert_non_null(strstr(inv.warnings[0], "anchors.yaml: line 3: skipping key 'ansible_user'"));
	gd_inventory_free(&inv);
}

/* ---- patterns ---- */

struct pat_case {
	const char *pattern, *want;
};

static void
run_cases(const char *path, const struct pat_case *c, size_t n)
{
	struct gd_inventory inv;
	size_t i;

	load_ok(&inv, path);
	for (i = 0; i < n; i++)
		assert_match(&inv, c[i].pattern, c[i].want);
	gd_inventory_free(&inv);
}

static void
test_patterns_forms(void **state)
{
	static const struct pat_case c[] = {
		{ "all", "solo,ungrouped-friend,cobweb,webbing,weber,db1,db2,db3,"
		    "stage.example.org,lab1-a,lab1-b,lab2-a,web.example.org,db4" },
		{ "*", "solo,ungrouped-friend,cobweb,webbing,weber,db1,db2,db3,"
		    "stage.example.org,lab1-a,lab1-b,lab2-a,web.example.org,db4" },
		{ "", "solo,ungrouped-friend,cobweb,webbing,weber,db1,db2,db3,"
		    "stage.example.org,lab1-a,lab1-b,lab2-a,web.example.org,db4" },
		/* a group lists its own hosts, then its children's */
		{ "webservers", "cobweb,webbing,weber" },
		{ "web", "web.example.org,cobweb,webbing,weber" },
		{ "solo", "solo" },
		{ "web.example.org", "web.example.org" },
		{ "ungrouped", "solo,ungrouped-friend" },
		{ "nosuchgroup", "" },
		/* subscripts: from 0, both ends included */
		{ "web[0]", "web.example.org" },
		{ "web[1]", "cobweb" },
		{ "web[-1]", "weber" },
		{ "webservers[0:1]", "cobweb,webbing" },
		{ "webservers[1:]", "webbing,weber" },
		{ "web[1:2]", "cobweb,webbing" },
		{ "staging[0:0]", "webbing" },
		{ "db[1-2]", "db4" },            /* the old [x-y] form */
		{ "db[2:]", "" },                /* a slice past the end is empty */
		{ "lab[12]", "" },               /* a subscript, not a glob */
		/* globs: groups first, then hosts */
		{ "web*", "cobweb,webbing,weber,web.example.org" },
		{ "*web*", "cobweb,webbing,weber,web.example.org" },
		{ "lab?", "lab1-a,lab1-b,lab2-a" },
		{ "lab[!1]*", "lab2-a" },
		{ "ungr*", "solo,ungrouped-friend" },
		{ "al*", "solo,ungrouped-friend,cobweb,webbing,weber,db1,db2,db3,"
		    "stage.example.org,lab1-a,lab1-b,lab2-a,web.example.org,db4" },
		{ "*.example.*", "stage.example.org,web.example.org" },
		/* a subscript applies to every matching group's hosts, in a row */
		{ "*[0]", "solo" },
		{ "*[-1]", "ungrouped-friend" },
		/* regexes match from the start of names */
		{ "~lab\\d-a", "lab1-a,lab2-a" },
		{ "~.*ing", "webbing,db2,stage.example.org" },
		{ "~(?i)WEB", "cobweb,webbing,weber,web.example.org" },
		/* union, intersection, exclusion */
		{ "web:db", "web.example.org,cobweb,webbing,weber,db3,db4" },
		{ "db:web", "db3,db4,web.example.org,cobweb,webbing,weber" },
		{ "web,db", "web.example.org,cobweb,webbing,weber,db3,db4" },
		{ "dbservers:db", "db1,db2,db3,db4" },
		{ "web:&staging", "webbing" },
		{ "db3:&db", "db3" },
		{ "staging:!web*", "db2,stage.example.org" },
		{ "&staging", "webbing,db2,stage.example.org" },
		{ "!db*", "solo,ungrouped-friend,cobweb,webbing,weber,stage.example.org,"
		    "lab1-a,lab1-b,lab2-a,web.example.org" },
		/* with a comma, ':' no longer separates */
		{ "webservers,dbservers:!db2:&staging", "cobweb,webbing,weber" },
	};

	(void)state;
	run_cases(FIX "patterns.yaml", c, sizeof(c) / sizeof(c[0]));
}

static void
test_patterns_order(void **state)
{
	static const struct pat_case c[] = {
		{ "web", "web01.example.com,web02.example.com,web03.example.com,"
		    "web-canary.example.com" },
		{ "db", "db1.example.com,db-a.example.com,db-b.example.com,db-c.example.com" },
		{ "web:&prod", "web01.example.com" },
		{ "web:!prod", "web02.example.com,web03.example.com,web-canary.example.com" },
		{ "all:!web", "bastion.example.com,monitor,db1.example.com,lab1,lab2,"
		    "db-a.example.com,db-b.example.com,db-c.example.com" },
		{ "db:!db_replica", "db1.example.com" },
		{ "db[1:2]", "db-a.example.com,db-b.example.com" },
		{ "all[3:5]", "web02.example.com,web03.example.com,web-canary.example.com" },
		{ "*.example.com", "bastion.example.com,web01.example.com,web02.example.com,"
		    "web03.example.com,web-canary.example.com,db1.example.com,"
		    "db-a.example.com,db-b.example.com,db-c.example.com" },
		{ "db-?.example.com", "db-a.example.com,db-b.example.com,db-c.example.com" },
		{ "web0[13]*", "web01.example.com,web03.example.com" },
		{ "~db-[ab]", "db-a.example.com,db-b.example.com" },
		/* unions first, then '&', then '!', whatever the written order */
		{ "web:db:&prod:!web01*", "db1.example.com" },
		{ "prod:!db1.example.com:&db", "" },
		{ "web01.example.com:lab1", "web01.example.com,lab1" },
		{ "bastion.example.com:2222", "" },   /* one word: a host with a port */
		{ "web[0],db[0]", "web01.example.com,db1.example.com" },
		{ "  web , db  ", "web01.example.com,web02.example.com,web03.example.com,"
		    "web-canary.example.com,db1.example.com,db-a.example.com,"
		    "db-b.example.com,db-c.example.com" },
	};

	(void)state;
	run_cases(FIX "basic.yaml", c, sizeof(c) / sizeof(c[0]));
}

static void
test_pattern_errors(void **state)
{
	struct gd_inventory inv;
	char err[GD_ERRLEN];
	size_t *idx = NULL, n = 99;

	(void)state;
	load_ok(&inv, FIX "basic.yaml");
	assert_int_equal(gd_inventory_match(&inv, "web[9]", &idx, &n, err, sizeof(err)), -1);
	assert_null(idx);
	assert_int_equal(n, 0);
	assert_string_equal(err, "pattern 'web[9]': index 9 is out of range, 'web' has 4 hosts");
	assert_match(&inv, "web[-5]", "ERROR: pattern 'web[-5]': index -5 is out of range, "
	    "'web' has 4 hosts");
	assert_match(&inv, "web[5:9]", "");   /* slices do not fail */
	/* ansible reads [:2] as a glob; say so rather than match nothing */
	assert_match(&inv, "web[:2]", "ERROR: pattern 'web[:2]': ansible reads '[:2]' as a "
	    "glob, not a subscript, and it matches nothing; subscripts are [N], [-N], "
	    "[N:M] and [N:]");
	assert_match(&inv, "~(", "ERROR: pattern '~(': bad regular expression '(': "
	    "Unmatched ( or \\(");
	assert_match(&inv, "web:!", "ERROR: pattern 'web:!': '!' must be followed by a "
	    "group or host");
	/* a '[' never closed is dropped by ansible's split: '~' matches all */
	assert_match(&inv, "~[", "bastion.example.com,monitor,web01.example.com,"
	    "web02.example.com,web03.example.com,web-canary.example.com,db1.example.com,"
	    "lab1,lab2,db-a.example.com,db-b.example.com,db-c.example.com");
	gd_inventory_free(&inv);
}

/* ---- broken and hostile files ---- */

static void
test_errors_name_file_and_line(void **state)
{
	static const struct pat_case c[] = {
		{ "bad_indent.yaml", "bad_indent.yaml: line 6: did not find expected key" },
		{ "bad_syntax.yaml", "bad_syntax.yaml: line 4: did not find expected ',' or '}'" },
		{ "bad_hosts_list.yaml", "bad_hosts_list.yaml: line 7: hosts of group 'web' "
		    "must be a mapping, not a list" },
		{ "bad_cycle.yaml", "bad_cycle.yaml: line 12: groups form a cycle: "
		    "a -> b -> c -> a" },
		{ "bad_self_child.yaml", "line 7: group 'web' cannot be a child of itself" },
		{ "bad_all_child.yaml", "line 5: group 'all' cannot be a child of 'web'" },
		{ "bad_list.yaml", "line 1: a YAML inventory must be a mapping of groups, not a list" },
		{ "bad_plugin.yaml", "bad_plugin.yaml: an inventory plugin configuration" },
		{ "bad_host_int.yaml", "line 4: host name '1234' must be a string, not a number" },
		{ "bad_range.yaml", "line 3: host range in 'web[1:]' must specify an end value" },
		{ "bad_host_vars.yaml", "line 3: variables of host 'web1' must be a mapping" },
		{ "bad_alias_loop.yaml", "line 3: alias *top is inside the node it names" },
		{ "bad_utf8.yaml", "bad_utf8.yaml: line 3: the file is not UTF-8" },
		{ "bad_two_docs.yaml", "line 4: a second YAML document" },
		{ "port_invalid.yaml", "port_invalid.yaml: line 9: ansible_port of host 'web2' "
		    "must be a number from 1 to 65535, not '70000'" },
		{ "port_word.yaml", "line 3: ansible_port of host 'web1' must be a number "
		    "from 1 to 65535, not 'ssh'" },
		{ "nope.yaml", FIX "nope.yaml: No such file or directory" },
		/* a directory is read file by file, as Ansible reads it */
		{ "", FIX "bad_alias_loop.yaml: line 3: alias *top is inside" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *path = gd_xasprintf(FIX "%s", c[i].pattern);

		assert_load_error(path, c[i].want);
		free(path);
	}
}

static void
test_hostile_input(void **state)
{
	struct gd_inventory inv;
	struct gd_buf b = { 0 };
	char *path;
	int i, j;

	(void)state;
	/* deep flow nesting */
	for (i = 0; i < 100000; i++)
		gd_buf_adds(&b, "[");
	path = temp_file(b.data, b.len);
	assert_load_error(path, "line 1: nested deeper than 256 levels");
	unlink(path);
	free(path);
	gd_buf_free(&b);

	/* deep block nesting, by indentation */
	for (i = 0; i < 300; i++)
		gd_buf_printf(&b, "%*sk%d:\n", i, "", i);
	path = temp_file(b.data, b.len);
	assert_load_error(path, "line 257: nested deeper than 256 levels");
	unlink(path);
	free(path);
	gd_buf_free(&b);

	/* groups nested through children, deeper than the limit */
	gd_buf_adds(&b, "all:\n");
	for (i = 0; i < 130; i++)
		gd_buf_printf(&b, "%*schildren:\n%*sg%d:\n", 2 + 4 * i, "", 4 + 4 * i, "", i);
	path = temp_file(b.data, b.len);
	assert_load_error(path, "nested deeper than 256 levels");
	unlink(path);
	free(path);
	gd_buf_free(&b);

	/* an alias bomb: each level names the previous one ten times */
	gd_buf_adds(&b, "l0: &l0 {hosts: {h: }}\n");
	for (i = 1; i < 9; i++) {
		gd_buf_printf(&b, "l%d: &l%d {children: {", i, i);
		for (j = 0; j < 10; j++)
			gd_buf_printf(&b, "%sg%d_%d: *l%d", j ? ", " : "", i, j, i - 1);
		gd_buf_adds(&b, "}}\n");
	}
	path = temp_file(b.data, b.len);
	assert_load_error(path, "the inventory is too large: more than");
	unlink(path);
	free(path);
	gd_buf_free(&b);

	/* counted before it is expanded: refused at once */
	assert_text_error("all:\n  hosts:\n    h[0:999999999]:\n",
	    "line 3: host range 'h[0:999999999]' makes 1000000000 hosts or more");
	assert_text_error("all:\n  hosts:\n    h[0:19999990]:\n",
	    "line 3: host range 'h[0:19999990]' makes 19999991 hosts or more");
	assert_text_error("all:\n  hosts:\n    h[0:999]x[0:999]:\n",
	    "makes 1000000 hosts or more");
	assert_text_error("all:\n  hosts:\n    \"a\\0b\":\n", "line 3: a string holds a NUL");
	assert_text_error("all: *nowhere\n", "line 1: alias *nowhere has no anchor");
	assert_text_error("all: &a {}\nweb: &a {}\n", "line 2: duplicate anchor &a (first at line 1)");
	assert_text_error("all:\n  children:\n    web:\n      hosts:\n        web1:\n"
	    "        - x\n", "line 6:");
	assert_text_error("{}\n", "line 1: the inventory has no groups");
	/* not YAML's mapping: Ansible reads it as INI, a host line */
	path = temp_file("\"just a string\"\n", 16);
	load_ok(&inv, path);
	assert_int_equal(inv.nhosts, 1);
	assert_string_equal(inv.hosts[0].name, "just a string");
	assert_non_null(inv.hosts[0].refusal);   /* no address to connect to */
	gd_inventory_free(&inv);
	unlink(path);
	free(path);
	assert_text_error("all:\n  hosts:\n    h[1:3:0]:\n", "line 3: host range step in 'h[1:3:0]' must not be 0");
	assert_text_error("all:\n  hosts:\n    h[01:100]:\n", "equal length");
	assert_text_error("all:\n  hosts:\n    h[z:a]:\n", "begin <= end");
	assert_text_error("all:\n  vars:\n    ansible_group_priority: high\n",
	    "line 3: ansible_group_priority of group 'all' must be an integer");
	assert_text_error("a:\n  children:\n    nosuch: [1]\n",
	    "line 3: 'nosuch' is not a known host nor group");
	/* binary junk */
	path = temp_file("\x00\x01\x02\xff\xfe", 5);
	assert_load_error(path, "line 1:");
	unlink(path);
	free(path);
}

static void
test_warnings(void **state)
{
	struct gd_inventory inv;
	char *path;
	static const char text[] = "all:\n  hosts:\n    h1:\n  host:\n    h2:\n"
	    "web: [h1, h2]\n";

	(void)state;
	path = temp_file(text, sizeof(text) - 1);
	load_ok(&inv, path);
	/* Ansible skips these with a warning; so do we */
	assert_int_equal(inv.nwarnings, 2);
	assert_non_null(strstr(inv.warnings[0], "line 4: skipping unexpected key 'host' in "
	    "group 'all': only vars, children and hosts are valid"));
	assert_non_null(strstr(inv.warnings[1], "line 6: skipping 'web': a group is a "
	    "mapping, not a list"));
	assert_match(&inv, "all", "h1");
	gd_inventory_free(&inv);
	unlink(path);
	free(path);
}

/* strings where YAML allows them: 'hosts: h1', 'children: g' */
static void
test_short_forms(void **state)
{
	struct gd_inventory inv;
	char *path;
	static const char text[] = "web:\n  hosts: w1\n  vars:\n    ansible_port: \"2200\"\n"
	    "dc:\n  children: web\n  hosts:\n    d1:\n";

	(void)state;
	path = temp_file(text, sizeof(text) - 1);
	load_ok(&inv, path);
	assert_match(&inv, "dc", "d1,w1");
	assert_int_equal(host(&inv, "w1")->port, 2200);
	assert_int_equal(host(&inv, "d1")->port, 22);
	gd_inventory_free(&inv);
	unlink(path);
	free(path);
	/* 0x10 is 16 to YAML, and so to Ansible, which connects to port 16 */
	path = temp_file("web:\n  hosts:\n    d1:\n      ansible_port: 0x10\n", 47);
	load_ok(&inv, path);
	assert_int_equal(host(&inv, "d1")->port, 16);
	gd_inventory_free(&inv);
	unlink(path);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_order),
		cmocka_unit_test(test_basic_fields),
		cmocka_unit_test(test_inheritance),
		cmocka_unit_test(test_nested_and_priority),
		cmocka_unit_test(test_ungrouped_and_shared_hosts),
		cmocka_unit_test(test_ranges_and_ports),
		cmocka_unit_test(test_anchors_and_merges),
		cmocka_unit_test(test_patterns_forms),
		cmocka_unit_test(test_patterns_order),
		cmocka_unit_test(test_pattern_errors),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_short_forms),
	};

	return cmocka_run_group_tests_name("inventory", tests, setup, NULL);
}
