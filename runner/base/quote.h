/* quote.h: the one function that puts a value into a remote shell command. */
#ifndef GD_QUOTE_H
#define GD_QUOTE_H

#include <stddef.h>

#include "gd.h"

/* Appends s[0..len) to b as one POSIX shell word in single quotes
 * ('it'\''s'), safe for sh, bash, dash and zsh whatever s holds.
 * A NUL byte cannot pass through a shell: returns -1 and appends nothing. */
int gd_shell_quote(struct gd_buf *b, const char *s, size_t len);

/* gd_shell_quote of a C string (which holds no NUL). */
void gd_shell_quote_str(struct gd_buf *b, const char *s);

/* The command to send for cmd: as it is, or through `sudo -n -- sh -c` when
 * become is set and user is not root. Returns a malloc'd string. */
char *gd_become_command(int become, const char *user, const char *cmd);

/* The same with become_user (NULL: root): `sudo -n -u USER -- sh -c CMD`,
 * or cmd itself when the login user is that user already. */
char *gd_become_command_as(int become, const char *user, const char *become_user,
    const char *cmd);

#endif
