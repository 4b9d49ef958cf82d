/* test_knownhosts.c: host key checking against known_hosts fixtures
 * written by OpenSSH's ssh-keygen (plain, hashed, odd ports, junk lines). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libssh2.h>
#include <openssl/evp.h>

#include "ssh.h"

#define FIX "tests/unit/fixtures/knownhosts/"

struct key {
	char blob[512];
	size_t len;
	int type;
};

/* Reads "TYPE BASE64" from a .pub fixture into a raw key blob. */
static void
load_key(const char *path, struct key *k)
{
	char line[1024], *b64;
	FILE *f = fopen(path, "r");
	int n, pad = 0;

	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	k->type = strncmp(line, "ssh-ed25519 ", 12) == 0 ? LIBSSH2_HOSTKEY_TYPE_ED25519 :
	    LIBSSH2_HOSTKEY_TYPE_ECDSA_256;
	b64 = strchr(line, ' ') + 1;
	n = EVP_DecodeBlock((unsigned char *)k->blob, (unsigned char *)b64, (int)strlen(b64));
	assert_true(n > 0);
	if (b64[strlen(b64) - 1] == '=')
		pad++;
	if (b64[strlen(b64) - 2] == '=')
		pad++;
	k->len = (size_t)(n - pad);
}

static int
check(const char *file, const char *host, int port, const struct key *k)
{
	char err[GD_ERRLEN] = "";
	int rc = gd_knownhosts_check(file, host, port, k->blob, k->len, k->type, err, sizeof(err));

	if (rc < 0)
		fail_msg("check failed: %s", err);
	return rc;
}

static void
test_plain(void **state)
{
	struct key a, b, e;

	(void)state;
	load_key(FIX "key_a.pub", &a);
	load_key(FIX "key_b.pub", &b);
	load_key(FIX "key_e.pub", &e);
	/* the lines before (a CA, junk, a type libssh2 lacks) do not hide these */
	assert_int_equal(check(FIX "known_hosts", "10.0.0.1", 22, &a), GD_HOSTKEY_MATCH);
	assert_int_equal(check(FIX "known_hosts", "10.0.0.1", 22, &b), GD_HOSTKEY_CHANGED);
	assert_int_equal(check(FIX "known_hosts", "10.0.0.9", 22, &a), GD_HOSTKEY_UNKNOWN);
	/* a non-standard port is its own entry */
	assert_int_equal(check(FIX "known_hosts", "10.0.0.2", 2222, &a), GD_HOSTKEY_MATCH);
	assert_int_equal(check(FIX "known_hosts", "10.0.0.2", 22, &a), GD_HOSTKEY_UNKNOWN);
	assert_int_equal(check(FIX "known_hosts", "10.0.0.2", 2222, &b), GD_HOSTKEY_CHANGED);
	/* the same key type is compared; another type is not a change */
	assert_int_equal(check(FIX "known_hosts", "10.0.0.3", 22, &e), GD_HOSTKEY_MATCH);
	assert_int_equal(check(FIX "known_hosts", "10.0.0.3", 22, &a), GD_HOSTKEY_UNKNOWN);
	/* comma-separated names */
	assert_int_equal(check(FIX "known_hosts", "web1.example.com", 22, &b), GD_HOSTKEY_MATCH);
	assert_int_equal(check(FIX "known_hosts", "10.0.0.4", 22, &b), GD_HOSTKEY_MATCH);
	assert_int_equal(check(FIX "known_hosts", "10.0.0.4", 22, &a), GD_HOSTKEY_CHANGED);
	/* the @cert-authority line is not a key for its hosts: they are CA-only */
	assert_int_equal(check(FIX "known_hosts", "x.example.com", 22, &b), GD_HOSTKEY_CA_ONLY);
	assert_int_equal(check(FIX "known_hosts", "x.example.org", 22, &b), GD_HOSTKEY_UNKNOWN);
}

static void
test_hashed(void **state)
{
	struct key a, b;

	(void)state;
	load_key(FIX "key_a.pub", &a);
	load_key(FIX "key_b.pub", &b);
	assert_int_equal(check(FIX "known_hosts_hashed", "hashed.example.com", 22, &a), GD_HOSTKEY_MATCH);
	assert_int_equal(check(FIX "known_hosts_hashed", "hashed.example.com", 22, &b), GD_HOSTKEY_CHANGED);
	assert_int_equal(check(FIX "known_hosts_hashed", "other.example.com", 22, &a), GD_HOSTKEY_UNKNOWN);
}

static void
test_missing_file(void **state)
{
	struct key a;

	(void)state;
	load_key(FIX "key_a.pub", &a);
	assert_int_equal(check("/nonexistent/gameday/known_hosts", "10.0.0.1", 22, &a), GD_HOSTKEY_UNKNOWN);
}

static void
test_unreadable_file(void **state)
{
	struct key a;
	char err[GD_ERRLEN] = "";

	(void)state;
	load_key(FIX "key_a.pub", &a);
	/* a directory cannot be read as a file: an error that names it, not "unknown" */
	assert_int_equal(gd_knownhosts_check("tests/unit/fixtures", "10.0.0.1", 22, a.blob, a.len,
	    a.type, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tests/unit/fixtures"));
}

static void
test_add_then_match(void **state)
{
	char dir[] = "/tmp/gd-kh-XXXXXX", file[64], err[GD_ERRLEN] = "";
	struct key a, b;
	struct stat st;

	(void)state;
	load_key(FIX "key_a.pub", &a);
	load_key(FIX "key_b.pub", &b);
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/known_hosts", dir);
	assert_int_equal(check(file, "192.0.2.7", 2200, &a), GD_HOSTKEY_UNKNOWN);
	assert_int_equal(gd_knownhosts_add(file, "192.0.2.7", 2200, a.blob, a.len, a.type, err,
	    sizeof(err)), 0);
	assert_int_equal(gd_knownhosts_add(file, "192.0.2.8", 22, b.blob, b.len, b.type, err,
	    sizeof(err)), 0);
	assert_int_equal(check(file, "192.0.2.7", 2200, &a), GD_HOSTKEY_MATCH);
	assert_int_equal(check(file, "192.0.2.7", 2200, &b), GD_HOSTKEY_CHANGED);
	assert_int_equal(check(file, "192.0.2.8", 22, &b), GD_HOSTKEY_MATCH);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	unlink(file);
	rmdir(dir);
}

/* Writes text to a fresh file in dir; returns its path (static). */
static const char *
write_kh(const char *dir, const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* The first line of a .pub fixture: "TYPE BASE64". */
static char *
pub_line(const char *path)
{
	static char line[1024];
	FILE *f = fopen(path, "r");
	char *sp;

	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if ((sp = strchr(line, ' ')) != NULL && (sp = strchr(sp + 1, ' ')) != NULL)
		*sp = '\0';   /* no comment */
	return line;
}

/* @revoked, wildcards and negation, [host]:port, several files: OpenSSH's rules. */
static void
test_markers_and_patterns(void **state)
{
	char dir[] = "/tmp/gd-kh-XXXXXX", ka[1024], kb[1024], text[8192], err[GD_ERRLEN];
	char rm[64];
	const char *files[2], *f;
	struct gd_hostkey_where w;
	struct key a, b;

	(void)state;
	load_key(FIX "key_a.pub", &a);
	load_key(FIX "key_b.pub", &b);
	snprintf(ka, sizeof(ka), "%s", pub_line(FIX "key_a.pub"));
	snprintf(kb, sizeof(kb), "%s", pub_line(FIX "key_b.pub"));
	assert_non_null(mkdtemp(dir));
	snprintf(text, sizeof(text),
	    "*.lab,!bad.lab %s\n"          /* a wildcard, with a negated name */
	    "10.9.*.? %s\n"
	    "[10.8.0.1]:2222 %s\n"
	    "10.8.0.1 %s\n"
	    "@revoked * %s\n"              /* key b is revoked for every host */
	    "Web.Example.COM %s\n", ka, ka, ka, kb, kb, ka);
	f = write_kh(dir, "user", text);
	assert_int_equal(check(f, "web.lab", 22, &a), GD_HOSTKEY_MATCH);
	assert_int_equal(check(f, "WEB.LAB", 22, &a), GD_HOSTKEY_MATCH);   /* names are lowercased */
	assert_int_equal(check(f, "bad.lab", 22, &a), GD_HOSTKEY_UNKNOWN);
	assert_int_equal(check(f, "10.9.3.7", 22, &a), GD_HOSTKEY_MATCH);
	assert_int_equal(check(f, "10.9.3.77", 22, &a), GD_HOSTKEY_UNKNOWN);
	assert_int_equal(check(f, "web.example.com", 22, &a), GD_HOSTKEY_MATCH);
	/* off port 22 only [host]:port counts, as in OpenSSH; on it, only the bare name */
	assert_int_equal(check(f, "10.8.0.1", 2222, &a), GD_HOSTKEY_MATCH);
	assert_int_equal(check(f, "10.8.0.1", 2223, &a), GD_HOSTKEY_UNKNOWN);
	/* a revoked key is refused even where a plain line lists it */
	assert_int_equal(check(f, "10.8.0.1", 22, &b), GD_HOSTKEY_REVOKED);
	assert_int_equal(check(f, "anything", 22, &b), GD_HOSTKEY_REVOKED);
	/* a second file (the global one) is read too; revoked there is revoked */
	files[0] = gd_xstrdup(write_kh(dir, "user2", "10.7.0.1 "));
	snprintf(text, sizeof(text), "10.7.0.1 %s\n@revoked 10.7.0.2 %s\n", ka, ka);
	files[1] = gd_xstrdup(write_kh(dir, "global", text));
	assert_int_equal(gd_knownhosts_check_files(files, 2, "10.7.0.1", 22, a.blob, a.len, a.type,
	    &w, err, sizeof(err)), GD_HOSTKEY_MATCH);
	assert_int_equal(gd_knownhosts_check_files(files, 2, "10.7.0.2", 22, a.blob, a.len, a.type,
	    &w, err, sizeof(err)), GD_HOSTKEY_REVOKED);
	assert_string_equal(w.file, files[1]);
	assert_int_equal(w.line, 2);
	free((char *)files[0]);
	free((char *)files[1]);
	snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
	assert_int_equal(system(rm), 0);
}

/* HashKnownHosts yes: the recorded name is hashed, and ssh-keygen -F finds it. */
static void
test_record_hashed(void **state)
{
	char dir[] = "/tmp/gd-kh-XXXXXX", file[64], cmd[256], err[GD_ERRLEN] = "", line[512] = "";
	struct key a;
	FILE *f;

	(void)state;
	load_key(FIX "key_a.pub", &a);
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/known_hosts", dir);
	assert_int_equal(gd_knownhosts_record(file, "192.0.2.9", 2200, a.blob, a.len, a.type, 1,
	    err, sizeof(err)), 0);
	f = fopen(file, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_int_equal(strncmp(line, "|1|", 3), 0);
	assert_null(strstr(line, "192.0.2.9"));
	assert_int_equal(check(file, "192.0.2.9", 2200, &a), GD_HOSTKEY_MATCH);
	assert_int_equal(check(file, "192.0.2.9", 22, &a), GD_HOSTKEY_UNKNOWN);
	snprintf(cmd, sizeof(cmd), "ssh-keygen -F '[192.0.2.9]:2200' -f %s >/dev/null 2>&1", file);
	if (system("command -v ssh-keygen >/dev/null") == 0)
		assert_int_equal(system(cmd), 0);   /* OpenSSH reads what was written */
	unlink(file);
	rmdir(dir);
}

static void
test_fingerprint(void **state)
{
	struct key a;
	char fp[64], want[128];
	FILE *f;

	(void)state;
	load_key(FIX "key_a.pub", &a);
	gd_hostkey_fingerprint(a.blob, a.len, fp);
	f = fopen(FIX "key_a.fp", "r");  /* written by ssh-keygen -lf */
	assert_non_null(f);
	assert_non_null(fgets(want, sizeof(want), f));
	fclose(f);
	want[strcspn(want, "\n")] = '\0';
	assert_string_equal(fp, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_hashed),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_add_then_match),
		cmocka_unit_test(test_markers_and_patterns),
		cmocka_unit_test(test_record_hashed),
		cmocka_unit_test(test_fingerprint),
	};
	int rc;

	libssh2_init(0);
	rc = cmocka_run_group_tests_name("knownhosts", tests, NULL, NULL);
	libssh2_exit();
	return rc;
}
