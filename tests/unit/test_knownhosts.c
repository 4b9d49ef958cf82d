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
	/* the @cert-authority line is not a key for its hosts */
	assert_int_equal(check(FIX "known_hosts", "x.example.com", 22, &b), GD_HOSTKEY_UNKNOWN);
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
		cmocka_unit_test(test_fingerprint),
	};
	int rc;

	libssh2_init(0);
	rc = cmocka_run_group_tests_name("knownhosts", tests, NULL, NULL);
	libssh2_exit();
	return rc;
}
