/* quote.c: single-quote shell words. */
#include <string.h>

#include "quote.h"

int
gd_shell_quote(struct gd_buf *b, const char *s, size_t len)
{
	size_t i, start;

	if (memchr(s, '\0', len) != NULL)
		return -1;
	gd_buf_add(b, "'", 1);
	for (i = start = 0; i < len; i++) {
		if (s[i] != '\'')
			continue;
		gd_buf_add(b, s + start, i - start);
		gd_buf_add(b, "'\\''", 4);  /* close, escaped quote, reopen */
		start = i + 1;
	}
	gd_buf_add(b, s + start, len - start);
	gd_buf_add(b, "'", 1);
	return 0;
}

void
gd_shell_quote_str(struct gd_buf *b, const char *s)
{
	(void)gd_shell_quote(b, s, strlen(s));
}

char *
gd_become_command(int become, const char *user, const char *cmd)
{
	return gd_become_command_as(become, user, NULL, cmd);
}

char *
gd_become_command_as(int become, const char *user, const char *become_user, const char *cmd)
{
	struct gd_buf b = { 0 };
	const char *target = become_user != NULL ? become_user : "root";

	if (!become || user == NULL || strcmp(user, target) == 0)
		return gd_xstrdup(cmd);
	gd_buf_adds(&b, "sudo -n ");  /* -n: fail rather than ask for a password */
	if (strcmp(target, "root") != 0) {
		gd_buf_adds(&b, "-u ");
		gd_shell_quote_str(&b, target);
		gd_buf_adds(&b, " ");
	}
	gd_buf_adds(&b, "-- sh -c ");
	gd_shell_quote_str(&b, cmd);
	return b.data;
}
