/* test_quote.c: gd_shell_quote against real shells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "quote.h"

/* Runs `SHELL -c "printf %s QUOTED"` and returns what it printed (malloc'd). */
static char *
through_shell(const char *shell, const char *value, size_t *outlen)
{
	struct gd_buf cmd = { 0 }, inner = { 0 };
	char buf[4096];
	size_t n;
	FILE *p;
	struct gd_buf out = { 0 };

	gd_buf_adds(&inner, "printf %s ");
	assert_int_equal(gd_shell_quote(&inner, value, strlen(value)), 0);
	/* the outer layer is quoted by the same function: a command inside a command */
	gd_buf_printf(&cmd, "%s -c ", shell);
	gd_shell_quote_str(&cmd, inner.data);
	p = popen(cmd.data, "r");
	assert_non_null(p);
	gd_buf_add(&out, "", 0);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		gd_buf_add(&out, buf, n);
	assert_int_equal(pclose(p), 0);
	gd_buf_free(&cmd);
	gd_buf_free(&inner);
	*outlen = out.len;
	return out.data;
}

static const char *hostile[] = {
	"",
	"plain",
	"two words",
	"it's",
	"'",
	"''''",
	"\"double\" quotes",
	"$(touch /tmp/gameday-quote-pwned)",
	"`touch /tmp/gameday-quote-pwned`",
	"${HOME} $HOME $((1+1))",
	"a;b&&c||d|e",
	"line1\nline2\n",
	"tab\there",
	"back\\slash\\",
	"glob * ? [a-z]",
	"-n",
	"~root",
	"# not a comment",
	"!event",
	"\x01\x02\x7f\xff\xfe",
	"unicode: żółć ☃ 🔥",
	"'$(echo pwned)'\"`echo pwned`\"",
};

static void
test_round_trip(void **state)
{
	const char *shells[] = { "/bin/sh", "/bin/bash", "/bin/dash" };
	size_t i, k, len;

	(void)state;
	unlink("/tmp/gameday-quote-pwned");
	for (k = 0; k < 3; k++) {
		if (access(shells[k], X_OK) != 0)
			continue;
		for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
			char *got = through_shell(shells[k], hostile[i], &len);

			if (len != strlen(hostile[i]) || memcmp(got, hostile[i], len) != 0)
				fail_msg("%s changed %s into %s", shells[k], hostile[i], got);
			free(got);
		}
	}
	assert_int_not_equal(access("/tmp/gameday-quote-pwned", F_OK), 0);
}

static void
test_nul_refused(void **state)
{
	struct gd_buf b = { 0 };

	(void)state;
	gd_buf_adds(&b, "x");
	assert_int_equal(gd_shell_quote(&b, "a\0b", 3), -1);
	assert_int_equal(b.len, 1);  /* nothing appended */
	assert_int_equal(gd_shell_quote(&b, "ab", 2), 0);
	assert_string_equal(b.data, "x'ab'");
	gd_buf_free(&b);
}

static void
test_exact_form(void **state)
{
	struct gd_buf b = { 0 };

	(void)state;
	gd_shell_quote_str(&b, "it's");
	assert_string_equal(b.data, "'it'\\''s'");
	gd_buf_free(&b);
}

static void
test_become(void **state)
{
	char *s;
	size_t len;

	(void)state;
	s = gd_become_command(0, "deploy", "id -u");
	assert_string_equal(s, "id -u");
	free(s);
	s = gd_become_command(1, "root", "id -u");
	assert_string_equal(s, "id -u");  /* root needs no sudo */
	free(s);
	s = gd_become_command_as(1, "deploy", "postgres", "id -u");
	assert_string_equal(s, "sudo -n -u 'postgres' -- sh -c 'id -u'");
	free(s);
	s = gd_become_command_as(1, "root", "postgres", "id -u");   /* root can be anyone */
	assert_string_equal(s, "sudo -n -u 'postgres' -- sh -c 'id -u'");
	free(s);
	s = gd_become_command_as(1, "postgres", "postgres", "id -u");
	assert_string_equal(s, "id -u");
	free(s);
	s = gd_become_command(1, "deploy", "echo 'a b' $(x)");
	assert_string_equal(s, "sudo -n -- sh -c 'echo '\\''a b'\\'' $(x)'");
	free(s);
	/* the word sudo hands to sh -c is the command, unchanged: swap sudo for echo */
	s = gd_become_command(1, "deploy", "it's $(x) \"q\"");
	assert_int_equal(strncmp(s, "sudo -n -- sh -c ", 17), 0);
	memcpy(s, "printf %s        ", 17);
	{
		FILE *p = popen(s, "r");
		char buf[128] = "";

		assert_non_null(p);
		len = fread(buf, 1, sizeof(buf) - 1, p);
		pclose(p);
		buf[len] = '\0';
		assert_string_equal(buf, "it's $(x) \"q\"");
	}
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_nul_refused),
		cmocka_unit_test(test_exact_form),
		cmocka_unit_test(test_become),
	};

	return cmocka_run_group_tests_name("quote", tests, NULL, NULL);
}
