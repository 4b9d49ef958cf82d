/* proc.h: running local programs (never through a shell). */
#ifndef GD_PROC_H
#define GD_PROC_H

#include <stddef.h>

/* Runs argv[0] (searched in PATH) with argv, waits for it, and returns its
 * exit status (0..255), or -1 with err filled when it could not be run or
 * died by a signal. When out is not NULL, stdout is captured into a malloc'd
 * NUL-terminated string the caller frees; stderr is captured and its first
 * line is put into err when the exit status is not 0. */
int gd_proc_run(char *const argv[], char **out, char *err, size_t errlen);

#endif
