/* test_inventory_ini.c: INI inventories, Python literals and shlex as the INI
 * plugin uses them, group_vars/ and host_vars/, several sources, and the
 * connection variables (legacy names, become, what is refused or warned
 * about). Expected values come from ansible-core 2.14 (ansible-inventory
 * --list) on the same input; tests/integration/test_hosts_vs_ansible.sh
 * compares with ansible itself. Run from the repo root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gd.h"
#include "inv_internal.h"
#include "inventory.h"

static char tmpdir[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/gd-ini-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") :
	    "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to tmpdir/name (dirs made as needed); returns the path (static). */
static const char *
put(const char *name, const char *text)
{
	static char path[512];
	char *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	for (p = path + strlen(tmpdir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void
load_ok(struct gd_inventory *inv, const char *spec)
{
	char err[GD_ERRLEN] = "";

	if (gd_inventory_load(inv, spec, err, sizeof(err)) < 0)
		fail_msg("%s: %s", spec, err);
}

static void
load_err(const char *spec, const char *want)
{
	struct gd_inventory inv;
	char err[GD_ERRLEN] = "";

	if (gd_inventory_load(&inv, spec, err, sizeof(err)) == 0) {
		gd_inventory_free(&inv);
		fail_msg("%s: loaded, want an error with '%s'", spec, want);
	}
	if (strstr(err, want) == NULL)
		fail_msg("%s:\n  want an error with: %s\n  got: %s", spec, want, err);
}

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

static const struct gd_var *
var(const struct gd_host *h, const char *key)
{
	size_t i;

	for (i = 0; i < h->nvars; i++)
		if (strcmp(h->vars[i].key, key) == 0)
			return &h->vars[i];
	return NULL;
}

#define assert_var(h, key, want) do { \
	const char *got_ = gd_host_var((h), (key)); \
	if (got_ == NULL || strcmp(got_, (want)) != 0) \
		fail_msg("%s: %s = %s, want %s", (h)->name, (key), got_ ? got_ : "(unset)", (want)); \
} while (0)

static char *
match(const struct gd_inventory *inv, const char *pattern)
{
	struct gd_buf b = { 0 };
	char err[GD_ERRLEN] = "";
	size_t *idx, n, i;

	if (gd_inventory_match(inv, pattern, &idx, &n, err, sizeof(err)) < 0)
		return gd_xasprintf("ERROR: %s", err);
	gd_buf_adds(&b, "");
	for (i = 0; i < n; i++)
		gd_buf_printf(&b, "%s%s", i ? "," : "", inv->hosts[idx[i]].name);
	free(idx);
	return b.data;
}

#define assert_match(inv, pattern, want) do { \
	char *got_ = match((inv), (pattern)); \
	if (strcmp(got_, (want)) != 0) \
		fail_msg("pattern '%s':\n  want %s\n  got  %s", (pattern), (want), got_); \
	free(got_); \
} while (0)

static void
test_ini_sections(void **state)
{
	struct gd_inventory inv;
	const char *p;

	(void)state;
	p = put("a.ini",
	    "loose1 x=1\n"
	    "; a comment\n"
	    "[web]\n"
	    "web[1:3] ansible_user=deploy   # a comment\n"
	    "db1:2222\n"
	    "[prod:children]\n"
	    "web\n"
	    "later\n"
	    "[later]\n"
	    "l1\n"
	    "[web:vars]\n"
	    "ansible_become = yes\n"
	    "note = two words\n"
	    "[all:vars]\n"
	    "x=all\n");
	load_ok(&inv, p);
	assert_int_equal(inv.nhosts, 6);
	assert_match(&inv, "prod", "web1,web2,web3,db1,l1");
	assert_match(&inv, "ungrouped", "loose1");
	assert_match(&inv, "later", "l1");
	assert_int_equal(host(&inv, "db1")->port, 2222);
	assert_string_equal(host(&inv, "web2")->user, "deploy");
	assert_true(host(&inv, "web2")->become);
	assert_var(host(&inv, "web3"), "note", "two words");
	assert_var(host(&inv, "loose1"), "x", "1");
	assert_int_equal(var(host(&inv, "loose1"), "x")->type, GD_VAR_INT);
	assert_var(host(&inv, "l1"), "x", "all");
	assert_int_equal(var(host(&inv, "web1"), "ansible_user")->line, 4);
	gd_inventory_free(&inv);
}

static void
test_ini_errors(void **state)
{
	(void)state;
	load_err(put("e1.ini", "[a:children]\nnope\n"),
	    "e1.ini: line 2: section [a:children] names 'nope', which is never declared");
	load_err(put("e2.ini", "[ghost:vars]\nx=1\n"),
	    "e2.ini: line 1: section [ghost:vars] is for a group that is never declared");
	load_err(put("e3.ini", "[a:kids]\nh\n"), "e3.ini: line 1: section [a:kids] has unknown type");
	load_err(put("e4.ini", "[a]\nh1 novalue\n"),
	    "e4.ini: line 2: expected key=value host variable assignment, got: novalue");
	load_err(put("e5.ini", "[a]\nh1:\n"), "e5.ini: line 2: invalid host pattern 'h1:'");
	load_err(put("e6.ini", "[a b]\nh1\n"), "e6.ini: line 1: invalid section entry '[a b]'");
	load_err(put("e7.ini", "[a:vars]\nnoequals\n[a]\n"), "e7.ini: line 2: expected key=value");
	load_err(put("e8.ini", "[a]\nh1 x='open\n"), "e8.ini: line 2: cannot parse host definition");
	/* not YAML's mapping, and no INI either: both are said */
	load_err(put("e9", "- a\n- b c\n"), "e9: neither a YAML nor an INI inventory; as YAML: "
	    "line 1: a YAML inventory must be a mapping");
}

/* ast.literal_eval as the INI plugin applies it (checked against python3). */
static void
test_pyval(void **state)
{
	static const struct { const char *in; int type; const char *out; } cases[] = {
		{ "42", GD_VAR_INT, "42" }, { "-7", GD_VAR_INT, "-7" }, { "+3", GD_VAR_INT, "3" },
		{ "0x1F", GD_VAR_INT, "31" }, { "0o17", GD_VAR_INT, "15" }, { "0b101", GD_VAR_INT, "5" },
		{ "1_000", GD_VAR_INT, "1000" }, { "007", GD_VAR_STR, "007" }, { "00", GD_VAR_INT, "0" },
		{ "1.5", GD_VAR_FLOAT, "1.5" }, { ".5", GD_VAR_FLOAT, ".5" }, { "1e3", GD_VAR_FLOAT, "1e3" },
		{ "True", GD_VAR_BOOL, "True" }, { "False", GD_VAR_BOOL, "False" },
		{ "None", GD_VAR_NULL, NULL }, { "yes", GD_VAR_STR, "yes" }, { "true", GD_VAR_STR, "true" },
		{ "'q'", GD_VAR_STR, "q" }, { "\"a\" 'b'", GD_VAR_STR, "ab" },
		{ "'a\\tb'", GD_VAR_STR, "a\tb" }, { "r'a\\tb'", GD_VAR_STR, "a\\tb" },
		{ "b'\\x41'", GD_VAR_STR, "A" }, { "'\\u00e9'", GD_VAR_STR, "\xc3\xa9" },
		{ "'''t'''", GD_VAR_STR, "t" }, { "[1, 'two']", GD_VAR_LIST, NULL },
		{ "(1, 2)", GD_VAR_LIST, NULL }, { "1, 2", GD_VAR_LIST, NULL }, { "(5)", GD_VAR_INT, "5" },
		{ "{'a': 1}", GD_VAR_MAP, NULL }, { "{a: 1}", GD_VAR_STR, "{a: 1}" },
		{ "[unclosed", GD_VAR_STR, "[unclosed" }, { "1+2", GD_VAR_STR, "1+2" },
		{ "10.0.0.1", GD_VAR_STR, "10.0.0.1" }, { "rabbit", GD_VAR_STR, "rabbit" },
		{ "", GD_VAR_STR, "" }, { "'str' # comment", GD_VAR_STR, "str" },
		{ "a # b", GD_VAR_STR, "a # b" }, { "-True", GD_VAR_STR, "-True" },
		{ "Truex", GD_VAR_STR, "Truex" }, { "3j", GD_VAR_STR, "3j" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		int unsure, t = gd_inv_pyval(cases[i].in, &out, &unsure);

		if (t != cases[i].type || (cases[i].out == NULL ? out != NULL :
		    out == NULL || strcmp(out, cases[i].out) != 0))
			fail_msg("literal_eval(%s): type %d '%s', want %d '%s'", cases[i].in, t,
			    out ? out : "(none)", cases[i].type, cases[i].out ? cases[i].out : "(none)");
		free(out);
	}
}

/* shlex.split(s, comments=True) */
static void
test_shlex(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "a b  c", "a|b|c" }, { "a 'b c' d", "a|b c|d" }, { "x=\"a \\\"q\\\" b\"", "x=a \"q\" b" },
		{ "a#b c", "a" }, { "a # c", "a" }, { "'a#b'", "a#b" }, { "a\\ b", "a b" },
		{ "k=''", "k=" }, { "\"a\\nb\"", "a\\nb" }, { "'x'y\"z\"", "xyz" },
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strv out = { 0 };
		struct gd_buf b = { 0 };
		const char *why = NULL;

		assert_int_equal(gd_inv_shlex(cases[i].in, &out, &why), 0);
		gd_buf_adds(&b, "");
		for (k = 0; k < out.n; k++)
			gd_buf_printf(&b, "%s%s", k ? "|" : "", out.v[k]);
		if (strcmp(b.data, cases[i].want) != 0)
			fail_msg("shlex(%s): %s, want %s", cases[i].in, b.data, cases[i].want);
		gd_buf_free(&b);
		strv_free(&out);
	}
}

/* group_vars/ and host_vars/ in Ansible's order, from a directory source. */
static void
test_vars_dirs(void **state)
{
	struct gd_inventory inv;
	char dir[300];
	const struct gd_host *h;
	size_t i;
	int skipped = 0, unused = 0;

	(void)state;
	put("d/hosts", "[web]\nw1\nw2 x=host\n[web:vars]\nx=web\n[all:vars]\nx=all\ny=all\n");
	put("d/more.yml", "web:\n  children:\n    canary:\n      hosts:\n        w2:\n");
	put("d/skip.ini", "[ghost]\ng1\n");
	put("d/group_vars/all.yml", "x: gv_all\ny: gv_all\n");
	put("d/group_vars/web/10.yml", "x: gv_web_10\n");
	put("d/group_vars/web/20.yaml", "x: gv_web_20\nz: gv_web\n");
	put("d/group_vars/canary.json", "{\"z\": \"gv_canary\"}\n");
	put("d/group_vars/typo.yml", "q: 1\n");
	put("d/host_vars/w1", "production: true\nansible_host: 10.9.0.1\n");
	put("d/group_vars/vault.yml", "");
	put("d/host_vars/w2.yml", "$ANSIBLE_VAULT;1.1;AES256\n6162\n");
	snprintf(dir, sizeof(dir), "%s/d", tmpdir);
	load_ok(&inv, dir);
	assert_int_equal(inv.nhosts, 2);   /* skip.ini is skipped, as Ansible skips it */
	h = host(&inv, "w1");
	assert_var(h, "x", "gv_web_20");    /* group_vars over the inventory's groups */
	assert_var(h, "y", "gv_all");
	assert_true(h->production);
	assert_string_equal(h->addr, "10.9.0.1");
	h = host(&inv, "w2");
	assert_var(h, "x", "host");        /* the inventory's host vars over group_vars */
	assert_var(h, "z", "gv_canary");   /* a deeper group's group_vars win */
	for (i = 0; i < inv.nwarnings; i++) {
		skipped += strstr(inv.warnings[i], "skip.ini skipped") != NULL ||
		    strstr(inv.warnings[i], "encrypted with ansible-vault") != NULL;
		unused += strstr(inv.warnings[i], "typo.yml matches no group") != NULL;
	}
	assert_int_equal(skipped, 2);
	assert_int_equal(unused, 1);
	gd_inventory_free(&inv);
}

/* Several -i, and GAMEDAY_INVENTORY's comma-separated list. */
static void
test_several_sources(void **state)
{
	struct gd_inventory inv;
	char one[300], two[300], list[700];
	const char *spec;

	(void)state;
	snprintf(one, sizeof(one), "%s", put("s/one.ini", "[web]\nm1\nm2 ansible_host=10.2.0.2\n"));
	put("s/group_vars/web.yml", "x: one_gv\n");
	snprintf(two, sizeof(two), "%s", put("t/two.yml",
	    "all:\n  children:\n    web:\n      hosts:\n        m2:\n          ansible_user: two\n"
	    "        m3:\n"));
	put("t/group_vars/web.yml", "x: two_gv\n");
	spec = gd_inventory_arg(NULL, one);
	spec = gd_inventory_arg(spec, two);
	load_ok(&inv, spec);
	assert_match(&inv, "web", "m1,m2,m3");
	assert_string_equal(host(&inv, "m2")->addr, "10.2.0.2");
	assert_string_equal(host(&inv, "m2")->user, "two");
	assert_var(host(&inv, "m1"), "x", "two_gv");   /* the later source wins */
	gd_inventory_free(&inv);
	snprintf(list, sizeof(list), "%s, %s", one, two);
	load_ok(&inv, list);
	assert_int_equal(inv.nhosts, 3);
	gd_inventory_free(&inv);
	load_err("web1,web2,", "Ansible's host lists such as 'web1,web2,' are not read");
}

/* The legacy names win; become_user; what is refused or warned about. */
static void
test_connection_vars(void **state)
{
	struct gd_inventory inv;
	const struct gd_host *h;
	size_t i, n = 0;

	(void)state;
	load_ok(&inv, put("c.ini",
	    "[web]\n"
	    "l1 ansible_host=10.3.0.1 ansible_ssh_host=10.3.0.9 ansible_port=22 ansible_ssh_port=2223\n"
	    "l2 ansible_user=new ansible_ssh_user=old ansible_become=true ansible_become_user=pg\n"
	    "l3 ansible_connection=local\n"
	    "l4 ansible_ssh_pass=secret ansible_become_method=su ansible_become=yes\n"
	    "l5 ansible_ssh_common_args='-o ProxyJump=jump@bastion:2222 -o ServerAliveInterval=5 -L 1:a:2'\n"
	    "l6 gameday_jump=b1,b2 ansible_ssh_timeout=7\n"));
	h = host(&inv, "l1");
	assert_string_equal(h->addr, "10.3.0.9");
	assert_int_equal(h->port, 2223);
	assert_true(h->port_set);
	h = host(&inv, "l2");
	assert_string_equal(h->user, "old");
	assert_string_equal(h->become_user, "pg");
	assert_null(h->refusal);
	h = host(&inv, "l3");
	assert_non_null(h->refusal);
	assert_non_null(strstr(h->refusal, "c.ini: line 4: host l3: ansible_connection 'local'"));
	h = host(&inv, "l4");
	assert_non_null(h->refusal);
	assert_non_null(strstr(h->refusal, "ansible_become_method 'su'"));
	for (i = 0; i < h->nwarnings; i++)
		n += strstr(h->warnings[i], "ansible_ssh_pass is not used: gameday logs in with keys only") != NULL;
	assert_int_equal(n, 1);
	h = host(&inv, "l5");
	assert_string_equal(h->jump, "jump@bastion:2222");
	assert_non_null(h->ssh_args);
	assert_string_equal(h->ssh_args[0], "-o");
	assert_string_equal(h->ssh_args[1], "ProxyJump=jump@bastion:2222");
	assert_int_equal(h->nwarnings, 1);   /* -L is not used */
	h = host(&inv, "l6");
	assert_string_equal(h->jump, "b1,b2");
	assert_int_equal(h->connect_timeout_ms, 7000);
	assert_int_equal(gd_inventory_report_hosts(&inv, NULL, 0, NULL), 2);
	gd_inventory_free(&inv);
}

/* An address with shell syntax is refused at load, naming file and line. */
static void
test_hostile_addresses(void **state)
{
	(void)state;
	load_err(put("h1.yml", "all:\n  hosts:\n    h:\n      ansible_host: '10.0.0.9$(touch pwned)'\n"),
	    "h1.yml: line 4: ansible_host of host 'h' must be a host name or an IP address, "
	    "not '10.0.0.9$(touch pwned)'");
	load_err(put("h2.ini", "[a]\nh ansible_ssh_host=\"a;b\"\n"),
	    "h2.ini: line 2: ansible_ssh_host of host 'h' must be a host name or an IP address");
	load_err(put("h3.ini", "[a]\nh ansible_host='{{ x }}'\n"), "is a Jinja template");
	load_err(put("h4.ini", "[a]\nh ansible_host=-oProxyCommand=x\n"),
	    "must be a host name or an IP address");
	assert_true(gd_inv_valid_addr("web-1.example.com"));
	assert_true(gd_inv_valid_addr("10.0.0.1"));
	assert_true(gd_inv_valid_addr("2001:db8::1"));
	assert_true(gd_inv_valid_addr("fe80::1%eth0"));
	assert_true(gd_inv_valid_addr("labalias"));
	assert_false(gd_inv_valid_addr("-x"));
	assert_false(gd_inv_valid_addr("a..b"));
	assert_false(gd_inv_valid_addr("a b"));
	assert_false(gd_inv_valid_addr("fe80::1%$(x)"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ini_sections),
		cmocka_unit_test(test_ini_errors),
		cmocka_unit_test(test_pyval),
		cmocka_unit_test(test_shlex),
		cmocka_unit_test(test_vars_dirs),
		cmocka_unit_test(test_several_sources),
		cmocka_unit_test(test_connection_vars),
		cmocka_unit_test(test_hostile_addresses),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
